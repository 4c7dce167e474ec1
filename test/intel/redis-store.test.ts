import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ExtractedIndicator } from '../../src/intel/model.js';
import { RedisIndicatorStore } from '../../src/intel/redis-store.js';
import { deleteKeys, startTestRedis, testRedisClient, type TestRedis } from '../helpers/redis.js';

const T0 = new Date('2026-03-01T00:00:00Z');

let server: TestRedis;
let client: Redis;
let prefix: string;

beforeAll(async () => {
  server = await startTestRedis();
  client = testRedisClient(server.url);
});
afterAll(async () => {
  await client.quit();
  await server.stop();
});
beforeEach(() => {
  prefix = `test-${randomUUID()}`;
});
afterEach(() => deleteKeys(client, prefix));

describe('RedisIndicatorStore', () => {
  it('keeps every key of a store under its hash tag, so they share a Cluster slot', async () => {
    const store = new RedisIndicatorStore(client, { prefix });
    await store.upsert(
      'feed-a',
      'c1',
      [
        { type: 'cidr', value: '203.0.113.0/24', facts: { valid_until: '2026-04-01T00:00:00Z' } },
        { type: 'domain', value: 'evil.example', facts: {} },
      ],
      T0,
    );
    const keys = await client.keys(`*${prefix}*`);
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect(key.startsWith(`{${prefix}}:`)).toBe(true);
    expect(keys.sort()).toEqual(
      [
        'all',
        'cidr-prefixes:4',
        'feeds',
        'ind:cidr:203.0.113.0/24',
        'ind:domain:evil.example',
        'seen:feed-a',
        'valid-until',
      ].map((suffix) => `{${prefix}}:${suffix}`),
    );
  });

  it('upserts one indicator atomically when several writers race', async () => {
    const writers = Array.from({ length: 8 }, () => testRedisClient(server.url));
    try {
      const results = await Promise.all(
        writers.map((writer, i) =>
          new RedisIndicatorStore(writer, { prefix }).upsert(
            `feed-${i}`,
            'c1',
            [{ type: 'ip', value: '198.51.100.7', facts: { confidence: i * 10 } }],
            T0,
          ),
        ),
      );
      expect(results.reduce((sum, r) => sum + r.added, 0)).toBe(1);
      expect(results.reduce((sum, r) => sum + r.updated, 0)).toBe(7);
      const store = new RedisIndicatorStore(client, { prefix });
      expect(await store.count()).toBe(1);
      const [match] = (await store.lookup('198.51.100.7', T0)).matches;
      expect(match?.sources).toHaveLength(8);
    } finally {
      await Promise.all(writers.map((writer) => writer.quit()));
    }
  });

  it('drops a prefix length from the probe list when its last cidr expires', async () => {
    const store = new RedisIndicatorStore(client, { prefix });
    const cidr = (value: string, valid_until?: string): ExtractedIndicator => ({
      type: 'cidr',
      value,
      facts: { valid_until },
    });
    await store.upsert(
      'feed-a',
      'c1',
      [
        cidr('203.0.113.0/24', '2026-03-02T00:00:00Z'),
        cidr('198.51.100.0/24'),
        cidr('10.0.0.0/8', '2026-03-02T00:00:00Z'),
      ],
      T0,
    );
    const lengths = () => client.zrange(`{${prefix}}:cidr-prefixes:4`, '0', '-1', 'WITHSCORES');
    expect(await lengths()).toEqual(['8', '1', '24', '2']);
    expect(await store.expire(new Date('2026-03-02T00:00:00Z'))).toEqual({
      sources: 2,
      indicators: 2,
    });
    expect(await lengths()).toEqual(['24', '1']);
  });

  it('refuses a prefix that would break the hash tag', () => {
    expect(() => new RedisIndicatorStore(client, { prefix: 'a{b}' })).toThrow(/without braces/);
  });

  it('closes only a connection it opened', async () => {
    const owned = RedisIndicatorStore.connect(server.url, { prefix });
    expect(await owned.count()).toBe(0);
    await owned.close();
    await new RedisIndicatorStore(client, { prefix }).close();
    expect(await client.ping()).toBe('PONG');
  });
});
