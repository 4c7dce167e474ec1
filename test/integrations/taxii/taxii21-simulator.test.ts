import { describe, expect, it } from 'vitest';
import { generateStix21Indicators } from '../../../integrations/taxii/fixtures/stix21.js';
import { TAXII21_MEDIA_TYPE } from '../../../integrations/taxii/taxii21/client.js';
import {
  SIM_INDICATORS_COLLECTION,
  type Taxii21Simulator,
} from '../../../integrations/taxii/taxii21/simulator.js';
import { BASIC_TOKEN, clientFor, secondsAfterNewYear, simulator } from './taxii21-harness.js';

const FEED = 'feed0000-0000-4000-8000-000000000042';
const FEED_OBJECTS = `api1/collections/${FEED}/objects/`;

interface Envelope {
  more?: boolean;
  next?: string;
  objects?: { id: string }[];
  description?: string;
}

/** A request as any client could send it, every status returned. */
async function get(
  sim: Taxii21Simulator,
  path: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {},
) {
  const { http } = clientFor(sim);
  return http.request<Envelope>({
    path,
    query,
    headers: { accept: TAXII21_MEDIA_TYPE, authorization: `Basic ${BASIC_TOKEN}`, ...headers },
    expect: 'any',
    accept: [400, 401, 403, 404, 405, 406, 429, 500, 503],
  });
}

async function feed(count: number, options: Parameters<typeof simulator>[0] = {}) {
  const sim = await simulator({
    apiRoots: [{ name: 'api1', collections: [{ id: FEED, title: 'Feed' }] }],
    ...options,
  });
  const objects = generateStix21Indicators(count, 1);
  sim.addObjects(FEED, objects, secondsAfterNewYear);
  return { sim, objects };
}

describe('the simulator pages like medallion', () => {
  it('forgets a next token unused for longer than its TTL', async () => {
    let clock = 0;
    const { sim } = await feed(30, { now: () => clock, nextTtlMs: 30_000 });

    const first = await get(sim, FEED_OBJECTS, { limit: '10' });
    clock += 29_000;
    const second = await get(sim, FEED_OBJECTS, { limit: '10', next: first.body.next! });
    clock += 30_001;
    const third = await get(sim, FEED_OBJECTS, { limit: '10', next: first.body.next! });

    expect(first.headers['x-taxii-date-added-first']).toBe(secondsAfterNewYear(0));
    expect(first.headers['x-taxii-date-added-last']).toBe(secondsAfterNewYear(9));
    expect(second.status).toBe(200);
    expect(second.body.next).toBe(first.body.next);
    expect(third.status).toBe(400);
    expect(third.body.description).toBe(
      "The server did not understand the request or filter parameters: 'next' not valid",
    );
  });

  it('refuses a next token sent with other filters', async () => {
    const { sim } = await feed(30);
    const first = await get(sim, FEED_OBJECTS, { limit: '10', 'match[type]': 'indicator' });

    const changed = await get(sim, FEED_OBJECTS, { limit: '10', next: first.body.next! });

    expect(changed.status).toBe(400);
    expect(changed.body.description).toContain('params changed over subsequent transaction');
  });

  it('caps the page size, refuses a bad limit, and filters by match[id]', async () => {
    const { sim, objects } = await feed(150, { maxPageSize: 100 });
    const wanted = [objects[3]!.id, objects[120]!.id];

    const capped = await get(sim, FEED_OBJECTS, { limit: '500' });
    const bad = await get(sim, FEED_OBJECTS, { limit: '0' });
    const byId = await get(sim, FEED_OBJECTS, { 'match[id]': wanted.join(',') });

    expect(capped.body.objects).toHaveLength(100);
    expect(capped.body.more).toBe(true);
    expect(bad.status).toBe(400);
    expect(byId.body.objects?.map((object) => object.id)).toEqual(wanted);
    expect(byId.body.more).toBe(false);
  });
});

describe('the simulator checks requests', () => {
  it('lenient Accept takes what medallion takes; exact takes only the full media type', async () => {
    const lenient = await simulator({ acceptCheck: 'lenient' });
    const exact = await simulator({ acceptCheck: 'exact' });
    const cases = [
      ['application/taxii+json', 200, 406],
      ['application/json, application/taxii+json; version=2.1', 200, 406],
      ['application/taxii+json;version=2.0', 406, 406],
      [TAXII21_MEDIA_TYPE, 200, 200],
    ] as const;

    for (const [accept, lenientStatus, exactStatus] of cases) {
      expect((await get(lenient, 'taxii2/', {}, { accept })).status, accept).toBe(lenientStatus);
      expect((await get(exact, 'taxii2/', {}, { accept })).status, accept).toBe(exactStatus);
    }
  });

  it('answers 404 for unknown resources and 405 for other methods', async () => {
    const sim = await simulator();
    const { http } = clientFor(sim);

    const unknownRoot = await get(sim, 'nope/collections/');
    const noSlash = await get(sim, 'api1/collections');
    const post = await http.request({
      method: 'POST',
      path: `api1/collections/${SIM_INDICATORS_COLLECTION}/objects/`,
      headers: { accept: TAXII21_MEDIA_TYPE, authorization: `Basic ${BASIC_TOKEN}` },
      json: { objects: [] },
      accept: [405],
    });

    expect([unknownRoot.status, noSlash.status, post.status]).toEqual([404, 404, 405]);
  });

  it('logs requests without the Authorization header', async () => {
    const sim = await simulator();
    const path = `/api1/collections/${SIM_INDICATORS_COLLECTION}/objects/`;

    await get(sim, path, { added_after: '2026-01-01T00:00:00.000Z' });

    expect(sim.requests).toEqual([
      expect.objectContaining({
        method: 'GET',
        path,
        query: { added_after: '2026-01-01T00:00:00.000Z' },
        search: '?added_after=2026-01-01T00%3A00%3A00.000Z',
        user: 'feed-reader',
        status: 200,
      }),
    ]);
    expect(sim.requests[0]!.headers).not.toHaveProperty('authorization');
    expect(sim.requests[0]!.headers.accept).toBe(TAXII21_MEDIA_TYPE);
  });

  it('applies a fault to as many matching requests as asked, then answers normally', async () => {
    const sim = await simulator();
    sim.inject({ path: '/taxii2/', times: 2, status: 503, body: 'busy' });

    const statuses: number[] = [];
    for (let i = 0; i < 3; i++) statuses.push((await get(sim, 'taxii2/')).status);

    expect(statuses).toEqual([503, 503, 200]);
  });
});

describe('the simulator state', () => {
  it('stamps one date_added per added batch, strictly later batch after batch', async () => {
    const clock = Date.UTC(2026, 4, 1);
    const sim = await simulator({ now: () => clock });
    const before = sim.state.collection(SIM_INDICATORS_COLLECTION)!.objects.length;

    const first = sim.addObjects(SIM_INDICATORS_COLLECTION, generateStix21Indicators(3, 1));
    const second = sim.addObjects(SIM_INDICATORS_COLLECTION, generateStix21Indicators(2, 2));

    expect(new Set(first.map((stored) => stored.date_added))).toEqual(
      new Set(['2026-05-01T00:00:00.000001Z']),
    );
    expect(second[0]!.date_added).toBe('2026-05-01T00:00:00.000002Z');
    const collection = sim.state.collection(SIM_INDICATORS_COLLECTION)!;
    expect(collection.objects).toHaveLength(before + 5);
    expect(collection.objects.at(-1)!.object.id).toBe(second[1]!.object.id);
  });
});
