import { createHmac } from 'node:crypto';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { ApiAuth } from '../../src/api/auth.js';
import { ApiMetrics } from '../../src/api/metrics.js';
import { buildApi } from '../../src/api/server.js';
import { Instances } from '../../src/integration-sdk/instances.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import { INGEST_QUEUE, RuntimeQueues } from '../../src/runtime/bullmq/queues.js';
import { tempDir, writePlaybook } from '../cli/cli-helpers.js';
import { startTestRedis, type TestRedis } from '../helpers/redis.js';
import { startDistributed, type Distributed } from '../runtime/bullmq/harness.js';

/*
 * The HTTP API on real Redis with a worker, through fastify's request injection (the full
 * request pipeline: parsers, hooks, schemas, error handler).
 */

const PHISH = `id: phish-triage
name: Phishing triage
trigger:
  incident_types: [phishing]
start: ask
steps:
  ask:
    type: approval
    prompt: 'Quarantine the message from \${{ incident.fields.sender }}?'
    options: [quarantine, ignore]
    next: { quarantine: done, ignore: done }
  done:
    type: end
    outputs: { decision: '\${{ steps.ask.output.option }}', by: '\${{ steps.ask.output.by }}' }
`;
const ECHO = `id: echo-once
name: One echo
inputs:
  word: { type: string, default: hello }
start: say
steps:
  say:
    uses: core.echo
    with: { word: '\${{ inputs.word }}' }
  `;

const TOKENS = { ingest: 'ingest-token-0123456789', analyst: 'alice-token-0123456789' };
const WEBHOOK_SECRET = 'webhook-secret-0123456789';

let server: TestRedis;
let runtime: Distributed;
let app: FastifyInstance;
let queues: RuntimeQueues;
let metrics: ApiMetrics;
let ingestQueue: Queue;

beforeAll(async () => {
  server = await startTestRedis();
  const playbooks = tempDir('soar-api-');
  writePlaybook(playbooks, 'phish-triage', PHISH);
  writePlaybook(playbooks, 'echo-once', `${ECHO.trimEnd()}\n`);
  runtime = await startDistributed({ url: server.url, playbooks, workers: 1 });
  queues = new RuntimeQueues(runtime.client, runtime.names);
  const secrets: Record<string, string> = {
    '${env:INGEST}': TOKENS.ingest,
    '${env:ALICE}': TOKENS.analyst,
    '${env:HOOK}': WEBHOOK_SECRET,
  };
  const auth = ApiAuth.fromConfig(
    {
      tokens: [
        { name: 'siem', role: 'ingest', token: '${env:INGEST}' },
        { name: 'alice', role: 'analyst', token: '${env:ALICE}' },
      ],
      webhooks: [{ name: 'firewall', secret: '${env:HOOK}' }],
    },
    (reference) => secrets[reference] ?? null,
  );
  const registry = new Registry(builtinIntegrations);
  metrics = new ApiMetrics(runtime.client, runtime.names, queues, new Instances({}, registry));
  app = await buildApi({
    engine: runtime.engine,
    store: runtime.store,
    journal: runtime.journal,
    queues,
    library: runtime.library,
    auth,
    metrics,
    client: runtime.client,
  });
  ingestQueue = queues.queue(INGEST_QUEUE);
});
afterAll(async () => {
  await app?.close();
  await queues?.close();
  await runtime?.close();
  await server?.stop();
});

const as = (who: keyof typeof TOKENS) => ({ authorization: `Bearer ${TOKENS[who]}` });
const alert = (extra: Record<string, unknown> = {}) => ({
  type: 'phishing',
  name: 'Suspicious invoice',
  severity: 'high',
  fields: { sender: 'billing@invoices.example' },
  dedup_key: 'msg-1',
  ...extra,
});
const ingestJobs = async () => {
  const counts = await ingestQueue.getJobCounts('waiting', 'active', 'completed', 'failed');
  return counts.waiting! + counts.active! + counts.completed! + counts.failed!;
};

describe('the HTTP API', () => {
  it('turns an alert into an incident whose playbook runs, and an analyst decides it', async () => {
    const posted = await app.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: as('ingest'),
      payload: alert(),
    });
    expect(posted.statusCode).toBe(202);
    const { incident, playbooks } = posted.json<{ incident: string; playbooks: string[] }>();
    expect(playbooks).toEqual(['phish-triage']);

    await expect
      .poll(
        async () =>
          (
            await app.inject({ url: '/api/v1/approvals?state=pending', headers: as('analyst') })
          ).json<{ approvals: unknown[] }>().approvals.length,
        { timeout: 10_000 },
      )
      .toBe(1);
    const shown = await app.inject({
      url: `/api/v1/incidents/${incident}`,
      headers: as('analyst'),
    });
    expect(shown.json()).toMatchObject({ id: incident, type: 'phishing', severity: 'high' });

    const pending = (
      await app.inject({ url: '/api/v1/approvals?state=pending', headers: as('analyst') })
    ).json<{ approvals: { id: string; run: string; prompt: string }[] }>().approvals[0]!;
    expect(pending.prompt).toBe('Quarantine the message from billing@invoices.example?');
    const decided = await app.inject({
      method: 'POST',
      url: `/api/v1/approvals/${pending.id}`,
      headers: as('analyst'),
      payload: { option: 'quarantine', comment: 'known lure' },
    });
    expect(decided.statusCode).toBe(200);
    expect(decided.json()).toMatchObject({ state: 'decided', decision: { by: 'alice' } });
    const again = await app.inject({
      method: 'POST',
      url: `/api/v1/approvals/${pending.id}`,
      headers: as('analyst'),
      payload: { option: 'ignore' },
    });
    expect(again.statusCode).toBe(409);
    expect(again.json<{ message: string }>().message).toContain("alice chose 'quarantine'");

    await expect
      .poll(
        async () =>
          (await app.inject({ url: `/api/v1/runs/${pending.run}`, headers: as('analyst') })).json<{
            status: string;
          }>().status,
        { timeout: 10_000 },
      )
      .toBe('completed');
    const run = await app.inject({ url: `/api/v1/runs/${pending.run}`, headers: as('analyst') });
    expect(run.json()).toMatchObject({ outputs: { decision: 'quarantine', by: 'alice' } });

    // A note, then the journal: the incident, the run, the decision and the note, chained.
    const note = await app.inject({
      method: 'POST',
      url: `/api/v1/incidents/${incident}/notes`,
      headers: as('analyst'),
      payload: { text: 'Sender domain registered yesterday.' },
    });
    expect(note.statusCode).toBe(201);
    const journal = (
      await app.inject({ url: `/api/v1/incidents/${incident}/journal`, headers: as('analyst') })
    ).json<{ verification: { ok: boolean }; entries: { kind: string; actor: { id: string } }[] }>();
    expect(journal.verification.ok).toBe(true);
    const kinds = journal.entries.map((entry) => entry.kind);
    expect(kinds[0]).toBe('incident.created');
    expect(kinds).toContain('approval.decided');
    expect(journal.entries.at(-1)).toMatchObject({ kind: 'note', actor: { id: 'alice' } });
    // No token value reaches the journal.
    expect(JSON.stringify(journal)).not.toContain(TOKENS.analyst);
  });

  it('updates the incident on a repeated dedup key, journals it, and starts nothing twice', async () => {
    const first = await app.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: as('ingest'),
      payload: alert({ dedup_key: 'msg-2' }),
    });
    const { incident } = first.json<{ incident: string }>();
    await expect.poll(() => runtime.store.loadIncident(incident), { timeout: 10_000 }).toBeTruthy();
    const repeat = await app.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: as('ingest'),
      payload: alert({ dedup_key: 'msg-2', severity: 'critical' }),
    });
    expect(repeat.json<{ incident: string }>().incident).toBe(incident);
    await expect
      .poll(async () => (await runtime.store.loadIncident(incident))?.severity, { timeout: 10_000 })
      .toBe('critical');
    await expect
      .poll(async () => (await runtime.journal.read(incident)).map((e) => e.kind), {
        timeout: 10_000,
      })
      .toContain('incident.updated');
    const runs = (await runtime.client.hkeys(runtime.names.runs)).filter((id) =>
      id.includes(incident),
    );
    expect(runs).toHaveLength(1);
  });

  it('takes alerts signed by a webhook, and refuses bad or stale signatures', async () => {
    const body = JSON.stringify(alert({ dedup_key: 'fw-1' }));
    const sign = (secret: string, timestamp: number) =>
      `v1=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
    const nowS = Math.floor(Date.now() / 1000);
    const post = (headers: Record<string, string>) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/alerts',
        headers: { 'content-type': 'application/json', ...headers },
        payload: body,
      });
    const good = await post({
      'x-soar-timestamp': String(nowS),
      'x-soar-signature': sign(WEBHOOK_SECRET, nowS),
    });
    expect(good.statusCode).toBe(202);
    expect(good.json<{ dedup_key: string }>().dedup_key).toBe('firewall:fw-1');
    const before = await ingestJobs();
    const bad = await post({
      'x-soar-timestamp': String(nowS),
      'x-soar-signature': sign('wrong-secret', nowS),
    });
    expect(bad.statusCode).toBe(401);
    const stale = await post({
      'x-soar-timestamp': String(nowS - 3600),
      'x-soar-signature': sign(WEBHOOK_SECRET, nowS - 3600),
    });
    expect(stale.statusCode).toBe(401);
    expect(stale.json<{ message: string }>().message).toContain('too old');
    expect(await ingestJobs()).toBe(before);
  });

  it('answers bad requests with a clear 4xx and enqueues nothing', async () => {
    const before = await ingestJobs();
    const post = (payload: string | Buffer, headers: Record<string, string> = {}) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/alerts',
        headers: { ...as('ingest'), 'content-type': 'application/json', ...headers },
        payload,
      });
    const cases: [string, Promise<{ statusCode: number; json: () => unknown }>, number, string][] =
      [
        ['malformed JSON', post('{"type": "phishing",'), 400, 'bad_json'],
        ['10 MB body', post(Buffer.alloc(10 * 1024 * 1024, 0x20)), 413, 'too_large'],
        [
          'wrong content type',
          post('type=phishing', { 'content-type': 'text/plain' }),
          415,
          'unsupported_media_type',
        ],
        [
          'unknown incident type',
          post(JSON.stringify({ type: 'weather' })),
          422,
          'unknown_incident_type',
        ],
        ['no type', post(JSON.stringify({ name: 'x' })), 422, 'bad_alert'],
        ['an array', post('[1,2]'), 400, 'bad_request'],
        [
          'a bad severity',
          post(JSON.stringify({ type: 'phishing', severity: 'apocalyptic' })),
          400,
          'bad_request',
        ],
      ];
    for (const [what, response, status, error] of cases) {
      const answered = await response;
      expect({
        what,
        status: answered.statusCode,
        error: (answered.json() as { error: string }).error,
      }).toEqual({ what, status, error });
    }
    expect(await ingestJobs()).toBe(before);
  });

  it('gives 401 without or with a wrong token, 403 to a role that may not, and nothing else', async () => {
    const list = (headers: Record<string, string>) =>
      app.inject({ url: '/api/v1/incidents', headers });
    expect((await list({})).statusCode).toBe(401);
    expect((await list({ authorization: 'Bearer nope' })).statusCode).toBe(401);
    expect((await list({ authorization: 'Basic abc' })).statusCode).toBe(401);
    expect((await list(as('ingest'))).statusCode).toBe(403);
    expect((await list(as('analyst'))).statusCode).toBe(200);
    const before = await ingestJobs();
    const analystPosts = await app.inject({
      method: 'POST',
      url: '/api/v1/alerts',
      headers: as('analyst'),
      payload: alert({ dedup_key: 'denied' }),
    });
    expect(analystPosts.statusCode).toBe(403);
    expect(await ingestJobs()).toBe(before);
  });

  it('starts a playbook run on request and shows it', async () => {
    const started = await app.inject({
      method: 'POST',
      url: '/api/v1/playbooks/echo-once/runs',
      headers: as('analyst'),
      payload: { inputs: { word: 'bonjour' } },
    });
    expect(started.statusCode).toBe(202);
    const { run } = started.json<{ run: string }>();
    await expect
      .poll(
        async () =>
          (await app.inject({ url: `/api/v1/runs/${run}`, headers: as('analyst') })).statusCode,
        { timeout: 10_000 },
      )
      .toBe(200);
    expect((await runtime.finished(run)).status).toBe('completed');
    const missing = await app.inject({
      method: 'POST',
      url: '/api/v1/playbooks/nope/runs',
      headers: as('analyst'),
      payload: {},
    });
    expect(missing.statusCode).toBe(404);
  });

  it('serves health, Prometheus metrics and the OpenAPI document without a token', async () => {
    expect((await app.inject({ url: '/healthz' })).json()).toEqual({ status: 'ok' });
    const scraped = await app.inject({ url: '/metrics' });
    expect(scraped.statusCode).toBe(200);
    expect(scraped.body).toMatch(/soar_queue_jobs\{queue="events",state="waiting"\} \d+/);
    expect(scraped.body).toMatch(/soar_runs\{status="completed"\} [1-9]/);
    expect(scraped.body).toContain('soar_approvals_pending');
    expect(scraped.body).toContain('# TYPE soar_step_duration_seconds histogram');
    // Workers add their counts every 100 ms here: the steps run so far show up.
    await expect
      .poll(async () => {
        const body = (await app.inject({ url: '/metrics' })).body;
        const count = /soar_step_duration_seconds_count\{queue="steps.core"\} (\d+)/.exec(body);
        const completed = /soar_steps_total\{queue="steps.core",outcome="completed"\} (\d+)/.exec(
          body,
        );
        return (
          !!count &&
          !!completed &&
          Number(completed[1]) > 0 &&
          Number(count[1]) >= Number(completed[1])
        );
      })
      .toBe(true);
    const openapi = (await app.inject({ url: '/api/v1/openapi.json' })).json<{
      openapi: string;
      paths: Record<string, unknown>;
    }>();
    expect(openapi.openapi).toMatch(/^3\./);
    expect(Object.keys(openapi.paths)).toEqual(
      expect.arrayContaining([
        '/api/v1/alerts',
        '/api/v1/incidents/{id}/journal',
        '/api/v1/approvals/{id}',
        '/api/v1/playbooks/{id}/runs',
      ]),
    );
  });
  it('fails an ingest job, rather than dropping it, on a worker with no playbook for its type', async () => {
    await expect(
      runtime.engine.handleIngest({
        key: 'siem:orphan',
        source: 'api:siem',
        alert: { type: 'weather', name: 'Storm', severity: 'low', fields: {} },
      }),
    ).rejects.toThrow("no playbook for incident type 'weather' in this worker's playbooks");
  });
});
