import { afterEach, describe, expect, it } from 'vitest';
import { ofKind, secdoHarness, type SecdoHarness } from './harness.js';

const EVENT = {
  timestamp: 1497457869000,
  vendor: 'Check Point',
  product: 'FireWall-1 GX',
  source_ip: '10.212.134.102',
  source_port: 2375,
  destination_ip: '54.230.46.82',
  destination_port: 443,
  severity: 'LOW',
  event_id: '11111212',
};

let h: SecdoHarness | undefined;
afterEach(() => h?.close());

describe('secdo enrichment failures', () => {
  it('a wrong API key is refused at once, not retried, and the key stays out of the journal', async () => {
    h = await secdoHarness({ apikey: 'wrong-key-0123456789abcdef' });
    const run = await h.step('secdo.enrich_network_event', EVENT, { retry: 3 });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toMatch(
      /HTTP 403 Forbidden: \{"detail":"Invalid API key or company\."\}/,
    );
    expect(ofKind(run.entries, 'step.failed')[0]!.data).toMatchObject({
      error: { code: 'AUTH_REFUSED', retryable: false },
    });
    expect(h.sim.enrichments).toHaveLength(1);
    expect(run.stored).not.toContain('wrong-key-0123456789abcdef');
  });

  it('a wrong company is refused the same way', async () => {
    h = await secdoHarness({ company: 'Acme Corp' });
    const run = await h.step('secdo.enrich_network_event', EVENT);
    expect(run.summary.error).toMatch(/HTTP 403/);
    expect((h.sim.enrichments[0]!.body as { company: string }).company).toBe('Acme Corp');
  });

  it('a 200 whose body is not true fails with the status and an excerpt, journaled', async () => {
    h = await secdoHarness();
    h.sim.inject({ kind: 'body', json: { status: 'error', message: 'company disabled' } });
    const run = await h.step('secdo.enrich_network_event', EVENT, { retry: 3 });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toContain(
      'SECDO did not accept the enrichment: HTTP 200 with body {"status":"error","message":"company disabled"} (expected 200 true)',
    );
    expect(ofKind(run.entries, 'step.failed')[0]!.data).toMatchObject({
      error: { code: 'SECDO_REJECTED', retryable: false },
    });
    expect(ofKind(run.entries, 'note')[0]!.data).toEqual({
      status: 200,
      body_excerpt: '{"status":"error","message":"company disabled"}',
    });
    expect(ofKind(run.entries, 'evidence')).toEqual([]);
  });

  it('`false` is not acceptance either, and a long body is cut', async () => {
    h = await secdoHarness();
    h.sim.inject({ kind: 'body', json: false });
    const first = await h.step('secdo.enrich_network_event', EVENT);
    expect(first.summary.error).toMatch(/HTTP 200 with body false/);
    h.sim.inject({ kind: 'body', json: { detail: 'x'.repeat(5000) } });
    const second = await h.step('secdo.enrich_network_event', EVENT);
    const note = ofKind(second.entries, 'note')[0]!.data as { body_excerpt: string };
    expect(note.body_excerpt.length).toBeLessThanOrEqual(200);
  });

  it('a 503 and a 429 with Retry-After are retried, and the retry is accepted', async () => {
    h = await secdoHarness();
    h.sim.inject({ kind: 'status', status: 503, body: 'Service Unavailable' });
    h.sim.inject({ kind: 'rate-limit', retryAfterSeconds: 0 });
    const run = await h.step('secdo.enrich_network_event', EVENT, { retry: 3 });
    expect(run.summary.status).toBe('completed');
    expect(h.sim.enrichments.map((e) => e.status)).toEqual([503, 429, 200]);
    expect(ofKind(run.entries, 'step.retried')).toHaveLength(2);
    expect(h.sim.accepted()).toHaveLength(1);
  });

  it('an HTML page instead of JSON fails at once, naming the page', async () => {
    h = await secdoHarness();
    h.sim.inject({ kind: 'html' });
    const run = await h.step('secdo.enrich_network_event', EVENT, { retry: 3 });
    expect(run.summary.error).toMatch(/HTML page titled "SECDO - Login".*login page/);
    expect(h.sim.enrichments).toHaveLength(1);
  });

  it('a truncated body, a dropped connection and a timeout are transient', async () => {
    h = await secdoHarness({ timeout: '200ms' });
    h.sim.inject({ kind: 'truncated' });
    h.sim.inject({ kind: 'reset' });
    h.sim.inject({ kind: 'delay', ms: 1000 });
    const run = await h.step('secdo.enrich_network_event', EVENT, { retry: 3 });
    expect(run.summary.status).toBe('completed');
    const codes = ofKind(run.entries, 'request').map(
      (e) => (e.data as { http: { code?: string } }).http.code,
    );
    expect(codes).toEqual(['BAD_JSON', 'NETWORK', 'TIMEOUT', undefined]);
  });
});
