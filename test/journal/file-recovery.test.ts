import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  FileJournalStore,
  JournalCorruptError,
  journalPath,
  verifyJournalText,
} from '../../src/journal/index.js';
import { draft, drafts, useTempDir } from './helpers.js';

const tempDir = useTempDir();

describe('FileJournalStore recovery', () => {
  it('continues seq and chain in a new store instance, skipping already-stored ids', async () => {
    const dir = await tempDir();
    const first = new FileJournalStore(dir);
    const written = await first.append('k', drafts(3));
    await first.close();

    const second = new FileJournalStore(dir);
    const appended = await second.append('k', [draft(3), draft(4)]);
    expect(appended.map((entry) => entry.seq)).toEqual([4]);
    expect(appended[0]?.prev).toBe(written[2]?.hash);
    expect(verifyJournalText(await second.readText('k'))).toMatchObject({ ok: true, count: 4 });
    expect(await second.keys()).toEqual(['k']);
    await second.close();
  });

  it('truncates a torn last line (crash mid-write) and continues from the last whole entry', async () => {
    const dir = await tempDir();
    const first = new FileJournalStore(dir);
    await first.append('k', drafts(3));
    await first.close();
    const path = journalPath(dir, 'k');
    const intact = await readFile(path, 'utf8');
    await appendFile(path, '{"seq":4,"at":"2024-01-01T00:00:04.000Z","incid');

    const second = new FileJournalStore(dir);
    expect(await second.readText('k')).toBe(intact);
    const [entry] = await second.append('k', [draft(4)]);
    expect(entry?.seq).toBe(4);
    await second.close();
    const text = await readFile(path, 'utf8');
    expect(text.startsWith(intact)).toBe(true);
    expect(text).not.toContain('"incid{');
    expect(verifyJournalText(text)).toMatchObject({ ok: true, count: 4 });
  });

  it('treats a file holding only a torn first line as empty', async () => {
    const dir = await tempDir();
    await writeFile(journalPath(dir, 'k'), '{"seq":1,"at":');
    const store = new FileJournalStore(dir);
    const [entry] = await store.append('k', [draft(1)]);
    expect(entry?.seq).toBe(1);
    expect(verifyJournalText(await store.readText('k'))).toMatchObject({ ok: true, count: 1 });
    await store.close();
  });

  it('refuses to extend a journal that fails verification', async () => {
    const dir = await tempDir();
    const first = new FileJournalStore(dir);
    await first.append('k', drafts(3));
    await first.close();
    const path = journalPath(dir, 'k');
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"summary":"entry 2"', '"summary":"entry 2 (edited)"'));

    const second = new FileJournalStore(dir);
    const attempt = second.append('k', [draft(4)]);
    await expect(attempt).rejects.toThrow(JournalCorruptError);
    await expect(attempt).rejects.toThrow(/entry seq 2 \(line 2\): hash does not match/);
    await second.close();
  });
});
