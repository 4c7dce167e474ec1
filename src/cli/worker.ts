import { resolve } from 'node:path';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { registry } from './local-context.js';
import { openRedisFor } from './redis-context.js';
import { startWorkerRole, untilSignalled } from './roles.js';

export interface WorkerOptions {
  redis?: string;
  prefix?: string;
  config?: string;
  playbooks: string;
  concurrency?: string;
  lockDuration?: string;
}

/**
 * `soar worker`: consumes the runtime's queues until SIGTERM or SIGINT, then finishes the jobs
 * in hand and exits. Any number may run, on any number of machines, against one Redis.
 */
export async function workerCommand(options: WorkerOptions): Promise<number> {
  const reg = registry();
  const library = new PlaybookLibrary(resolve(options.playbooks), reg);
  const redis = await openRedisFor(options, library, reg);
  try {
    const worker = await startWorkerRole(redis, library, options);
    await untilSignalled();
    await worker.stop();
    return 0;
  } finally {
    await redis.close();
  }
}
