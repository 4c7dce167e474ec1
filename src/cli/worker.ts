import { resolve } from 'node:path';
import { RuntimeWorker } from '../runtime/bullmq/runtime-worker.js';
import { ScheduledWork } from '../runtime/bullmq/scheduled-work.js';
import { HttpClients } from '../runtime/http-clients.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { openRedis, redisUrlOf } from './redis-context.js';
import { registry } from './local-context.js';
import { redactUrls } from '../journal/redact-url.js';

export interface WorkerOptions {
  redis?: string;
  prefix?: string;
  config?: string;
  playbooks: string;
  concurrency?: string;
  lockDuration?: string;
}

function positiveInteger(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${name} must be a positive integer`);
  return n;
}

/**
 * `soar worker`: consumes the runtime's queues until SIGTERM or SIGINT, then finishes the jobs
 * in hand and exits. Any number may run, on any number of machines, against one Redis.
 */
export async function workerCommand(options: WorkerOptions): Promise<number> {
  const reg = registry();
  const library = new PlaybookLibrary(resolve(options.playbooks), reg);
  const redis = await openRedis({
    redisUrl: redisUrlOf(options.redis),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.config ? { config: options.config } : {}),
    library,
    registry: reg,
  });
  const lockDurationMs = positiveInteger(options.lockDuration, '--lock-duration');
  const stepConcurrency = positiveInteger(options.concurrency, '--concurrency');
  const clients = new HttpClients();
  const ticks = new ScheduledWork({
    sources: {
      engine: redis.engine,
      store: redis.store,
      library,
      instances: redis.instances,
      registry: reg,
      intel: redis.intel,
      clients,
    },
    store: redis.store,
    client: redis.client,
    names: redis.names,
    log: (line) => process.stderr.write(`worker ${process.pid}: ${line}\n`),
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
      process.stderr.write(
        `worker: ${where}: ${error instanceof Error ? error.message : String(error)}\n`,
      ),
  });
  await worker.start();
  process.stderr.write(
    `worker ${process.pid}: consuming ${worker.queueNames().join(', ')} on ${redactUrls(redis.url, '***')} (prefix ${redis.names.prefix})\n`,
  );
  await new Promise<void>((done) => {
    const stop = () => done();
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  process.stderr.write(`worker ${process.pid}: stopping\n`);
  await worker.close();
  await clients.close();
  await redis.close();
  return 0;
}
