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

const FEED = 'feed0000-0000-4000-8000-000000000250';

async function feedOf(count: number, options: Parameters<typeof simulator>[0] = {}) {
  const objects = generateStix21Indicators(count, 7);
  const sim = await simulator({
    apiRoots: [{ name: 'api1', collections: [{ id: FEED, title: 'Generated' }] }],
    ...options,
  });
  sim.addObjects(FEED, objects, secondsAfterNewYear);
  return { sim, objects };
}

function ids(objects: readonly StixObject[]): string[] {
  return objects.map((object) => object.id);
}

describe('polling a collection', () => {
  it('pages through 250 objects 100 at a time, every object once, same filters each page', async () => {
    const { sim, objects } = await feedOf(250);
    const { taxii } = clientFor(sim);
    const pages: TaxiiPage[] = [];

    const result = await taxii.pollObjects({
      root: 'api1',
      collection: FEED,
      addedAfter: '2026-01-01T00:00:00Z',
      limit: 100,
      types: ['indicator'],
      onPage: (page) => void pages.push(page),
    });

    const delivered = pages.flatMap((page) => page.objects);
    expect(pages.map((page) => page.objects.length)).toEqual([100, 100, 50]);
    expect(ids(delivered)).toEqual(ids(objects));
    expect(new Set(ids(delivered)).size).toBe(250);
    expect(result).toMatchObject({ objects: 250, pages: 3, requests: 3, restarted: false });

    const filters = {
      added_after: '2026-01-01T00:00:00.000Z',
      limit: '100',
      'match[type]': 'indicator',
    };
    const token = sim.requests[1]!.query.next;
    expect(token).toBeTruthy();
    expect(sim.requests.map((request) => request.query)).toEqual([
      filters,
      { ...filters, next: token },
      { ...filters, next: token },
    ]);
    expect(sim.requests[0]!.search).toBe(
      '?added_after=2026-01-01T00%3A00%3A00.000Z&limit=100&match%5Btype%5D=indicator',
    );
    for (const request of sim.requests) {
      expect(request.path).toBe(`/api1/collections/${FEED}/objects/`);
      expect(request.headers.accept).toBe('application/taxii+json;version=2.1');
    }
  });

  it('takes the page size the server allows when asked for more', async () => {
    const { sim } = await feedOf(250, { maxPageSize: 100 });
    const { taxii } = clientFor(sim);
    const sizes: number[] = [];

    await taxii.pollObjects({
      root: 'api1',
      collection: FEED,
      limit: 1000,
      onPage: (page) => void sizes.push(page.objects.length),
    });

    expect(sizes).toEqual([100, 100, 50]);
    expect(sim.requests.every((request) => request.query.limit === '1000')).toBe(true);
  });

  it('reads an empty page `{}` as no objects and keeps the watermark', async () => {
    const { sim } = await feedOf(3);
    const { taxii, http } = clientFor(sim);
    const since = '2026-06-01T00:00:00.000000Z';
    const pages: TaxiiPage[] = [];

    const result = await taxii.pollObjects({
      root: 'api1',
      collection: FEED,
      addedAfter: since,
      onPage: (page) => void pages.push(page),
    });

    const onTheWire = await http.request({
      path: `api1/collections/${FEED}/objects/`,
      query: { added_after: since },
      headers: { accept: TAXII21_MEDIA_TYPE, authorization: `Basic ${BASIC_TOKEN}` },
      expect: 'text',
    });
    expect(onTheWire.text).toBe('{}');
    expect(sim.requests[0]!.query.added_after).toBe(since);
    expect(pages).toHaveLength(1);
    expect(pages[0]).toMatchObject({ objects: [], more: false });
    expect(pages[0]!.dateAddedLast).toBeUndefined();
    expect(result).toMatchObject({ watermark: since, objects: 0, pages: 1 });
  });

  it('accepts a full empty envelope as well', async () => {
    const { sim } = await feedOf(3, { emptyPage: 'envelope' });
    const { taxii } = clientFor(sim);

    const result = await taxii.pollObjects({
      root: 'api1',
      collection: FEED,
      addedAfter: new Date('2026-06-01T00:00:00Z'),
    });

    expect(result).toMatchObject({ watermark: '2026-06-01T00:00:00.000Z', objects: 0 });
  });

  it('filters by type with match[type]', async () => {
    const sim = await simulator();
    const { taxii } = clientFor(sim);
    const delivered: StixObject[] = [];

    await taxii.pollObjects({
      root: 'api1',
      collection: SIM_INDICATORS_COLLECTION,
      types: ['malware', 'relationship'],
      onPage: (page) => void delivered.push(...page.objects),
    });

    expect(sim.requests[0]!.query['match[type]']).toBe('malware,relationship');
    expect(new Set(delivered.map((object) => object.type))).toEqual(
      new Set(['malware', 'relationship']),
    );
    expect(delivered).toHaveLength(4);
  });

  it('offers the pages as an async iteration whose return value is the result', async () => {
    const { sim } = await feedOf(25);
    const { taxii } = clientFor(sim);
    const pages = taxii.pages({ root: 'api1', collection: FEED, limit: 10 });
    const sizes: number[] = [];

    let step = await pages.next();
    while (step.done !== true) {
      sizes.push(step.value.objects.length);
      step = await pages.next();
    }

    expect(sizes).toEqual([10, 10, 5]);
    expect(step.value).toMatchObject({ objects: 25, pages: 3, watermark: secondsAfterNewYear(24) });
  });

  it('stops with TAXII_ABORTED, retryable, when the step is cancelled between pages', async () => {
    const { sim } = await feedOf(30);
    const { taxii } = clientFor(sim);
    const cancel = new AbortController();

    const error = await expectTaxiiError(
      taxii.pollObjects({
        root: 'api1',
        collection: FEED,
        limit: 10,
        signal: cancel.signal,
        onPage: () => cancel.abort(),
      }),
    );

    expect([error.code, error.retryable]).toEqual(['TAXII_ABORTED', true]);
    expect(sim.requests).toHaveLength(1);
  });

  it('gives up on a server that says "more" forever', async () => {
    const { sim } = await feedOf(1);
    sim.inject({
      path: `/api1/collections/${FEED}/objects/`,
      times: 10,
      status: 200,
      body: '{"more": true, "next": "again", "objects": []}',
    });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(
      taxii.pollObjects({ root: 'api1', collection: FEED, maxPages: 3 }),
    );

    expect(error.code).toBe('TAXII_BAD_RESPONSE');
    expect(error.message).toContain('still says "more" after 3 pages');
    expect(sim.requests).toHaveLength(3);
  });
});
