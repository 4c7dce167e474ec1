/*
 * One behaviour, two backends: everything here must hold for the embedded store and for Redis.
 */
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { LocalIndicatorStore } from '../../src/intel/local-store.js';
import type { ExtractedIndicator, IndicatorType, SourceFacts } from '../../src/intel/model.js';
import { RedisIndicatorStore } from '../../src/intel/redis-store.js';
import type { IndicatorStore } from '../../src/intel/store.js';
import { deleteKeys, startTestRedis, testRedisClient, type TestRedis } from '../helpers/redis.js';

interface Backend {
  name: string;
  setup(): Promise<void>;
  open(): Promise<IndicatorStore>;
  cleanup(): Promise<void>;
  teardown(): Promise<void>;
}

const local = ((): Backend => {
  let dir = '';
  return {
    name: 'local',
    setup: () => Promise.resolve(),
    async open() {
      dir = await mkdtemp(join(tmpdir(), 'soar-intel-'));
      return LocalIndicatorStore.open(dir);
    },
    cleanup: () => rm(dir, { recursive: true, force: true }),
    teardown: () => Promise.resolve(),
  };
})();

const redis = ((): Backend => {
  let server: TestRedis | undefined;
  let client: Redis | undefined;
  let prefix = '';
  return {
    name: 'redis',
    async setup() {
      server = await startTestRedis();
      client = testRedisClient(server.url);
    },
    open() {
      prefix = `test-${randomUUID()}`;
      return Promise.resolve(new RedisIndicatorStore(client!, { prefix }));
    },
    cleanup: () => deleteKeys(client!, prefix),
    async teardown() {
      await client?.quit();
      await server?.stop();
    },
  };
})();

const T0 = new Date('2026-03-01T00:00:00Z');
const hours = (n: number) => new Date(T0.getTime() + n * 3_600_000);

function ioc(type: IndicatorType, value: string, facts: SourceFacts = {}): ExtractedIndicator {
  return { type, value, facts };
}

describe.each([local, redis])('IndicatorStore ($name)', (backend) => {
  let store: IndicatorStore;
  beforeAll(() => backend.setup());
  afterAll(() => backend.teardown());
  beforeEach(async () => {
    store = await backend.open();
  });
  afterEach(async () => {
    await store.close();
    await backend.cleanup();
  });

  it('keeps one indicator per normalised value, with a source per feed', async () => {
    expect(
      await store.upsert(
        'feed-a',
        'c1',
        [ioc('ip', '2001:DB8:0::7', { stix_id: 'indicator--a', confidence: 80 })],
        T0,
      ),
    ).toEqual({ added: 1, updated: 0, unchanged: 0, invalid: 0 });
    expect(
      await store.upsert(
        'feed-b',
        'c9',
        [ioc('cidr', '2001:db8::7/128', { confidence: 40, tlp: 'amber' })],
        hours(1),
      ),
    ).toEqual({ added: 0, updated: 1, unchanged: 0, invalid: 0 });
    expect(await store.count()).toBe(1);

    const { query, matches } = await store.lookup('2001:0db8::0007', hours(2));
    expect(query).toEqual({ type: 'ip', value: '2001:db8::7' });
    expect(matches).toEqual([
      {
        type: 'ip',
        value: '2001:db8::7',
        matched_by: 'value',
        live: true,
        sources: [
          {
            feed: 'feed-a',
            collection: 'c1',
            stix_id: 'indicator--a',
            confidence: 80,
            first_seen: T0.toISOString(),
            last_seen: T0.toISOString(),
          },
          {
            feed: 'feed-b',
            collection: 'c9',
            confidence: 40,
            tlp: 'amber',
            first_seen: hours(1).toISOString(),
            last_seen: hours(1).toISOString(),
          },
        ],
      },
    ]);
  });

  it('counts invalid values and repeats within one batch', async () => {
    const counts = await store.upsert(
      'feed-a',
      'c1',
      [
        ioc('domain', 'Evil.Example'),
        ioc('domain', 'evil.example.'),
        ioc('ip', '010.0.0.1'),
        ioc('md5', 'xyz'),
        ioc('url', 'hxxp://defanged'),
        ioc('sha256', 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855'),
      ],
      T0,
    );
    expect(counts).toEqual({ added: 2, updated: 0, unchanged: 1, invalid: 3 });
    expect(await store.count()).toBe(2);
    const hash = await store.lookup(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      T0,
    );
    expect(hash.matches.map((m) => `${m.type} ${m.value}`)).toEqual([
      'sha256 e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    ]);
  });

  it('moves last_seen on a repeat, and reports a change of facts as updated', async () => {
    const facts: SourceFacts = {
      stix_id: 'indicator--1',
      confidence: 50,
      labels: ['malicious-activity'],
    };
    await store.upsert('feed-a', 'c1', [ioc('domain', 'evil.example', facts)], T0);
    expect(
      await store.upsert('feed-a', 'c1', [ioc('domain', 'EVIL.example', facts)], hours(1)),
    ).toEqual({
      added: 0,
      updated: 0,
      unchanged: 1,
      invalid: 0,
    });
    let [source] = (await store.lookup('evil.example', hours(1))).matches[0]!.sources;
    expect(source).toMatchObject({
      confidence: 50,
      first_seen: T0.toISOString(),
      last_seen: hours(1).toISOString(),
    });

    const changed = { ...facts, confidence: 90, valid_until: '2026-06-01T00:00:00Z', title: 'C2' };
    expect(
      await store.upsert('feed-a', 'c1', [ioc('domain', 'evil.example', changed)], hours(2)),
    ).toMatchObject({
      updated: 1,
      unchanged: 0,
    });
    [source] = (await store.lookup('evil.example', hours(2))).matches[0]!.sources;
    expect(source).toEqual({
      feed: 'feed-a',
      collection: 'c1',
      stix_id: 'indicator--1',
      confidence: 90,
      valid_until: '2026-06-01T00:00:00Z',
      title: 'C2',
      labels: ['malicious-activity'],
      first_seen: T0.toISOString(),
      last_seen: hours(2).toISOString(),
    });

    // Another STIX object of the same feed about the same value is another source.
    expect(
      await store.upsert(
        'feed-a',
        'c1',
        [ioc('domain', 'evil.example', { stix_id: 'indicator--2' })],
        hours(3),
      ),
    ).toMatchObject({ updated: 1 });
    const sources = (await store.lookup('evil.example', hours(3))).matches[0]!.sources;
    expect(sources.map((s) => s.stix_id)).toEqual(['indicator--1', 'indicator--2']);
  });

  it('orders sources as their JSON source keys compare, whatever order they came in', async () => {
    // As JSON, `"a b"` < `"a!"` < `"a"` < `"a\""`: the closing quote is what follows `a`.
    for (const [hour, feed] of ['a', 'a"', 'a b', 'a!'].entries()) {
      await store.upsert(feed, 'c1', [ioc('domain', 'evil.example')], hours(hour));
    }
    await store.upsert('a', 'c0', [ioc('domain', 'evil.example', { stix_id: 'x' })], hours(5));
    await store.upsert('a', 'c0', [ioc('domain', 'evil.example')], hours(6));
    const { matches } = await store.lookup('evil.example', hours(7));
    expect(matches[0]?.sources.map((s) => [s.feed, s.collection, s.stix_id])).toEqual([
      ['a b', 'c1', undefined],
      ['a!', 'c1', undefined],
      ['a', 'c0', 'x'],
      ['a', 'c0', undefined],
      ['a', 'c1', undefined],
      ['a"', 'c1', undefined],
    ]);
  });

  it('finds every stored IPv4 prefix containing an address, longest first', async () => {
    await store.upsert(
      'feed-a',
      'c1',
      [
        ioc('ip', '198.51.100.7'),
        ioc('cidr', '198.51.100.77/24'),
        ioc('cidr', '198.51.0.0/16'),
        ioc('cidr', '0.0.0.0/0'),
        ioc('cidr', '10.0.0.0/8'),
        ioc('cidr', '198.51.100.0/25'),
        ioc('cidr', '198.51.100.128/25'),
      ],
      T0,
    );
    const found = async (value: string) =>
      (await store.lookup(value, T0)).matches.map((m) => `${m.matched_by} ${m.value}`);
    expect(await found('198.51.100.7')).toEqual([
      'value 198.51.100.7',
      'containing-cidr 198.51.100.0/25',
      'containing-cidr 198.51.100.0/24',
      'containing-cidr 198.51.0.0/16',
      'containing-cidr 0.0.0.0/0',
    ]);
    expect(await found('198.51.101.1')).toEqual([
      'containing-cidr 198.51.0.0/16',
      'containing-cidr 0.0.0.0/0',
    ]);
    expect(await found('198.51.100.0/24')).toEqual([
      'value 198.51.100.0/24',
      'containing-cidr 198.51.0.0/16',
      'containing-cidr 0.0.0.0/0',
    ]);
    // An IPv4-mapped IPv6 address is IPv6: IPv4 prefixes do not cover it.
    expect(await found('::ffff:198.51.100.7')).toEqual([]);
  });

  it('finds every stored IPv6 prefix containing an address', async () => {
    await store.upsert(
      'feed-a',
      'c1',
      [
        ioc('cidr', '2001:db8::/32'),
        ioc('cidr', '2001:DB8:ABCD::/48'),
        ioc('cidr', '2001:db8:abcd:1::/64'),
      ],
      T0,
    );
    const found = async (value: string) =>
      (await store.lookup(value, T0)).matches.map((m) => `${m.matched_by} ${m.value}`);
    expect(await found('2001:db8:abcd:1::99')).toEqual([
      'containing-cidr 2001:db8:abcd:1::/64',
      'containing-cidr 2001:db8:abcd::/48',
      'containing-cidr 2001:db8::/32',
    ]);
    expect(await found('2001:db8:ffff::1')).toEqual(['containing-cidr 2001:db8::/32']);
    expect(await found('2001:db9::1')).toEqual([]);
    expect(await found('198.51.100.1')).toEqual([]);
  });

  it('reports for a url its host, parent domains and containing prefixes', async () => {
    await store.upsert(
      'feed-a',
      'c1',
      [
        ioc('url', 'http://login.evil.example/x?a=1'),
        ioc('domain', 'evil.example'),
        ioc('domain', 'other.example'),
        ioc('cidr', '203.0.113.0/24'),
      ],
      T0,
    );
    const found = async (value: string) =>
      (await store.lookup(value, T0)).matches.map((m) => `${m.matched_by} ${m.type} ${m.value}`);
    expect(await found('hxxp://LOGIN.evil[.]example:80/x?a=1#top')).toEqual([
      'value url http://login.evil.example/x?a=1',
      'parent-domain domain evil.example',
    ]);
    expect(await found('https://a.b.evil.example/other')).toEqual([
      'parent-domain domain evil.example',
    ]);
    expect(await found('http://203.0.113.50/payload')).toEqual(['url-host cidr 203.0.113.0/24']);
    expect(await found('https://other.example/')).toEqual(['url-host domain other.example']);
    expect(await found('ceo@mail.evil.example')).toEqual(['parent-domain domain evil.example']);
    expect(await found('www.evil.example')).toEqual(['parent-domain domain evil.example']);
  });

  it('hands out copies: editing a lookup result changes nothing stored', async () => {
    await store.upsert('feed-a', 'c1', [ioc('domain', 'evil.example', { labels: ['a'] })], T0);
    const [first] = (await store.lookup('evil.example', T0)).matches;
    first!.sources[0]!.labels!.push('b');
    first!.sources.pop();
    const [again] = (await store.lookup('evil.example', T0)).matches;
    expect(again!.sources.map((s) => s.labels)).toEqual([['a']]);
  });

  it('answers an invalid lookup with the reason and no match', async () => {
    expect(await store.lookup('not an indicator', T0)).toEqual({
      query: null,
      invalid: "'not an indicator' is not an IP address, CIDR, domain, URL, email or hash",
      matches: [],
    });
  });

  it('marks a match live only while one of its sources is', async () => {
    await store.upsert(
      'feed-a',
      'c1',
      [ioc('ip', '198.51.100.9', { valid_until: hours(2).toISOString() })],
      T0,
    );
    expect((await store.lookup('198.51.100.9', hours(1))).matches[0]?.live).toBe(true);
    expect((await store.lookup('198.51.100.9', hours(2))).matches[0]?.live).toBe(false);
  });

  it('expires sources past valid_until, then indicators left without one', async () => {
    await store.upsert(
      'feed-a',
      'c1',
      [
        ioc('ip', '198.51.100.1', { valid_until: hours(5).toISOString() }),
        ioc('cidr', '198.51.100.0/24', { valid_until: hours(5).toISOString() }),
        ioc('domain', 'keep.example', { valid_until: hours(50).toISOString() }),
      ],
      T0,
    );
    await store.upsert('feed-b', 'c1', [ioc('ip', '198.51.100.1')], T0);

    expect(await store.expire(hours(4))).toEqual({ sources: 0, indicators: 0 });
    expect(await store.expire(hours(5))).toEqual({ sources: 2, indicators: 1 });
    expect(await store.count()).toBe(2);
    const left = await store.lookup('198.51.100.1', hours(5));
    expect(left.matches.map((m) => [m.value, m.sources.map((s) => s.feed)])).toEqual([
      ['198.51.100.1', ['feed-b']],
    ]);
    expect(await store.expire(hours(6))).toEqual({ sources: 0, indicators: 0 });
  });

  it('expires sources not seen within their feed expiry, other feeds untouched', async () => {
    await store.upsert('fast', 'c1', [ioc('domain', 'a.example'), ioc('domain', 'b.example')], T0);
    await store.upsert('slow', 'c1', [ioc('domain', 'a.example')], T0);
    await store.upsert('fast', 'c1', [ioc('domain', 'b.example')], hours(20));
    const expiry = { byFeed: { fast: 24 * 3_600_000 } };

    expect(await store.expire(hours(24), expiry)).toEqual({ sources: 0, indicators: 0 });
    expect(await store.expire(hours(25), expiry)).toEqual({ sources: 1, indicators: 0 });
    expect(
      (await store.lookup('a.example', hours(25))).matches[0]?.sources.map((s) => s.feed),
    ).toEqual(['slow']);
    expect(await store.expire(hours(45), expiry)).toEqual({ sources: 1, indicators: 1 });
    expect(await store.count()).toBe(1);
    expect(await store.expire(hours(1000), { ...expiry, defaultMs: 3_600_000 })).toEqual({
      sources: 1,
      indicators: 1,
    });
    expect(await store.count()).toBe(0);
  });

  it('forgets an expired prefix for containment lookups', async () => {
    await store.upsert(
      'feed-a',
      'c1',
      [ioc('cidr', '203.0.113.0/24', { valid_until: hours(1).toISOString() })],
      T0,
    );
    await store.upsert('feed-a', 'c1', [ioc('cidr', '203.0.0.0/16')], T0);
    await store.expire(hours(1));
    const matches = (await store.lookup('203.0.113.9', hours(1))).matches;
    expect(matches.map((m) => m.value)).toEqual(['203.0.0.0/16']);
    // Re-listing it after expiry makes it an added indicator again.
    expect(
      await store.upsert('feed-a', 'c1', [ioc('cidr', '203.0.113.0/24')], hours(2)),
    ).toMatchObject({ added: 1 });
    expect((await store.lookup('203.0.113.9', hours(2))).matches).toHaveLength(2);
  });
});
