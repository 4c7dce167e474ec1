import { describe, expect, it } from 'vitest';
import { fetchMalops } from '../../../integrations/cybereason/commands/fetch-malops.js';
import { getMalop } from '../../../integrations/cybereason/commands/get-malop.js';
import type { Malop } from '../../../integrations/cybereason/malops.js';
import { contextFor, failure, run, simulator } from './helpers.js';

interface Fetched {
  malops: Malop[];
  total: number;
  api: string;
}

const NOW = Date.UTC(2024, 5, 1, 12);
const DAY = 24 * 60 * 60 * 1000;
const everything = { from: 0, to: NOW + DAY };

function pageRequests(sim: { requests: { path: string; body: string }[] }) {
  return sim.requests
    .filter((r) => r.path === '/rest/mmng/v2/malops')
    .map((r) => JSON.parse(r.body) as { pagination: { offset: number; pageSize: number } });
}

describe('cybereason.fetch_malops', () => {
  it('normalises malops: numbers, booleans and nulls sent as strings become real ones', async () => {
    const sim = await simulator({ now: () => NOW });
    const { ctx } = contextFor(sim);
    const out = await run<Fetched>(fetchMalops, ctx, everything);
    expect(out.api).toBe('management');
    expect(out.total).toBe(5);
    const malop = out.malops.find((m) => m.guid === 'AAAA0w7GERjl3oae')!;
    expect(malop).toEqual({
      guid: 'AAAA0w7GERjl3oae',
      name: 'aasiapp.pdf.exe',
      status: 'Active',
      severity: 'high',
      priority: 'medium',
      created: NOW - 5 * 3600_000,
      updated: NOW - 1.5 * 3600_000,
      machines: [
        {
          guid: '-1845090846.1198775089551518743',
          name: 'ws-fin-023',
          os_type: 'WINDOWS',
          connected: true,
          isolated: false,
          last_connected: NOW - 0.2 * 3600_000,
          pylum_id: 'PYLUMCLIENT_INTEGRATION_WS-FIN-023_0050569F1A2B',
        },
      ],
      users: [{ guid: 'AAAAGBCBcimP-R8p', name: 'corp\\h.sato', admin: false, domain_user: true }],
      link: `${sim.url}/#/malop/AAAA0w7GERjl3oae`,
      edr: true,
      detection_types: ['Malicious by Obscured Extension'],
      root_cause_type: 'File',
    });
    // The quirky rendering really was exercised: some malops came with string times and "None".
    const raw = sim.requests.find((r) => r.path === '/rest/mmng/v2/malops');
    expect(raw).toBeDefined();
    for (const m of out.malops) {
      expect(typeof m.created).toBe('number');
      expect(typeof m.edr).toBe('boolean');
      expect(m.priority).not.toBe('none');
    }
    const epp = out.malops.find((m) => m.guid === '11.-6236127207710541535')!;
    expect(epp).toMatchObject({ edr: false, priority: null, users: [] });
    expect(epp.link).toBe(`${sim.url}/#/detection-malop/11.-6236127207710541535`);
    expect(epp.machines[0]).toMatchObject({ connected: false, last_connected: null });
  });

  it('pages by offset until totalHits, most recently updated first', async () => {
    const sim = await simulator({ malops: [], generate: 237, now: () => NOW });
    const { ctx } = contextFor(sim);
    const out = await run<Fetched>(fetchMalops, ctx, { ...everything, page_size: 50 });
    expect(out.total).toBe(237);
    expect(out.malops).toHaveLength(237);
    expect(new Set(out.malops.map((m) => m.guid)).size).toBe(237);
    expect(pageRequests(sim).map((b) => b.pagination.offset)).toEqual([0, 50, 100, 150, 200]);
    const updated = out.malops.map((m) => m.updated!);
    expect(updated).toEqual([...updated].sort((a, b) => b - a));
  });

  it('sends the time range and the status filter, and stops at the limit', async () => {
    const sim = await simulator({ malops: [], generate: 300, now: () => NOW });
    const { ctx } = contextFor(sim);
    const from = NOW - 10 * DAY;
    const out = await run<Fetched>(fetchMalops, ctx, {
      from,
      to: NOW,
      status: ['Active'],
      page_size: 20,
      limit: 30,
    });
    expect(out.malops).toHaveLength(30);
    expect(out.total).toBeGreaterThan(30);
    expect(out.malops.every((m) => m.status === 'Active' && m.updated! >= from)).toBe(true);
    const bodies = sim.requests
      .filter((r) => r.path === '/rest/mmng/v2/malops')
      .map((r) => JSON.parse(r.body) as Record<string, unknown>);
    expect(bodies).toHaveLength(2);
    expect(bodies[0]).toMatchObject({
      range: { from, to: NOW },
      filter: { malop: { status: ['Active'] } },
      sort: [{ field: 'LastUpdateTime', order: 'desc' }],
    });
  });

  it('defaults to the last 24 hours', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    const out = await run<Fetched>(fetchMalops, ctx, {});
    // The fixtures updated 30 hours ago (mimikatz) is outside the window.
    expect(out.malops.map((m) => m.name).sort()).toEqual([
      'aasiapp.pdf.exe',
      'invoice_0823.docm',
      'powershell.exe',
      'svchost.exe',
    ]);
  });

  it('falls back to the detection inbox when the management API answers 404', async () => {
    const sim = await simulator({ managementApi: false, now: () => NOW });
    const { ctx, journal } = contextFor(sim);
    const out = await run<Fetched>(fetchMalops, ctx, { ...everything, status: ['active'] });
    expect(out.api).toBe('inbox');
    expect(out.malops.map((m) => m.guid)).toEqual([
      'AAAA0w7GERjl3oae',
      'AAAA0ws7O-MUgDmB',
      '11.-6236127207710541535',
    ]);
    expect(out.total).toBe(3);
    // The inbox sends priority null, malopPriority "" and string times: all normalised.
    expect(out.malops[0]).toMatchObject({
      severity: 'high',
      priority: null,
      created: NOW - 5 * 3600_000,
    });
    expect(journal.notes.join()).toMatch(/no malop management API/);
    expect(sim.requests.find((r) => r.path === '/rest/detection/inbox')!.body).toBe(
      JSON.stringify({ startTime: 0, endTime: NOW + DAY }),
    );
  });

  it('lets a 5xx on a page fail as transient, so the step retries', async () => {
    const sim = await simulator({ malops: [], generate: 120, now: () => NOW });
    const { ctx } = contextFor(sim);
    sim.inject({ path: '/rest/mmng/v2/malops', status: 503, body: '{"status":"FAILURE"}' });
    const error = await failure(run(fetchMalops, ctx, everything));
    expect(error).toMatchObject({ code: 'HTTP_5XX', retryable: true });
  });

  it('refuses a window that ends before it starts, and bad input computed at run time', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    expect(await failure(run(fetchMalops, ctx, { from: 10, to: 5 }))).toMatchObject({
      code: 'BAD_INPUT',
      retryable: false,
    });
    const error = await failure(run(fetchMalops, ctx, { page_size: '50' }));
    expect(error).toMatchObject({ code: 'BAD_INPUT' });
    expect(error.message).toMatch(/page_size/);
    expect(sim.requests).toHaveLength(0);
  });

  it('fetches 10,000 generated malops', async () => {
    const sim = await simulator({ malops: [], generate: 10_000, now: () => NOW });
    const { ctx } = contextFor(sim);
    const out = await run<Fetched>(fetchMalops, ctx, { ...everything, page_size: 500 });
    expect(out.total).toBe(10_000);
    expect(new Set(out.malops.map((m) => m.guid)).size).toBe(10_000);
    expect(pageRequests(sim)).toHaveLength(20);
  });
});

describe('cybereason.get_malop', () => {
  it('finds one malop by guid', async () => {
    const sim = await simulator();
    const { ctx, journal } = contextFor(sim);
    const malop = await run<Malop>(getMalop, ctx, { malop_guid: 'AAAA0ws7O-MUgDmB' });
    expect(malop).toMatchObject({ name: 'powershell.exe', severity: 'high', priority: 'high' });
    expect(malop.machines.map((m) => m.name)).toEqual(['ms-dc01', 'ws-fin-023']);
    expect(JSON.parse(sim.requests.at(-1)!.body)).toMatchObject({
      search: { malop: { guid: 'AAAA0ws7O-MUgDmB' } },
    });
    expect(journal.evidence[0]!.artifacts).toEqual([
      { type: 'link', value: malop.link, label: 'Cybereason malop AAAA0ws7O-MUgDmB' },
    ]);
  });

  it('falls back to the inbox, and says NOT_FOUND for an unknown guid', async () => {
    const sim = await simulator({ managementApi: false });
    const { ctx } = contextFor(sim);
    expect(await run<Malop>(getMalop, ctx, { malop_guid: 'AAAA0x1mKz9Qc7Tn' })).toMatchObject({
      name: 'mimikatz.exe',
      status: 'Closed',
    });
    expect(await failure(run(getMalop, ctx, { malop_guid: 'AAAAnotthere0000' }))).toMatchObject({
      code: 'NOT_FOUND',
      retryable: false,
    });
  });

  it('refuses a guid that is not one before sending anything', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    for (const guid of ['../login.html', 'a b', '__proto__', '']) {
      expect(await failure(run(getMalop, ctx, { malop_guid: guid }))).toMatchObject({
        code: 'BAD_INPUT',
      });
    }
    expect(sim.requests).toHaveLength(0);
  });
});

describe('cybereason.fetch_malops against a server that repeats itself', () => {
  it('stops paging when a page brings nothing new', async () => {
    const sim = await simulator({ now: () => NOW });
    const { ctx, journal } = contextFor(sim);
    const page = JSON.stringify({
      status: 'SUCCESS',
      data: {
        totalHits: '1000000',
        data: [{ guid: 'AAAA0w7GERjl3oae', displayName: 'x', isEdr: 'True' }],
      },
    });
    sim.inject({ path: '/rest/mmng/v2/malops', status: 200, body: page, times: 100 });
    const out = await run<Fetched>(fetchMalops, ctx, { ...everything, page_size: 1 });
    expect(out).toMatchObject({ total: 1_000_000, malops: [{ guid: 'AAAA0w7GERjl3oae' }] });
    expect(pageRequests(sim)).toHaveLength(2);
    expect(journal.notes.join()).toMatch(/changed on the server while they were being paged/);
  });
});
