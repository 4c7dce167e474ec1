import { resolve } from 'node:path';
import { adhocFeedInstance } from '../../integrations/taxii/adhoc.js';
import type { InstanceContext } from '../integration-sdk/define.js';
import { pollFeed, type FeedPollResult } from '../intel/feed-poll.js';
import { CommandError } from '../integration-sdk/errors.js';
import { hookContext } from '../runtime/hook-context.js';
import { HttpClients } from '../runtime/http-clients.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { instances, openLocal, registry } from './local-context.js';
import { CliError, printJson } from './output.js';

/** A poll of a large feed takes minutes; an hour is a generous bound. */
const POLL_TIMEOUT_MS = 60 * 60_000;

export interface FeedsPollOptions {
  dataDir: string;
  config?: string;
  json?: boolean;
  taxii?: string;
  url?: string;
  collection?: string;
  user?: string;
  password?: string;
}

/**
 * `soar feeds poll <feed>`, or an ad-hoc feed given on the command line
 * (`--taxii 2.1|1.1 --url URL --collection ID-OR-NAME [--user U --password P]`): what is new
 * since the feed's watermark goes into the indicator store of the data dir.
 */
export async function feedsPollCommand(
  feedId: string | undefined,
  options: FeedsPollOptions,
): Promise<number> {
  const reg = registry();
  const adhoc = options.taxii !== undefined || options.url !== undefined;
  if (adhoc === (feedId !== undefined)) {
    throw new CliError(
      'name a configured feed (soar feeds poll <feed>) or give an ad-hoc one (--taxii 2.1|1.1 --url URL --collection ID), not both',
    );
  }
  const instance = adhoc ? adhocInstance(options) : await configuredFeed(feedId!, options.config);
  const local = await openLocal(
    options.dataDir,
    new PlaybookLibrary(resolve('playbooks'), reg),
    'soar feeds poll',
    {
      registry: reg,
      ...(options.config ? { config: options.config } : {}),
      secrets: Object.values(instance.credentials).filter((s) => s !== ''),
    },
  );
  const clients = new HttpClients();
  const taxii = reg.list().find((i) => i.id === 'taxii')!;
  const interactive = process.stderr.isTTY && !options.json;
  try {
    let result: FeedPollResult;
    try {
      result = await pollFeed(
        hookContext(instance, clients, POLL_TIMEOUT_MS, local.intel),
        taxii,
        interactive ? (line) => process.stderr.write(`\r${line.slice(0, 150)}\u001b[K`) : undefined,
      );
    } catch (error) {
      if (error instanceof CommandError) {
        throw new CliError(`poll of ${instance.id} failed (watermark kept): ${error.message}`, 1);
      }
      throw error;
    } finally {
      if (interactive) process.stderr.write('\n');
    }
    if (options.json) printJson(result);
    else {
      process.stdout.write(
        `${result.feed} (${result.collection}): ${result.objects} objects, ${result.indicators} indicators: ` +
          `${result.added} added, ${result.updated} updated, ${result.unchanged} unchanged, ${result.invalid} invalid, ` +
          `${result.unsupported} unsupported patterns; ${result.expired} expired; watermark ${result.watermark ?? 'none'}\n`,
      );
      for (const u of result.unsupported_examples.slice(0, 5)) {
        process.stdout.write(`  unsupported: ${u.what.slice(0, 120)}: ${u.reason}\n`);
      }
    }
    return 0;
  } finally {
    await clients.close();
    await local.close();
  }
}

async function configuredFeed(
  feedId: string,
  config: string | undefined,
): Promise<InstanceContext> {
  const configured = await instances(config);
  const summary = configured.list().find((i) => i.id === feedId);
  if (!summary) throw new CliError(`no feed '${feedId}': see soar integrations list`);
  if (summary.integration !== 'taxii') {
    throw new CliError(
      `'${feedId}' is a ${summary.integration} instance, not a feed (integration: taxii)`,
    );
  }
  try {
    return configured.get(feedId);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
}

function adhocInstance(options: FeedsPollOptions): InstanceContext {
  const instance = adhocFeedInstance({
    version: options.taxii,
    url: options.url,
    collection: options.collection,
    user: options.user,
    password: options.password,
  });
  if (typeof instance === 'string') throw new CliError(instance);
  return instance;
}
