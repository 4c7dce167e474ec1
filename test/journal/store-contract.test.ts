import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FileJournalStore,
  InvalidDraftError,
  InvalidJournalKeyError,
  JournalStoreClosedError,
  MemoryJournalStore,
  REDACTED,
  createRedactor,
  verifyEntries,
} from '../../src/journal/index.js';
import type { JournalStore, JournalStoreOptions } from '../../src/journal/index.js';
import { RedisJournalStore } from '../../src/journal/redis-store.js';
import { deleteKeys, startTestRedis, testRedisClient, type TestRedis } from '../helpers/redis.js';
import { draft, drafts, useTempDir } from './helpers.js';

const tempDir = useTempDir();

// The Redis store runs the same contract, each store under a prefix of its own.
let server: TestRedis;
let client: Redis;
const prefixes: string[] = [];
beforeAll(async () => {
  server = await startTestRedis();
  client = testRedisClient(server.url);
});
afterAll(async () => {
  for (const prefix of prefixes) await deleteKeys(client, prefix);
  await client.quit();
  await server.stop();
});
function redisStore(options?: JournalStoreOptions): Promise<JournalStore> {
  const prefix = `test-${randomUUID()}`;
  prefixes.push(prefix);
  return Promise.resolve(new RedisJournalStore(client, { ...options, prefix }));
}

const factories: [string, (options?: JournalStoreOptions) => Promise<JournalStore>][] = [
  ['MemoryJournalStore', (options) => Promise.resolve(new MemoryJournalStore(options))],
  ['FileJournalStore', async (options) => new FileJournalStore(await tempDir(), options)],
  ['RedisJournalStore', redisStore],
];

describe.each(factories)('%s (store contract)', (_name, createStore) => {
  it('leaves the chain where it was when a draft in the call cannot be hashed', async () => {
    const store = await createStore();
    await store.append('k', [draft(1)]);
    // `step` is hashed as given (only summary, data and artifacts are reduced to JSON first).
    const unhashable = { ...draft(3), step: 1n as unknown as string };
    await expect(store.append('k', [draft(2), unhashable])).rejects.toThrow();
    await store.append('k', [draft(4)]);
    const entries = await store.read('k');
    expect(entries.map((entry) => [entry.id, entry.seq])).toEqual([
      ['d1', 1],
      ['d4', 2],
    ]);
    expect(verifyEntries(entries)).toMatchObject({ ok: true, count: 2 });
    await store.close();
  });

  it('keeps 200 concurrent appends contiguous, in call order, with a verifying chain', async () => {
    const store = await createStore();
    const results = await Promise.all(drafts(200).map((one) => store.append('INC-1', [one])));
    expect(results.map((appended) => appended[0]?.seq)).toEqual(
      Array.from({ length: 200 }, (_, index) => index + 1),
    );
    const entries = await store.read('INC-1');
    expect(entries.map((entry) => entry.seq)).toEqual(results.map((appended) => appended[0]?.seq));
    expect(entries.map((entry) => entry.id)).toEqual(drafts(200).map((one) => one.id));
    expect(verifyEntries(entries)).toMatchObject({ ok: true, count: 200 });
    await store.close();
  });

  it('skips drafts whose id is already stored, returning only the new entries', async () => {
    const store = await createStore();
    await store.append('k', drafts(3));
    const again = await store.append('k', [draft(2), draft(4), draft(4), draft(3)]);
    expect(again.map((entry) => [entry.id, entry.seq])).toEqual([['d4', 4]]);
    expect(await store.append('k', drafts(4))).toEqual([]);
    const entries = await store.read('k');
    expect(entries.map((entry) => entry.id)).toEqual(['d1', 'd2', 'd3', 'd4']);
    expect(verifyEntries(entries).ok).toBe(true);
    await store.close();
  });

  it('keeps journals independent and lists their keys', async () => {
    const store = await createStore();
    await Promise.all([store.append('a', drafts(2)), store.append('b.run-7', drafts(3))]);
    expect((await store.read('a')).map((entry) => entry.seq)).toEqual([1, 2]);
    expect((await store.read('b.run-7')).at(-1)?.seq).toBe(3);
    expect((await store.keys()).sort()).toEqual(['a', 'b.run-7']);
    expect(await store.read('never-written')).toEqual([]);
    await store.close();
  });

  it.each(['', '.', '..', '../escape', 'a/b', 'a\\b', 'sp ace', 'x'.repeat(201), 'nul\0'])(
    'rejects the invalid key %j',
    async (key) => {
      const store = await createStore();
      await expect(store.append(key, [draft(1)])).rejects.toThrow(InvalidJournalKeyError);
      await expect(store.read(key)).rejects.toThrow(/invalid journal key/);
      await store.close();
    },
  );

  it('rejects a malformed draft without appending any draft of the call', async () => {
    const store = await createStore();
    const bad = { ...draft(2), kind: 'nonsense' } as unknown as ReturnType<typeof draft>;
    await expect(store.append('k', [draft(1), bad])).rejects.toThrow(InvalidDraftError);
    expect((await store.append('k', [draft(3)]))[0]?.seq).toBe(1);
    await store.close();
  });

  it('redacts summary, data and artifact values before chaining', async () => {
    const redactor = createRedactor({ secretValues: ['vault-secret-1'] });
    const store = await createStore({ redactor });
    const [entry] = await store.append('k', [
      draft(1, {
        summary: 'used vault-secret-1',
        data: { password: 'pw', url: 'https://u:pw@h/' },
        artifacts: [{ type: 'url', value: 'https://h/?token=vault-secret-1', label: 'x' }],
      }),
    ]);
    expect(entry?.summary).toBe(`used ${REDACTED}`);
    expect(entry?.data).toEqual({ password: REDACTED, url: `https://u:${REDACTED}@h/` });
    expect(entry?.artifacts).toEqual([
      { type: 'url', value: `https://h/?token=${REDACTED}`, label: 'x' },
    ]);
    expect(verifyEntries(await store.read('k')).ok).toBe(true);
    await store.close();
  });

  it('stores plain JSON, so a Date in data hashes the same after a round trip', async () => {
    const store = await createStore();
    const [entry] = await store.append('k', [
      draft(1, { data: { when: new Date(0), skip: undefined } }),
    ]);
    expect(entry?.data).toEqual({ when: '1970-01-01T00:00:00.000Z' });
    expect(verifyEntries([JSON.parse(JSON.stringify(entry))]).ok).toBe(true);
    await store.close();
  });

  it('refuses work once closed', async () => {
    const store = await createStore();
    await store.close();
    await expect(store.append('k', [draft(1)])).rejects.toThrow(JournalStoreClosedError);
  });
});
