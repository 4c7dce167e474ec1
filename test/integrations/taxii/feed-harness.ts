import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taxii } from '../../../integrations/taxii/index.js';
import { parseConfig } from '../../../src/integration-sdk/config.js';
import { pollFeed, type FeedPollResult } from '../../../src/intel/feed-poll.js';
import { Instances } from '../../../src/integration-sdk/instances.js';
import { Registry } from '../../../src/integration-sdk/registry.js';
import { ExclusionList } from '../../../src/intel/exclusions.js';
import { LocalIndicatorStore } from '../../../src/intel/local-store.js';
import { IntelService } from '../../../src/intel/service.js';
import { hookContext } from '../../../src/runtime/hook-context.js';
import { HttpClients } from '../../../src/runtime/http-clients.js';
import { FileRunStore } from '../../../src/runtime/local/file-run-store.js';

/**
 * A data dir with an indicator store and feed watermarks, as the local runtime opens it, and a
 * `taxii` instance configured from YAML settings with credentials from the environment.
 */
export async function feedHarness() {
  const dir = await mkdtemp(join(tmpdir(), 'soar-feed-'));
  const opened: IntelService[] = [];
  const clients = new HttpClients();
  const registry = new Registry([taxii]);
  const runStore = new FileRunStore(dir);

  function intel(exclusions: string[] = []): IntelService {
    const service = new IntelService({
      openStore: () => LocalIndicatorStore.open(dir),
      exclusions: ExclusionList.build(exclusions),
      watermarks: {
        load: (feed) => runStore.loadWatermark(feed),
        save: (feed, watermark) => runStore.saveWatermark(feed, watermark),
      },
      defaultExpiryMs: 30 * 86_400_000,
    });
    opened.push(service);
    return service;
  }

  /** One poll of the feed `id`, configured with `url` and `settings`, through a fresh service. */
  async function poll(
    url: string,
    settings: Record<string, unknown>,
    env: Record<string, string>,
    given?: IntelService,
  ): Promise<FeedPollResult> {
    // A store of its own per poll unless one is given: like a process that polls, then exits.
    const service = given ?? intel();
    const parsed = parseConfig(
      'soar.config.yaml',
      [
        'instances:',
        '  feed:',
        '    integration: taxii',
        `    url: ${url}`,
        env.FEED_PASSWORD
          ? '    credentials: { username: "${env:FEED_USER}", password: "${env:FEED_PASSWORD}" }'
          : '    credentials: { username: "${env:FEED_USER}" }',
        `    settings: ${JSON.stringify(settings)}`,
        '',
      ].join('\n'),
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    const instances = new Instances(parsed.config, registry, { env, readFile: () => '' });
    try {
      return await pollFeed(hookContext(instances.get('feed'), clients, 60_000, service), taxii);
    } finally {
      if (!given) await service.close();
    }
  }

  /** The integration's connectivity check against the feed, as `soar integrations test` runs it. */
  async function check(
    url: string,
    settings: Record<string, unknown>,
    env: Record<string, string>,
  ) {
    const parsed = parseConfig(
      'soar.config.yaml',
      `instances:\n  feed:\n    integration: taxii\n    url: ${url}\n    credentials: { username: "\${env:FEED_USER}"${env.FEED_PASSWORD ? ', password: "${env:FEED_PASSWORD}"' : ''} }\n    settings: ${JSON.stringify(settings)}\n`,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    const instances = new Instances(parsed.config, registry, { env, readFile: () => '' });
    // Clients of its own: the harness's are keyed by instance id, and each check may name another server.
    const own = new HttpClients();
    try {
      return await taxii.test!(hookContext(instances.get('feed'), own, 10_000));
    } finally {
      await own.close();
    }
  }

  return {
    dir,
    intel,
    poll,
    check,
    watermark: () => runStore.loadWatermark('feed'),
    async close() {
      for (const service of opened) await service.close();
      await clients.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type FeedHarness = Awaited<ReturnType<typeof feedHarness>>;
