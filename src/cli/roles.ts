import { ApiAuth, ApiConfigError } from '../api/auth.js';
import { ApiMetrics } from '../api/metrics.js';
import { buildApi } from '../api/server.js';
import { redactUrls } from '../journal/redact-url.js';
import { RedisScheduler } from '../runtime/bullmq/redis-scheduler.js';
import { RuntimeWorker } from '../runtime/bullmq/runtime-worker.js';
import { ScheduledWork } from '../runtime/bullmq/scheduled-work.js';
import { HttpClients } from '../runtime/http-clients.js';
import type { PlaybookLibrary } from '../runtime/playbook-library.js';
import { CliError } from './output.js';
import type { RedisContext } from './redis-context.js';

/*
 * The roles of the distributed runtime, each started on an open Redis context and stopped
 * gracefully: `soar worker`, `soar api` and `soar scheduler` run one each, `soar serve` all.
 */

export interface Role {
  stop(): Promise<void>;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new CliError(`${name} must be a positive integer`);
  return n;
}

export async function startWorkerRole(
  redis: RedisContext,
  library: PlaybookLibrary,
  options: { concurrency?: string; lockDuration?: string },
): Promise<Role> {
  const lockDurationMs = positiveInteger(options.lockDuration, '--lock-duration');
  const stepConcurrency = positiveInteger(options.concurrency, '--concurrency');
  const clients = new HttpClients();
  const ticks = new ScheduledWork({
    sources: {
      engine: redis.engine,
      store: redis.store,
      library,
      instances: redis.instances,
      registry: redis.registry,
      intel: redis.intel,
      clients,
    },
    store: redis.store,
    client: redis.client,
    names: redis.names,
    log: (line) => say(`worker ${process.pid}: ${line}`),
  });
  const worker = new RuntimeWorker({
    engine: redis.engine,
    ticks,
    instances: redis.instances,
    names: redis.names,
    redisUrl: redis.url,
    ...(lockDurationMs ? { lockDurationMs } : {}),
    ...(stepConcurrency ? { stepConcurrency } : {}),
    onError: (error, where) =>
      say(`worker: ${where}: ${error instanceof Error ? error.message : String(error)}`),
  });
  await worker.start();
  say(
    `worker ${process.pid}: consuming ${worker.queueNames().join(', ')} on ${redactUrls(redis.url, '***')} (prefix ${redis.names.prefix})`,
  );
  return {
    async stop() {
      say(`worker ${process.pid}: stopping`);
      await worker.close();
      await clients.close();
    },
  };
}

export async function startApiRole(
  redis: RedisContext,
  library: PlaybookLibrary,
  options: { port: string; host: string },
): Promise<Role & { address: string }> {
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError(`--port must be a port number, got '${options.port}'`);
  }
  let auth: ApiAuth;
  try {
    auth = ApiAuth.fromConfig(redis.config.api, (reference) =>
      redis.instances.resolveReference(reference),
    );
  } catch (error) {
    if (error instanceof ApiConfigError) throw new CliError(`soar.config.yaml: ${error.message}`);
    throw error;
  }
  for (const secret of auth.secretValues()) redis.redactor.addSecret(secret);
  if (!auth.configured) {
    say(
      'api: no tokens or webhooks under api: in soar.config.yaml: every /api/v1 request gets 401',
    );
  }
  const metrics = new ApiMetrics(redis.client, redis.names, redis.queues, redis.instances);
  const app = await buildApi({
    engine: redis.engine,
    store: redis.store,
    journal: redis.journal,
    queues: redis.queues,
    library,
    auth,
    metrics,
    client: redis.client,
  });
  const address = await app.listen({ port, host: options.host });
  say(
    `api ${process.pid}: listening on ${address} (Redis ${redactUrls(redis.url, '***')}, prefix ${redis.names.prefix})`,
  );
  return {
    address,
    async stop() {
      await app.close();
    },
  };
}

export function startSchedulerRole(
  redis: RedisContext,
  library: PlaybookLibrary,
  log: (line: string) => void,
): Role {
  const scheduler = new RedisScheduler({
    client: redis.client,
    names: redis.names,
    queues: redis.queues,
    sources: { library, instances: redis.instances, registry: redis.registry },
    log,
  });
  const stop = new AbortController();
  const running = scheduler.run(stop.signal);
  log(`scheduler ${process.pid} on Redis (prefix ${redis.names.prefix}); workers fire the ticks`);
  return {
    async stop() {
      stop.abort();
      await running;
    },
  };
}

/** Resolves on the first SIGTERM or SIGINT. */
export function untilSignalled(): Promise<void> {
  return new Promise<void>((done) => {
    process.once('SIGTERM', () => done());
    process.once('SIGINT', () => done());
  });
}
