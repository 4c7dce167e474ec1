import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CanonicalJsonError,
  FileJournalStore,
  InvalidJournalKeyError,
  JournalCorruptError,
  JournalStoreClosedError,
  REDACTED,
  createRedactor,
  journalPath,
  renderReport,
  verifyEntries,
  verifyJournalText,
} from '../../src/journal/index.js';
import type { JournalEntry, JournalStoreOptions } from '../../src/journal/index.js';
import { journalRedisKeys } from '../../src/journal/redis-keys.js';
import { RedisJournalStore } from '../../src/journal/redis-store.js';
import { startTestRedis, testRedisClient, type TestRedis } from '../helpers/redis.js';
import {
  SECRETS_IN_DRAFT,
  VAULT_SECRET,
  draft,
  drafts,
  secretLadenDraft,
  useTempDir,
} from './helpers.js';

const tempDir = useTempDir();

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
afterEach(async () => {
  // Journal keys are tagged `{<prefix>:<key>}`, the index `{<prefix>}`: one pattern covers both.
  const keys = await client.keys(`{${prefix}*`);
  if (keys.length > 0) await client.del(...keys);
});

const createStore = (options: JournalStoreOptions = {}) =>
  new RedisJournalStore(client, { ...options, prefix });

const seqs = (count: number) => Array.from({ length: count }, (_, index) => index + 1);

// The store contract (test/journal/store-contract.test.ts) runs on Redis too; these are Redis's own.
describe('RedisJournalStore (beyond the store contract)', () => {
  it.each(['', '.', '..', '../escape', 'a/b', 'a\\b', 'sp ace', 'x'.repeat(201), 'nul\0', '{t}'])(
    'rejects the invalid key %j',
    async (key) => {
      const store = createStore();
      await expect(store.append(key, [draft(1)])).rejects.toThrow(InvalidJournalKeyError);
      await expect(store.read(key)).rejects.toThrow(/invalid journal key/);
      await store.close();
    },
  );

  it('rejects only the failing call among appends committed together', async () => {
    const store = createStore();
    // Fails while hashing, after the call's first draft was already chained.
    const unhashable = { ...draft(6), incident: 10n } as unknown as ReturnType<typeof draft>;
    const [first, failed, last] = await Promise.allSettled([
      store.append('k', [draft(1)]),
      store.append('k', [draft(5), unhashable]),
      store.append('k', [draft(3)]),
    ]);
    expect(failed).toMatchObject({ status: 'rejected', reason: expect.any(CanonicalJsonError) });
    expect(first).toMatchObject({ status: 'fulfilled', value: [{ id: 'd1', seq: 1 }] });
    expect(last).toMatchObject({ status: 'fulfilled', value: [{ id: 'd3', seq: 2 }] });
    expect(verifyEntries(await store.read('k'))).toMatchObject({ ok: true, count: 2 });
    await store.close();
  });

  it('refuses work once closed', async () => {
    const store = createStore();
    await store.close();
    await expect(store.append('k', [draft(1)])).rejects.toThrow(JournalStoreClosedError);
    await expect(store.read('k')).rejects.toThrow(JournalStoreClosedError);
  });
});

describe('RedisJournalStore: documents written with their entries', () => {
  const doc = (expected: number, value: string) => ({ name: 'run:r1', expected, value });

  it('writes the entries and the document together, then refuses a stale version', async () => {
    const store = createStore();
    const first = await store.appendGuarded('INC-1', drafts(2), doc(0, 'v1'));
    expect(first.status).toBe('appended');
    expect(await store.readDocument('INC-1', 'run:r1')).toEqual({ version: 1, value: 'v1' });

    // A writer that read version 0 too: nothing of its commit lands.
    const stale = await store.appendGuarded('INC-1', drafts(1, 3), doc(0, 'other'));
    expect(stale).toEqual({ status: 'guard-failed', version: 1 });
    expect((await store.read('INC-1')).map((entry) => entry.id)).toEqual(['d1', 'd2']);
    expect(await store.readDocument('INC-1', 'run:r1')).toEqual({ version: 1, value: 'v1' });

    // A document alone, with no entries, is compare-and-set all the same.
    expect(await store.appendGuarded('INC-1', [], doc(1, 'v2'))).toEqual({
      status: 'appended',
      entries: [],
    });
    expect(await store.readDocument('INC-1', 'run:r1')).toEqual({ version: 2, value: 'v2' });
    await store.close();
  });

  it('lets exactly one of many writers at the same version win, from any connection', async () => {
    const other = testRedisClient(server.url);
    try {
      const stores = [createStore(), new RedisJournalStore(other, { prefix })];
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, n) =>
          stores[n % 2]!.appendGuarded('INC-1', drafts(1, n + 1), doc(0, `writer ${n}`)),
        ),
      );
      const winners = results.flatMap((result, n) => (result.status === 'appended' ? [n] : []));
      expect(winners).toHaveLength(1);
      const entries = await stores[0]!.read('INC-1');
      expect(entries.map((entry) => entry.id)).toEqual([`d${winners[0]! + 1}`]);
      expect(await stores[0]!.readDocument('INC-1', 'run:r1')).toEqual({
        version: 1,
        value: `writer ${winners[0]}`,
      });
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await other.quit();
    }
  });

  it('re-chains its entries when another process appended first, keeping the document', async () => {
    const other = testRedisClient(server.url);
    try {
      const mine = createStore();
      const theirs = new RedisJournalStore(other, { prefix });
      await mine.append('INC-1', drafts(1));
      await theirs.append('INC-1', drafts(2, 2)); // mine's cached head is now stale
      const result = await mine.appendGuarded('INC-1', drafts(1, 4), doc(0, 'v1'));
      expect(result.status).toBe('appended');
      const entries = await mine.read('INC-1');
      expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 4]);
      expect(verifyEntries(entries)).toMatchObject({ ok: true, count: 4 });
      expect(await mine.readDocument('INC-1', 'run:r1')).toEqual({ version: 1, value: 'v1' });
      await Promise.all([mine.close(), theirs.close()]);
    } finally {
      await other.quit();
    }
  });

  it('chains a new document onto a journal it has never read, that already has entries', async () => {
    // The first write of a document is tried as if the journal were empty (a new run's own
    // journal is); an incident journal written by another process must still come out whole.
    const other = testRedisClient(server.url);
    try {
      const theirs = new RedisJournalStore(other, { prefix });
      await theirs.append('INC-1', drafts(3));
      const mine = createStore(); // no cached head for INC-1
      const result = await mine.appendGuarded('INC-1', drafts(2, 4), doc(0, 'v1'));
      expect(result).toMatchObject({ status: 'appended', entries: [{ seq: 4 }, { seq: 5 }] });
      const entries = await mine.read('INC-1');
      expect(verifyEntries(entries)).toMatchObject({ ok: true, count: 5 });
      // A repeat of the same first write (same ids, document at 0) writes nothing.
      const again = await createStore().appendGuarded('INC-1', drafts(2, 4), doc(0, 'v1'));
      expect(again).toEqual({ status: 'guard-failed', version: 1 });
      expect(await mine.read('INC-1')).toHaveLength(5);
      await Promise.all([mine.close(), theirs.close()]);
    } finally {
      await other.quit();
    }
  });

  it('lists a journal once, whether listed ahead of its first entries or by them', async () => {
    const store = createStore();
    await store.list('run-1');
    await store.appendGuarded('run-1', drafts(1), doc(0, 'v1'));
    await store.append('INC-2', drafts(1));
    expect((await store.keys()).sort()).toEqual(['INC-2', 'run-1']);
    await store.close();
  });

  it('keeps plain appends queued before and after a guarded one in call order', async () => {
    const store = createStore();
    const [a, b, c] = await Promise.all([
      store.append('INC-1', drafts(2)),
      store.appendGuarded('INC-1', drafts(1, 3), doc(0, 'v1')),
      store.append('INC-1', drafts(2, 4)),
    ]);
    expect(a.map((entry) => entry.seq)).toEqual([1, 2]);
    expect(b).toMatchObject({ status: 'appended', entries: [{ seq: 3 }] });
    expect(c.map((entry) => entry.seq)).toEqual([4, 5]);
    await store.close();
  });
});

describe('RedisJournalStore', () => {
  it('keeps every key of a journal under one hash tag, so a journal sits in one Cluster slot', async () => {
    const store = createStore();
    await store.append('INC-1', drafts(2));
    await store.append('b.run-7', drafts(1));
    const keys = (await client.keys(`*${prefix}*`)).sort();
    expect(keys).toEqual(
      [
        `{${prefix}:INC-1}:entries`,
        `{${prefix}:INC-1}:head`,
        `{${prefix}:INC-1}:ids`,
        `{${prefix}:b.run-7}:entries`,
        `{${prefix}:b.run-7}:head`,
        `{${prefix}:b.run-7}:ids`,
        `{${prefix}}:journals`,
      ].sort(),
    );
    for (const key of ['INC-1', 'b.run-7']) {
      const journalKeys = keys.filter((name) => name.startsWith(`{${prefix}:${key}}`));
      expect(new Set(journalKeys.map(hashTag))).toEqual(new Set([`${prefix}:${key}`]));
      const slots = await Promise.all(journalKeys.map(clusterKeySlot));
      if (slots.every((slot) => slot !== null)) expect(new Set(slots).size).toBe(1);
    }
    await store.close();
  });

  it('stores the lines the file store writes: same entries, same hashes, same bytes', async () => {
    const options = () => ({ redactor: createRedactor({ secretValues: ['vault-secret-1'] }) });
    const batch = [
      draft(1, {
        kind: 'step.completed',
        summary: 'called with vault-secret-1',
        data: { when: new Date(0), nested: { token: 'x', list: [1, 'é', null] }, n: 1.5e-7 },
        artifacts: [{ type: 'ip', value: '203.0.113.7', label: 'source' }],
      }),
      draft(2, { incident: null, run: null, step: null, actor: { kind: 'user', id: 'ana' } }),
      ...drafts(3, 3),
    ];
    const dir = await tempDir();
    const fileStore = new FileJournalStore(dir, options());
    const redisStore = createStore(options());
    const fromFile = await fileStore.append('INC-7', batch);
    const fromRedis = await redisStore.append('INC-7', batch);
    expect(fromRedis).toEqual(fromFile);
    const entries = await redisStore.read('INC-7');
    const fileEntries = await fileStore.read('INC-7');
    expect(entries).toEqual(fileEntries);
    expect(renderReport(entries, 'md')).toBe(renderReport(fileEntries, 'md'));
    await fileStore.close();
    const fileText = await readFile(journalPath(dir, 'INC-7'), 'utf8');
    expect(await redisStore.readText('INC-7')).toBe(fileText);
    expect(verifyJournalText(fileText)).toMatchObject({ ok: true, count: 5 });
    await redisStore.close();
  });

  it('commits appends made while a script call is in flight together, in call order', async () => {
    const own = testRedisClient(server.url);
    try {
      const store = new RedisJournalStore(own, { prefix });
      const script = vi.spyOn(
        own as unknown as Record<string, (...args: unknown[]) => Promise<unknown>>,
        'soarJournalAppendEntries',
      );
      const results = await Promise.all(drafts(500).map((one) => store.append('k', [one])));
      expect(results.map((appended) => appended[0]?.seq)).toEqual(seqs(500));
      expect(script.mock.calls.length).toBeLessThanOrEqual(5);
      await store.close();
    } finally {
      await own.quit();
    }
  });

  it('lets 2 connections append 200 entries concurrently to one journal, chain unbroken', async () => {
    const connections = [testRedisClient(server.url), testRedisClient(server.url)];
    try {
      const stores = connections.map((own) => new RedisJournalStore(own, { prefix }));
      // In each round both connections append at once, each awaiting its own append as the
      // engine does, so neither can group-commit the other's entry: every append races.
      const all = drafts(200);
      const appended: number[] = [];
      for (let round = 0; round < 100; round++) {
        const pair = await Promise.all(
          stores.map((store, worker) => store.append('INC-1', [all[2 * round + worker]!])),
        );
        appended.push(...pair.map(([entry]) => entry!.seq));
      }
      expect([...appended].sort((a, b) => a - b)).toEqual(seqs(200));
      const entries = await stores[0]!.read('INC-1');
      expect(entries.map((entry) => entry.seq)).toEqual(seqs(200));
      expect(new Set(entries.map((entry) => entry.id))).toEqual(
        new Set(drafts(200).map((one) => one.id)),
      );
      expect(verifyEntries(entries)).toMatchObject({ ok: true, count: 200 });
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await Promise.all(connections.map((own) => own.quit()));
    }
  });

  it('stores each id once when 2 connections race to append the same drafts', async () => {
    const connections = [testRedisClient(server.url), testRedisClient(server.url)];
    try {
      const stores = connections.map((own) => new RedisJournalStore(own, { prefix }));
      const batches = Array.from({ length: 20 }, (_, index) => drafts(3, index * 3 + 1));
      const results = await Promise.all(
        stores.flatMap((store) => batches.map((batch) => store.append('k', batch))),
      );
      const appendedIds = results.flat().map((entry) => entry.id);
      expect(appendedIds).toHaveLength(60);
      expect(new Set(appendedIds).size).toBe(60);
      const entries = await stores[1]!.read('k');
      expect(entries.map((entry) => entry.seq)).toEqual(seqs(60));
      expect(verifyEntries(entries)).toMatchObject({ ok: true, count: 60 });
      await Promise.all(stores.map((store) => store.close()));
    } finally {
      await Promise.all(connections.map((own) => own.quit()));
    }
  });

  it('skips ids another process stored since, even when chaining to a stale cached head', async () => {
    const first = createStore();
    const second = createStore();
    await first.append('k', drafts(3));
    expect((await second.append('k', [draft(3), draft(4)])).map((entry) => entry.seq)).toEqual([4]);
    const appended = await first.append('k', [draft(4), draft(5)]);
    expect(appended.map((entry) => [entry.id, entry.seq])).toEqual([['d5', 5]]);
    expect(await first.append('k', [draft(2)])).toEqual([]);
    expect(verifyEntries(await second.read('k'))).toMatchObject({ ok: true, count: 5 });
    await Promise.all([first.close(), second.close()]);
  });

  it('writes nothing for a re-append of stored ids', async () => {
    await createStore().append('k', drafts(3));
    const { entries, head } = journalRedisKeys(prefix, 'k');
    const before = await client.hgetall(head);
    const fresh = createStore();
    expect(await fresh.append('k', drafts(3))).toEqual([]);
    expect(await client.xlen(entries)).toBe(3);
    expect(await client.hgetall(head)).toEqual(before);
  });

  it('appends 10,000 entries in one call, and reads them back over many XRANGE pages', async () => {
    // More ids than Lua can spread into one command: the script takes them in slices.
    const store = createStore();
    await store.append('k', drafts(10_000));
    const entries = await store.read('k');
    expect(entries.map((entry) => entry.seq)).toEqual(seqs(10_000));
    expect(verifyEntries(entries)).toMatchObject({ ok: true, count: 10_000 });
    const again = await createStore().append('k', drafts(10_000));
    expect(again).toEqual([]);
  });

  it('lets verify catch an entry altered in Redis', async () => {
    const store = createStore();
    await store.append('INC-1', drafts(5));
    await rewriteStoredEntry(journalRedisKeys(prefix, 'INC-1').entries, 3, (entry) => ({
      ...entry,
      summary: 'nothing happened here',
    }));
    const result = verifyEntries(await store.read('INC-1'));
    expect(result).toMatchObject({ ok: false, count: 2, firstBroken: { seq: 3 } });
    expect(verifyJournalText(await store.readText('INC-1'))).toEqual(result);
  });

  it('refuses to extend a journal whose newest entry was removed behind its back', async () => {
    const store = createStore();
    await store.append('k', drafts(3));
    await client.xdel(journalRedisKeys(prefix, 'k').entries, '3-0');
    await expect(createStore().append('k', [draft(4)])).rejects.toThrow(JournalCorruptError);
    await expect(store.append('k', [draft(4)])).rejects.toThrow(/head \(seq 3\) does not match/);
  });

  it('redacts secrets before hashing, so no secret reaches Redis', async () => {
    const store = createStore({ redactor: createRedactor({ secretValues: [VAULT_SECRET] }) });
    await store.append('INC-9', [secretLadenDraft()]);
    const stored = await everythingStored();
    for (const secret of SECRETS_IN_DRAFT) {
      expect(stored).not.toContain(secret);
    }
    expect(stored).toContain(REDACTED);
    expect(stored).toContain('page=1');
    expect(verifyEntries(await store.read('INC-9'))).toMatchObject({ ok: true, count: 1 });
  });

  it('quits the connection on close() only when the store opened it', async () => {
    const owning = new RedisJournalStore(server.url, { prefix });
    await owning.append('k', [draft(1)]);
    await owning.close();
    // quit() resolves on the server's OK; the socket closes just after.
    await vi.waitFor(() => expect(owning.client.status).toBe('end'));
    const borrowing = createStore();
    await borrowing.append('k', [draft(2)]);
    await borrowing.close();
    expect(await client.ping()).toBe('PONG');
  });

  it('refuses a prefix that would break the hash tag', () => {
    expect(() => new RedisJournalStore(client, { prefix: 'a}b' })).toThrow(/without braces/);
    expect(() => new RedisJournalStore(client, { prefix: '' })).toThrow(/non-empty/);
  });
});

/** The part of a key Redis Cluster hashes: the first `{...}` when it is non-empty. */
function hashTag(key: string): string {
  const open = key.indexOf('{');
  const close = key.indexOf('}', open + 1);
  return open >= 0 && close > open + 1 ? key.slice(open + 1, close) : key;
}

/** CLUSTER KEYSLOT, or null on a server without cluster support. */
async function clusterKeySlot(key: string): Promise<number | null> {
  try {
    return await client.cluster('KEYSLOT', key);
  } catch {
    return null;
  }
}

/** Rewrites one stream message the way someone with write access to Redis could. */
async function rewriteStoredEntry(
  streamKey: string,
  seq: number,
  edit: (entry: JournalEntry) => JournalEntry,
): Promise<void> {
  const messages = await client.xrange(streamKey, '-', '+');
  const rewrite = client.multi().del(streamKey);
  for (const [id, [field, line]] of messages) {
    const altered = id === `${seq}-0` ? JSON.stringify(edit(JSON.parse(line!))) : line!;
    rewrite.xadd(streamKey, id, field!, altered);
  }
  await rewrite.exec();
}

/** Names and contents of every key of this test's prefix, as one text to search. */
async function everythingStored(): Promise<string> {
  const parts: string[] = [];
  for (const key of await client.keys(`{${prefix}*`)) {
    const type = await client.type(key);
    const content =
      type === 'stream'
        ? await client.xrange(key, '-', '+')
        : type === 'hash'
          ? await client.hgetall(key)
          : type === 'set'
            ? await client.smembers(key)
            : `unexpected ${type}`;
    parts.push(key, JSON.stringify(content));
  }
  return parts.join('\n');
}
