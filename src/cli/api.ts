import { resolve } from 'node:path';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { registry } from './local-context.js';
import { openRedisFor } from './redis-context.js';
import {
  startApiRole,
  startSchedulerRole,
  startWorkerRole,
  untilSignalled,
  type Role,
} from './roles.js';

export interface ApiOptions {
  redis?: string;
  prefix?: string;
  config?: string;
  playbooks: string;
  port: string;
  host: string;
}

/**
 * `soar api`: the HTTP API on Redis (alerts in; incidents, journals, approvals, runs out;
 * /healthz, /metrics, /api/v1/openapi.json). Tokens and webhook secrets come from the `api:`
 * section of soar.config.yaml. Runs until SIGTERM or SIGINT.
 */
export async function apiCommand(options: ApiOptions): Promise<number> {
  const reg = registry();
  const library = new PlaybookLibrary(resolve(options.playbooks), reg);
  const redis = await openRedisFor(options, library, reg);
  try {
    const api = await startApiRole(redis, library, options);
    await untilSignalled();
    await api.stop();
    return 0;
  } finally {
    await redis.close();
  }
}

/** `soar serve`: the API, a worker and a scheduler in one process (a single-machine install). */
export async function serveCommand(
  options: ApiOptions & { concurrency?: string; lockDuration?: string },
): Promise<number> {
  const reg = registry();
  const library = new PlaybookLibrary(resolve(options.playbooks), reg);
  const redis = await openRedisFor(options, library, reg);
  const roles: Role[] = [];
  try {
    roles.push(await startWorkerRole(redis, library, options));
    roles.push(startSchedulerRole(redis, library, (line) => process.stderr.write(`${line}\n`)));
    roles.push(await startApiRole(redis, library, options));
    await untilSignalled();
    return 0;
  } finally {
    for (const role of roles.reverse()) await role.stop();
    await redis.close();
  }
}
