import { appendFile, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalIndicatorStore } from '../../src/intel/local-store.js';
import type { ExtractedIndicator } from '../../src/intel/model.js';

const T0 = new Date('2026-03-01T00:00:00Z');
const later = (hours: number) => new Date(T0.getTime() + hours * 3_600_000);
const ip = (value: string, confidence = 80): ExtractedIndicator => ({
  type: 'ip',
  value,
  facts: { confidence },
});

let dataDir: string;
let open: LocalIndicatorStore[];

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'soar-intel-local-'));
  open = [];
});
afterEach(async () => {
  for (const store of open) await store.close();
  await rm(dataDir, { recursive: true, force: true });
});

async function openStore(compactAfter?: number) {
  const store = await LocalIndicatorStore.open(dataDir, { compactAfter });
  open.push(store);
  return store;
}

async function values(store: LocalIndicatorStore, ...queries: string[]) {
  const found = await Promise.all(queries.map((q) => store.lookup(q, T0)));
  return found.flatMap((result) => result.matches.map((m) => m.value));
}

describe('LocalIndicatorStore', () => {
  it('keeps its data under <dataDir>/intel and finds it again after a reopen', async () => {
    const store = await openStore();
    await store.upsert(
      'feed-a',
      'c1',
      [ip('198.51.100.7'), { type: 'cidr', value: '203.0.113.0/24', facts: {} }],
      T0,
    );
    await store.upsert('feed-b', 'c1', [ip('198.51.100.7', 20)], later(1));
    await store.close();
    expect(store.dir).toBe(join(dataDir, 'intel'));
    expect((await stat(store.logPath)).size).toBeGreaterThan(0);

    const reopened = await openStore();
    expect(await reopened.count()).toBe(2);
    expect(await values(reopened, '203.0.113.9')).toEqual(['203.0.113.0/24']);
    const [match] = (await reopened.lookup('198.51.100.7', T0)).matches;
    expect(match?.sources.map((s) => [s.feed, s.confidence, s.first_seen])).toEqual([
      ['feed-a', 80, T0.toISOString()],
      ['feed-b', 20, later(1).toISOString()],
    ]);
  });

  it('ignores a torn last line, cuts it off, and appends cleanly after it', async () => {
    const store = await openStore();
    await store.upsert('feed-a', 'c1', [ip('198.51.100.1')], T0);
    await store.close();
    const intact = (await stat(store.logPath)).size;
    await appendFile(store.logPath, '{"put":{"type":"ip","value":"198.51.100.2","sour');

    const recovered = await openStore();
    expect(await recovered.count()).toBe(1);
    expect((await stat(recovered.logPath)).size).toBe(intact);
    await recovered.upsert('feed-a', 'c1', [ip('198.51.100.3')], later(1));
    await recovered.close();

    const again = await openStore();
    expect(await values(again, '198.51.100.1', '198.51.100.2', '198.51.100.3')).toEqual([
      '198.51.100.1',
      '198.51.100.3',
    ]);
  });

  it('keeps the complete lines of a batch whose append was torn', async () => {
    const store = await openStore();
    await store.upsert('feed-a', 'c1', [ip('198.51.100.1'), ip('198.51.100.2')], T0);
    await store.close();
    const log = await readFile(store.logPath, 'utf8');
    const [first = ''] = log.split('\n');
    // The crash hit while writing the second line: the first is whole, the second is not.
    await writeFile(store.logPath, `${first}\n${'\u0000'.repeat(40)}`);

    const recovered = await openStore();
    expect(await values(recovered, '198.51.100.1', '198.51.100.2')).toEqual(['198.51.100.1']);
  });

  it('compacts into a snapshot when the log outgrows the store, and reloads from it', async () => {
    const store = await openStore(3);
    const batch = [1, 2, 3].map((i) => ip(`198.51.100.${i}`));
    await store.upsert('feed-a', 'c1', batch, later(1));
    await expect(stat(store.snapshotPath)).rejects.toThrow(/ENOENT/);
    // Each repeat appends a line (last_seen moves): six lines for three indicators pass both limits.
    await store.upsert('feed-a', 'c1', batch, later(2));
    await store.upsert('feed-a', 'c1', [ip('198.51.100.4'), ip('198.51.100.5')], later(3));
    expect((await stat(store.snapshotPath)).size).toBeGreaterThan(0);
    const logLines = (await readFile(store.logPath, 'utf8')).split('\n').filter(Boolean);
    expect(logLines).toHaveLength(2);
    await store.close();

    const reopened = await openStore(3);
    expect(await reopened.count()).toBe(5);
    expect(await reopened.expire(later(100), { defaultMs: 3_600_000 })).toEqual({
      sources: 5,
      indicators: 5,
    });
    await reopened.close();
    expect(await (await openStore(3)).count()).toBe(0);
  });

  it('replays a log left behind by a crash right after a compaction without doubling anything', async () => {
    const store = await openStore();
    await store.upsert('feed-a', 'c1', [ip('198.51.100.1')], T0);
    await store.upsert('feed-b', 'c1', [ip('198.51.100.1', 10)], later(1));
    const log = await readFile(store.logPath);
    await store.compact();
    expect((await stat(store.logPath)).size).toBe(0);
    await store.close();
    await writeFile(store.logPath, log);

    const reopened = await openStore();
    expect(await reopened.count()).toBe(1);
    const [match] = (await reopened.lookup('198.51.100.1', T0)).matches;
    expect(match?.sources.map((s) => s.feed)).toEqual(['feed-a', 'feed-b']);
  });

  it('keeps facts that look like log syntax through replay and compaction', async () => {
    // The log cuts one JSON array of lines at `],["set",`: no fact may be cut with it.
    const tricky = [
      '],["set","ip","198.51.100.99"',
      '"quoted" \\ back\\slash',
      'line\nbreak',
      'é😀',
    ];
    const lookAll = (store: LocalIndicatorStore) =>
      Promise.all(tricky.map((_, i) => store.lookup(`d${i}.evil.example`, T0)));
    const store = await openStore();
    await store.upsert(
      'feed "a"],[',
      'c\\1',
      tricky.map((text, i) => ({
        type: 'domain',
        value: `d${i}.evil.example`,
        facts: { stix_id: text, title: text, labels: [text, ']'], confidence: i },
      })),
      T0,
    );
    const before = await lookAll(store);
    expect(before.map((found) => found.matches[0]?.sources[0]?.title)).toEqual(tricky);
    await store.close();

    const replayed = await openStore();
    expect(await replayed.count()).toBe(tricky.length);
    expect(await lookAll(replayed)).toEqual(before);
    await replayed.compact();
    await replayed.close();
    expect(await lookAll(await openStore())).toEqual(before);
  });

  it('reads snapshots and logs that hold whole records as objects', async () => {
    const source = (feed: string, confidence: number) => ({
      feed,
      collection: 'c1',
      confidence,
      first_seen: T0.toISOString(),
      last_seen: T0.toISOString(),
    });
    const record = (value: string, ...sources: ReturnType<typeof source>[]) => ({
      type: 'ip',
      value,
      sources,
    });
    await mkdir(join(dataDir, 'intel'), { recursive: true });
    await writeFile(
      join(dataDir, 'intel', 'indicators.snapshot'),
      [record('198.51.100.1', source('feed-a', 10)), record('198.51.100.2', source('feed-a', 20))]
        .map((line) => `${JSON.stringify(line)}\n`)
        .join(''),
    );
    await writeFile(
      join(dataDir, 'intel', 'indicators.log'),
      [
        { put: record('198.51.100.1', source('feed-a', 10), source('feed-b', 30)) },
        { remove: 'ip:198.51.100.2' },
      ]
        .map((line) => `${JSON.stringify(line)}\n`)
        .join(''),
    );

    const store = await openStore();
    expect(await store.count()).toBe(1);
    const [match] = (await store.lookup('198.51.100.1', T0)).matches;
    expect(match?.sources.map((s) => [s.feed, s.confidence])).toEqual([
      ['feed-a', 10],
      ['feed-b', 30],
    ]);
  });

  it('refuses changes once closed', async () => {
    const store = await openStore();
    await store.close();
    await expect(store.upsert('feed-a', 'c1', [ip('198.51.100.1')], T0)).rejects.toThrow(
      'the indicator store is closed',
    );
  });
});
