import { createHash, randomUUID } from 'node:crypto';
import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  type onRequestHookHandler,
  type preHandlerHookHandler,
} from 'fastify';
import type { Cluster, Redis } from 'ioredis';
import { AlertError, MAX_ALERT_BYTES, incidentFromAlert } from '../incidents/incident.js';
import type { RedisJournalStore } from '../journal/redis-store.js';
import { verifyEntries } from '../journal/verify.js';
import type { DistributedEngine } from '../runtime/bullmq/distributed-engine.js';
import type { RuntimeQueues } from '../runtime/bullmq/queues.js';
import type { RedisRunStore } from '../runtime/bullmq/redis-run-store.js';
import { EngineError } from '../runtime/local/local-engine.js';
import type { PlaybookLibrary } from '../runtime/playbook-library.js';
import { runDetails } from '../runtime/run-views.js';
import { permits, type ApiAuth, type Principal, type Role } from './auth.js';
import type { ApiMetrics } from './metrics.js';
import * as schemas from './schemas.js';

export interface ApiDeps {
  engine: DistributedEngine;
  store: RedisRunStore;
  journal: RedisJournalStore;
  queues: RuntimeQueues;
  library: PlaybookLibrary;
  auth: ApiAuth;
  metrics: ApiMetrics;
  client: Redis | Cluster;
  now?: () => number;
}

/** An error the API answers with its own status and a stable code. */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

const ENGINE_STATUS: Record<string, number> = {
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  BAD_OPTION: 422,
};
const FASTIFY_STATUS: Record<string, [number, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'too_large'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'bad_json'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'bad_request'],
};
const MAX_NOTE_CHARS = 4000;

const principals = new WeakMap<FastifyRequest, Principal>();
const rawBodies = new WeakMap<FastifyRequest, Buffer>();

/** Who made the request (set by the auth hooks on every /api/v1 route). */
function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (!principal) throw new ApiError(401, 'unauthorized', 'authentication required');
  return principal;
}

/**
 * The HTTP API of the distributed runtime (fastify, JSON in and out, OpenAPI at
 * /api/v1/openapi.json). Every /api/v1 route needs a bearer token of a role that may use it;
 * POST /api/v1/alerts also takes a webhook's HMAC signature instead. Bad input of any kind gets
 * a 4xx with `{error, message}` and changes nothing.
 */
export async function buildApi(deps: ApiDeps): Promise<FastifyInstance> {
  const now = deps.now ?? Date.now;
  const app = Fastify({ bodyLimit: MAX_ALERT_BYTES, logger: false, return503OnClosing: true });

  // Only JSON is taken (anything else is a 415). It is parsed here, keeping the raw bytes for
  // signatures, with prototype keys dropped.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    const raw = body as Buffer;
    rawBodies.set(request, raw);
    try {
      done(
        null,
        JSON.parse(raw.toString('utf8'), (key, value: unknown) =>
          key === '__proto__' || key === 'constructor' || key === 'prototype' ? undefined : value,
        ),
      );
    } catch (error) {
      done(
        new ApiError(400, 'bad_json', `the body is not valid JSON: ${(error as Error).message}`),
      );
    }
  });

  app.setErrorHandler((error: Error & { code?: string; validation?: unknown }, _request, reply) => {
    if (error instanceof ApiError) return send(reply, error.statusCode, error.code, error.message);
    if (error instanceof EngineError) {
      return send(reply, ENGINE_STATUS[error.code] ?? 400, error.code.toLowerCase(), error.message);
    }
    if (error instanceof AlertError) return send(reply, 422, 'bad_alert', error.message);
    const known = error.code ? FASTIFY_STATUS[error.code] : undefined;
    if (known) return send(reply, known[0], known[1], error.message);
    if (error.validation) return send(reply, 400, 'bad_request', error.message);
    process.stderr.write(`api: ${error.stack ?? error.message}\n`);
    return send(reply, 500, 'internal', 'internal error');
  });
  app.setNotFoundHandler((request, reply) =>
    send(reply, 404, 'not_found', `no route ${request.method} ${request.url.split('?')[0]}`),
  );

  await app.register(swagger, {
    openapi: {
      info: {
        title: 'SOAR engine API',
        version: '1',
        description:
          'Alerts in, incidents, journals, approvals and runs out. Bearer tokens carry a role: ingest, analyst or admin.',
      },
      components: {
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer' },
          webhookSignature: {
            type: 'apiKey',
            in: 'header',
            name: 'X-Soar-Signature',
            description: 'v1=<hex HMAC-SHA256 of "<X-Soar-Timestamp>.<body>">',
          },
        },
      },
      security: [{ bearer: [] }],
    },
  });

  /** Bearer check before the body is read; a route that takes webhooks checks those after. */
  const authenticate =
    (roles: readonly Role[], webhook = false): onRequestHookHandler =>
    (request, _reply, done) => {
      const header = request.headers.authorization;
      if (header === undefined && webhook && request.headers['x-soar-signature'] !== undefined) {
        return done();
      }
      const principal = deps.auth.bearer(header);
      if (!principal) {
        return done(
          new ApiError(
            401,
            'unauthorized',
            header === undefined ? 'missing bearer token' : 'invalid token',
          ),
        );
      }
      if (!permits(principal.role, roles)) {
        return done(
          new ApiError(403, 'forbidden', `role ${principal.role} may not ${request.method} this`),
        );
      }
      principals.set(request, principal);
      done();
    };
  const verifyWebhook: preHandlerHookHandler = (request, _reply, done) => {
    if (principals.has(request)) return done();
    const header = (name: string) => {
      const value = request.headers[name];
      return typeof value === 'string' ? value : undefined;
    };
    const verdict = deps.auth.webhook(
      header('x-soar-timestamp'),
      header('x-soar-signature'),
      rawBodies.get(request) ?? Buffer.alloc(0),
      now(),
    );
    if (verdict === 'stale') {
      return done(
        new ApiError(401, 'unauthorized', 'the signature timestamp is too old or in the future'),
      );
    }
    if (verdict === null) return done(new ApiError(401, 'unauthorized', 'bad signature'));
    principals.set(request, verdict);
    done();
  };

  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    try {
      await deps.client.ping();
      return { status: 'ok' };
    } catch (error) {
      return send(reply, 503, 'unavailable', `Redis: ${(error as Error).message}`);
    }
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.text();
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, () => app.swagger());

  app.post(
    '/api/v1/alerts',
    {
      onRequest: authenticate(['ingest'], true),
      preHandler: verifyWebhook,
      schema: schemas.postAlert,
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const body = request.body as Record<string, unknown> | null;
      if (body === null || typeof body !== 'object' || Array.isArray(body)) {
        throw new AlertError('an alert must be a JSON object');
      }
      const { dedup_key: dedupKey, ...alert } = body;
      if (
        dedupKey !== undefined &&
        (typeof dedupKey !== 'string' || !/^.{1,200}$/s.test(dedupKey))
      ) {
        throw new AlertError("'dedup_key' must be a string of 1 to 200 characters");
      }
      const source = `api:${principal.name}`;
      // Checked here, so that a bad alert is refused at once rather than failing in a worker.
      const incident = incidentFromAlert(alert, {
        id: 'check',
        now: new Date(now()).toISOString(),
        source,
      });
      const playbooks = await deps.library.playbooksFor(incident.type);
      if (playbooks.length === 0) {
        throw new ApiError(
          422,
          'unknown_incident_type',
          `no playbook handles incident type '${incident.type}' (trigger.incident_types)`,
        );
      }
      const raw = rawBodies.get(request) ?? Buffer.from(JSON.stringify(body));
      const key = `${principal.name}:${dedupKey ?? createHash('sha256').update(raw).digest('hex')}`;
      const version = createHash('sha256').update(key).update('\u0000').update(raw).digest('hex');
      await deps.queues.addIngest(`alert-${version.slice(0, 40)}`, {
        key,
        source,
        alert: {
          type: incident.type,
          name: incident.name,
          severity: incident.severity,
          fields: incident.fields,
        },
      });
      return reply.code(202).send({
        incident: deps.engine.incidentIdFor(key),
        dedup_key: key,
        playbooks,
        status: 'accepted',
      });
    },
  );

  const analyst = authenticate(['analyst']);

  app.get(
    '/api/v1/incidents',
    { onRequest: analyst, schema: schemas.listIncidents },
    async (request) => {
      const { limit = 50, offset = 0 } = request.query as { limit?: number; offset?: number };
      return deps.store.listIncidents(offset, limit);
    },
  );
  app.get('/api/v1/incidents/:id', { onRequest: analyst, schema: schemas.byId }, async (request) =>
    incidentOr404(deps, (request.params as { id: string }).id),
  );
  app.get(
    '/api/v1/incidents/:id/journal',
    { onRequest: analyst, schema: schemas.byId },
    async (request) => {
      const { id } = request.params as { id: string };
      await incidentOr404(deps, id);
      const entries = await deps.journal.read(id);
      return { incident: id, verification: verifyEntries(entries), entries };
    },
  );
  app.post(
    '/api/v1/incidents/:id/notes',
    { onRequest: analyst, schema: schemas.postNote },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const { text } = request.body as { text: string };
      await incidentOr404(deps, id);
      const principal = principalOf(request);
      const [entry] = await deps.journal.append(id, [
        {
          id: `note-${randomUUID()}`,
          at: new Date(now()).toISOString(),
          incident: id,
          run: null,
          step: null,
          kind: 'note',
          actor: { kind: 'user', id: principal.name },
          summary: text.slice(0, MAX_NOTE_CHARS),
        },
      ]);
      return reply.code(201).send({ seq: entry?.seq, id: entry?.id, hash: entry?.hash });
    },
  );

  app.get(
    '/api/v1/approvals',
    { onRequest: analyst, schema: schemas.listApprovals },
    async (request) => {
      const { state = 'pending', limit = 100 } = request.query as {
        state?: string;
        limit?: number;
      };
      if (state !== 'pending') {
        throw new ApiError(400, 'bad_request', 'only state=pending can be listed');
      }
      return { approvals: await deps.store.pendingApprovals(limit) };
    },
  );
  app.post(
    '/api/v1/approvals/:id',
    { onRequest: analyst, schema: schemas.decide },
    async (request) => {
      const { id } = request.params as { id: string };
      const { option, comment } = request.body as { option: string; comment?: string };
      return deps.engine.approve(id, option, principalOf(request).name, comment);
    },
  );

  app.post(
    '/api/v1/playbooks/:id/runs',
    { onRequest: analyst, schema: schemas.startRun },
    async (request, reply) => {
      const { id } = request.params as { id: string };
      const body = (request.body ?? {}) as { inputs?: Record<string, unknown>; incident?: string };
      if (!(await deps.library.has(id))) {
        throw new ApiError(404, 'not_found', `no playbook '${id}'`);
      }
      const incident = body.incident ? await incidentOr404(deps, body.incident) : null;
      const compiled = await deps.library.get(id);
      const run = await deps.engine.startRun(compiled, body.inputs ?? {}, incident);
      return reply.code(202).send({ run, playbook: id, status: 'queued' });
    },
  );
  app.get('/api/v1/runs/:id', { onRequest: analyst, schema: schemas.byId }, async (request) => {
    const { id } = request.params as { id: string };
    const record = await deps.store.loadRun(id);
    if (!record) throw new ApiError(404, 'not_found', `no run '${id}' (or not started yet)`);
    return runDetails(await deps.engine.summary(id), record);
  });

  return app;
}

async function incidentOr404(deps: ApiDeps, id: string) {
  const incident = await deps.store.loadIncident(id);
  if (!incident) throw new ApiError(404, 'not_found', `no incident '${id}'`);
  return incident;
}

function send(reply: FastifyReply, status: number, error: string, message: string) {
  return reply.code(status).type('application/json').send({ error, message });
}
