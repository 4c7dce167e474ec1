import { resolve } from 'node:path';
import { ApiAuth, ApiConfigError } from '../api/auth.js';
import { ApiMetrics } from '../api/metrics.js';
import { buildApi } from '../api/server.js';
import { redactUrls } from '../journal/redact-url.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { registry } from './local-context.js';
import { CliError } from './output.js';
import { openRedis, redisUrlOf } from './redis-context.js';

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
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new CliError(`--port must be a port number, got '${options.port}'`);
  }
  const reg = registry();
  const library = new PlaybookLibrary(resolve(options.playbooks), reg);
  const redis = await openRedis({
    redisUrl: redisUrlOf(options.redis),
    ...(options.prefix ? { prefix: options.prefix } : {}),
    ...(options.config ? { config: options.config } : {}),
    library,
    registry: reg,
  });
  let auth: ApiAuth;
  try {
    auth = ApiAuth.fromConfig(redis.config.api, (reference) =>
      redis.instances.resolveReference(reference),
    );
  } catch (error) {
    await redis.close();
    if (error instanceof ApiConfigError) throw new CliError(`soar.config.yaml: ${error.message}`);
    throw error;
  }
  for (const secret of auth.secretValues()) redis.redactor.addSecret(secret);
  if (!auth.configured) {
    process.stderr.write(
      'api: no tokens or webhooks under api: in soar.config.yaml: every /api/v1 request will get 401\n',
    );
  }
  const metrics = new ApiMetrics(redis.client, redis.names, redis.instances);
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
  process.stderr.write(
    `api ${process.pid}: listening on ${address} (Redis ${redactUrls(redis.url, '***')}, prefix ${redis.names.prefix})\n`,
  );
  await new Promise<void>((done) => {
    process.once('SIGTERM', () => done());
    process.once('SIGINT', () => done());
  });
  await app.close();
  await metrics.close();
  await redis.close();
  return 0;
}
