import { describe, expect, it } from 'vitest';
import { generateStix21Indicators } from '../../../integrations/taxii/fixtures/stix21.js';
import {
  TAXII21_MEDIA_TYPE,
  type StixObject,
  type TaxiiPage,
} from '../../../integrations/taxii/taxii21/client.js';
import { SIM_INDICATORS_COLLECTION } from '../../../integrations/taxii/taxii21/simulator.js';
import {
  BASIC_TOKEN,
  clientFor,
  expectTaxiiError,
  secondsAfterNewYear,
  simulator,
} from './taxii21-harness.js';

const FEED = 'feed0000-0000-4000-8000-000000000001';
const NEW_YEAR = '2026-01-01T00:00:00.000Z';

async function feed(options: Parameters<typeof simulator>[0] = {}) {
  return simulator({
    apiRoots: [{ name: 'api1', collections: [{ id: FEED, title: 'Feed' }] }],
    ...options,
  });
}

function ids(objects: readonly StixObject[]): string[] {
  return objects.map((object) => object.id);
}

describe('the poll watermark', () => {
  it('is the last X-TAXII-Date-Added-Last verbatim, and the next poll gets only new objects', async () => {
    let clock = Date.UTC(2026, 2, 1, 12);
    const sim = await simulator({ now: () => clock });
    const { taxii } = clientFor(sim);
    const lastHeaders: (string | undefined)[] = [];

    const first = await taxii.pollObjects({
      root: 'api1',
      collection: SIM_INDICATORS_COLLECTION,
      onPage: (page) => void lastHeaders.push(page.dateAddedLast),
    });

    expect(first.watermark).toBe('2026-03-01T12:00:00.000000Z');
    expect(first.watermark).toBe(lastHeaders.at(-1));
    expect(first.objects).toBe(sim.state.collection(SIM_INDICATORS_COLLECTION)!.objects.length);

    clock += 1500;
    const fresh = generateStix21Indicators(3, 99);
    sim.addObjects(SIM_INDICATORS_COLLECTION, fresh);
    const delivered: StixObject[] = [];
    const second = await taxii.pollObjects({
      root: 'api1',
      collection: SIM_INDICATORS_COLLECTION,
      addedAfter: first.watermark!,
      onPage: (page) => void delivered.push(...page.objects),
    });

    expect(sim.requests.at(-1)!.query.added_after).toBe('2026-03-01T12:00:00.000000Z');
    expect(ids(delivered)).toEqual(ids(fresh));
    expect(second.watermark).toBe('2026-03-01T12:00:01.500000Z');

    const third = await taxii.pollObjects({
      root: 'api1',
      collection: SIM_INDICATORS_COLLECTION,
      addedAfter: second.watermark!,
    });
    expect(third).toMatchObject({ objects: 0, watermark: second.watermark });
  });

  it('advances by parsed instants, whatever digits and zone the server writes', async () => {
    const sim = await feed();
    // As text each of these sorts before the one above it; as instants each is later.
    const stamps = [
      '2026-01-01T09:00:00+09:00',
      '2026-01-01T00:00:01Z',
      '2026-01-01T00:00:01.500Z',
    ];
    sim.addObjects(FEED, generateStix21Indicators(3, 5), (index) => stamps[index]!);
    const { taxii } = clientFor(sim);

    const result = await taxii.pollObjects({ root: 'api1', collection: FEED, limit: 1 });

    expect(result).toMatchObject({ pages: 3, objects: 3, watermark: '2026-01-01T00:00:01.500Z' });
  });
});

describe('added_after with fractional seconds', () => {
  it('sends fractional seconds to a server that insists on them', async () => {
    const sim = await feed({ requireFractionalSeconds: true });
    sim.addObjects(FEED, generateStix21Indicators(5, 3), secondsAfterNewYear);
    const { taxii } = clientFor(sim);

    const result = await taxii.pollObjects({
      root: 'api1',
      collection: FEED,
      addedAfter: '2026-01-01T00:00:02Z',
    });

    expect(sim.requests[0]!.query.added_after).toBe('2026-01-01T00:00:02.000Z');
    expect(result.objects).toBe(3);
  });

  it('the strict server really refuses whole seconds', async () => {
    const sim = await feed({ requireFractionalSeconds: true });
    const { http } = clientFor(sim);

    const response = await http.request({
      path: `api1/collections/${FEED}/objects/`,
      query: { added_after: '2026-01-01T00:00:02Z' },
      headers: { accept: TAXII21_MEDIA_TYPE, authorization: `Basic ${BASIC_TOKEN}` },
      accept: [400],
    });

    expect(response.status).toBe(400);
    expect(response.text).toContain('must have fractional seconds');
  });
});

describe('an expired next token', () => {
  it('restarts once from the watermark before the last page, and loses nothing', async () => {
    let clock = Date.UTC(2026, 2, 1);
    const sim = await feed({ now: () => clock, nextTtlMs: 30_000 });
    const objects = generateStix21Indicators(250, 11);
    sim.addObjects(FEED, objects, secondsAfterNewYear);
    const { taxii } = clientFor(sim);
    const pages: TaxiiPage[] = [];

    const result = await taxii.pollObjects({
      root: 'api1',
      collection: FEED,
      addedAfter: NEW_YEAR,
      limit: 100,
      onPage: (page) => {
        pages.push(page);
        // A slow consumer: the token outlives the server's 30 s after the second page.
        if (page.number === 2) clock += 31_000;
      },
    });

    expect(sim.requests.map((request) => request.status)).toEqual([200, 200, 400, 200, 200]);
    const restart = sim.requests[3]!;
    expect(restart.query).toEqual({ added_after: secondsAfterNewYear(99), limit: '100' });
    expect(pages.map((page) => [page.objects.length, page.afterRestart])).toEqual([
      [100, false],
      [100, false],
      [100, true],
      [50, true],
    ]);
    const delivered = ids(pages.flatMap((page) => page.objects));
    expect(new Set(delivered)).toEqual(new Set(ids(objects)));
    // Only the second page came twice.
    expect(delivered.length - new Set(delivered).size).toBe(100);
    expect(result).toMatchObject({
      restarted: true,
      requests: 5,
      pages: 4,
      objects: 350,
      watermark: secondsAfterNewYear(249),
    });
  });

  it('does not skip the rest of a batch that shares the watermark instant', async () => {
    const sim = await feed();
    const early = generateStix21Indicators(50, 21);
    const batch = generateStix21Indicators(200, 22);
    sim.addObjects(FEED, early, secondsAfterNewYear);
    sim.addObjects(FEED, batch, '2026-01-02T00:00:00.000000Z');
    const { taxii } = clientFor(sim);
    const delivered: StixObject[] = [];

    const result = await taxii.pollObjects({
      root: 'api1',
      collection: FEED,
      addedAfter: NEW_YEAR,
      limit: 100,
      onPage: (page) => {
        delivered.push(...page.objects);
        if (page.number === 2) sim.expireNextTokens();
      },
    });

    // Both pages ended at the batch's instant: restarting after it would skip 50 objects.
    expect(sim.requests[3]!.query.added_after).toBe(NEW_YEAR);
    expect(new Set(ids(delivered))).toEqual(new Set([...ids(early), ...ids(batch)]));
    expect(result.watermark).toBe('2026-01-02T00:00:00.000000Z');
  });

  it('fails with TAXII_NEXT_EXPIRED, retryable, when the restarted poll loses its token too', async () => {
    const sim = await feed();
    sim.addObjects(FEED, generateStix21Indicators(30, 4), secondsAfterNewYear);
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(
      taxii.pollObjects({
        root: 'api1',
        collection: FEED,
        limit: 10,
        onPage: () => sim.expireNextTokens(),
      }),
    );

    expect(error.code).toBe('TAXII_NEXT_EXPIRED');
    expect(error.retryable).toBe(true);
    expect(error.message).toContain(`/api1/collections/${FEED}/objects/`);
    expect(error.message).toContain("'next' not valid");
    expect(sim.requests.map((request) => request.status)).toEqual([200, 400, 200, 400]);
  });
});
