import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { FileJournalStore, journalPath, verifyJournalText } from '../../src/journal/index.js';
import { CountingFileSystem } from './fs-probes.js';
import { draft, drafts, useTempDir } from './helpers.js';

const tempDir = useTempDir();

describe('FileJournalStore', () => {
  it('writes one JSON entry per line to <dir>/<key>.jsonl, fields in the documented order', async () => {
    const dir = await tempDir();
    const store = new FileJournalStore(dir);
    await store.append('INC-42', [
      draft(1, { data: { a: 1 }, artifacts: [{ type: 'ip', value: '10.0.0.1' }] }),
    ]);
    await store.close();
    const text = await readFile(journalPath(dir, 'INC-42'), 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(Object.keys(JSON.parse(lines[0]!) as object)).toEqual([
      'seq',
      'at',
      'incident',
      'run',
      'step',
      'kind',
      'actor',
      'summary',
      'data',
      'artifacts',
      'id',
      'prev',
      'hash',
    ]);
    expect(verifyJournalText(text)).toMatchObject({ ok: true, count: 1 });
  });

  it('group-commits: 1,000 concurrent appends cost a handful of fsyncs', async () => {
    const fileSystem = new CountingFileSystem();
    const store = new FileJournalStore(await tempDir(), { fileSystem });
    await Promise.all(drafts(1000).map((one) => store.append('k', [one])));
    expect(fileSystem.syncs).toBeLessThanOrEqual(5);
    expect(fileSystem.linesPerSync.reduce((sum, lines) => sum + lines, 0)).toBe(1000);
    expect(verifyJournalText(await store.readText('k'))).toMatchObject({ ok: true, count: 1000 });
    await store.close();
  });

  it('batches appends that arrive while an fsync is in flight into the next single write+fsync', async () => {
    const fileSystem = new CountingFileSystem();
    const store = new FileJournalStore(await tempDir(), { fileSystem });
    await store.append('k', [draft(1)]);
    let openGate!: () => void;
    fileSystem.syncGate = new Promise((resolve) => (openGate = resolve));
    const first = store.append('k', [draft(2)]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const rest = drafts(50, 3).map((one) => store.append('k', [one]));
    openGate();
    await Promise.all([first, ...rest]);
    expect(fileSystem.linesPerSync).toEqual([1, 1, 50]);
    expect(fileSystem.writes).toBe(3);
    await store.close();
  });

  it('resolves an append only after the fsync that covers it', async () => {
    const fileSystem = new CountingFileSystem();
    const store = new FileJournalStore(await tempDir(), { fileSystem });
    let openGate!: () => void;
    fileSystem.syncGate = new Promise((resolve) => (openGate = resolve));
    let settled = false;
    const pending = store.append('k', [draft(1)]).then(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(settled).toBe(false);
    openGate();
    await pending;
    expect(settled).toBe(true);
    expect(fileSystem.syncs).toBe(1);
    await store.close();
  });

  it('makes a re-append of a still-unsynced id wait for that id to be durable', async () => {
    const fileSystem = new CountingFileSystem();
    const store = new FileJournalStore(await tempDir(), { fileSystem });
    let openGate!: () => void;
    fileSystem.syncGate = new Promise((resolve) => (openGate = resolve));
    const original = store.append('k', [draft(1)]);
    let duplicateSettled = false;
    const duplicate = store.append('k', [draft(1)]).then((entries) => {
      duplicateSettled = true;
      return entries;
    });
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(duplicateSettled).toBe(false);
    openGate();
    expect(await duplicate).toEqual([]);
    expect((await original)[0]?.seq).toBe(1);
    await store.close();
  });

  it('keeps at most maxOpenFiles descriptors open and closes them all on close()', async () => {
    const fileSystem = new CountingFileSystem();
    const store = new FileJournalStore(await tempDir(), { fileSystem, maxOpenFiles: 2 });
    for (let round = 1; round <= 3; round += 1) {
      for (const key of ['a', 'b', 'c', 'd', 'e']) {
        await store.append(key, [draft(round)]);
        expect(fileSystem.openNow).toBeLessThanOrEqual(2);
      }
    }
    for (const key of ['a', 'b', 'c', 'd', 'e']) {
      expect(verifyJournalText(await store.readText(key))).toMatchObject({ ok: true, count: 3 });
    }
    await store.close();
    expect(fileSystem.openNow).toBe(0);
  });

  it('reuses one descriptor per key across appends', async () => {
    const fileSystem = new CountingFileSystem();
    const store = new FileJournalStore(await tempDir(), { fileSystem });
    for (const one of drafts(10)) await store.append('k', [one]);
    expect(fileSystem.opens).toBe(1);
    await store.close();
  });

  it('rejects a failed write, then recovers the key from disk and keeps a valid chain', async () => {
    const fileSystem = new CountingFileSystem();
    const store = new FileJournalStore(await tempDir(), { fileSystem });
    await store.append('k', drafts(2));
    fileSystem.failNextAppend = new Error('ENOSPC: no space left on device');
    await expect(store.append('k', [draft(3)])).rejects.toThrow(/write failed.*ENOSPC/);
    const [retried] = await store.append('k', [draft(3)]);
    expect(retried?.seq).toBe(3);
    expect(verifyJournalText(await store.readText('k'))).toMatchObject({ ok: true, count: 3 });
    await store.close();
  });

  it('close() waits for pending appends to be durable', async () => {
    const dir = await tempDir();
    const store = new FileJournalStore(dir);
    const appends = drafts(100).map((one) => store.append('k', [one]));
    await store.close();
    await Promise.all(appends);
    const text = await readFile(journalPath(dir, 'k'), 'utf8');
    expect(verifyJournalText(text)).toMatchObject({ ok: true, count: 100 });
  });

  it('journalPath validates the key', () => {
    expect(journalPath('/tmp/j', 'INC-1.run_2')).toBe('/tmp/j/INC-1.run_2.jsonl');
    expect(() => journalPath('/tmp/j', '../etc/passwd')).toThrow(/invalid journal key/);
  });
});
