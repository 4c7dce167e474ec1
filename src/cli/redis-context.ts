import { resolve } from 'node:path';
import { Instances } from '../integration-sdk/instances.js';
import type { Registry } from '../integration-sdk/registry.js';
import { RedisIndicatorStore } from '../intel/redis-store.js';
import { IntelService } from '../intel/service.js';
import { createRedactor } from '../journal/redact.js';
import { redactUrls } from '../journal/redact-url.js';
import { RedisJournalStore } from '../journal/redis-store.js';
import { DistributedEngine } from '../runtime/bullmq/distributed-engine.js';
import { RuntimeQueues } from '../runtime/bullmq/queues.js';
import { RedisNames } from '../runtime/bullmq/redis-names.js';
import { RedisRunStore } from '../runtime/bullmq/redis-run-store.js';
import { loadConfig } from '../runtime/config-file.js';
import { connectRedis, RedisUrlError } from '../runtime/redis-connection.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { exclusionsOf, feedExpiry, registry, writeCommandLog } from './local-context.js';
import { CliError } from './output.js';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

export interface RedisContextOptions {
  /** REDIS_URL, else the default. */
  redisUrl?: string;
  /** Key prefix (SOAR_REDIS_PREFIX, else `soar`): installations sharing a Redis keep apart. */
  prefix?: string;
  config?: string;
  /** Playbooks by id (sub-playbooks, starts by id); default ./playbooks. */
  library?: PlaybookLibrary | null;
  registry?: Registry;
}

export function redisUrlOf(given?: string): string {
  return given ?? process.env.REDIS_URL ?? DEFAULT_REDIS_URL;
}

/**
 * The distributed runtime's state, from any process: runs, approvals, incidents and
 * journals in Redis, and the queues to start and move runs. The journal redacts every
 * credential value the configured instances resolve to, as in local mode.
 */
export async function openRedis(options: RedisContextOptions = {}) {
  const reg = options.registry ?? registry();
  const { config } = await loadConfig(options.config);
  const instances = new Instances(config, reg);
  const url = redisUrlOf(options.redisUrl);
  let names: RedisNames;
  try {
    names = new RedisNames(options.prefix ?? process.env.SOAR_REDIS_PREFIX ?? undefined);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  // Commands queue while Redis restarts rather than failing the step that issued them.
  let client: ReturnType<typeof connectRedis>;
  try {
    client = connectRedis(url, { maxRetriesPerRequest: null, lazyConnect: true });
  } catch (error) {
    if (error instanceof RedisUrlError) throw new CliError(error.message);
    throw error;
  }
  let firstError: Error | null = null;
  const early = (error: Error) => (firstError ??= error);
  client.on('error', early);
  try {
    await client.connect();
  } catch (error) {
    client.disconnect();
    const reason = (firstError ?? (error as Error)).message;
    throw new CliError(`cannot reach Redis at ${redactUrls(url, '***')}: ${reason}`);
  }
  client.off('error', early);
  let lastComplaint = 0;
  client.on('error', (error: Error) => {
    // ioredis reconnects by itself; one line per outage, not one per attempt.
    if (Date.now() - lastComplaint < 10_000) return;
    lastComplaint = Date.now();
    process.stderr.write(`redis: ${error.message} (reconnecting)\n`);
  });
  const redactor = createRedactor({ secretValues: instances.secretValues() });
  const journal = new RedisJournalStore(client, { prefix: names.journalPrefix, redactor });
  const store = new RedisRunStore(client, journal, names);
  const queues = new RuntimeQueues(client, names);
  const intel = new IntelService({
    openStore: () =>
      Promise.resolve(new RedisIndicatorStore(client, { prefix: `${names.prefix}:intel` })),
    exclusions: exclusionsOf(config),
    watermarks: {
      load: (feed) => store.loadWatermark(feed),
      save: (feed, watermark) => store.saveWatermark(feed, watermark),
    },
    ...feedExpiry(config),
  });
  const library =
    options.library === undefined
      ? new PlaybookLibrary(resolve('playbooks'), reg)
      : (options.library ?? undefined);
  const engine = new DistributedEngine({
    registry: reg,
    instances,
    store,
    journal,
    queues,
    ...(library ? { library } : {}),
    intel,
    log: writeCommandLog,
    redact: (value) => redactor.redact(value),
  });
  return {
    url,
    names,
    config,
    redactor,
    client,
    registry: reg,
    instances,
    journal,
    store,
    queues,
    engine,
    intel,
    async close() {
      await engine.close();
      await queues.close();
      await journal.close();
      await intel.close();
      await client.quit().catch(() => client.disconnect());
    },
  };
}

export type RedisContext = Awaited<ReturnType<typeof openRedis>>;

/** `openRedis` from a command's `--redis`, `--prefix` and `--config` options. */
export function openRedisFor(
  options: { redis?: string; prefix?: string; config?: string },
  library: PlaybookLibrary | null,
  reg?: Registry,
): Promise<RedisContext> {
  return openRedis({
    redisUrl: redisUrlOf(options.redis),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.config ? { config: options.config } : {}),
    library,
    ...(reg ? { registry: reg } : {}),
  });
}
