import { describe, expect, it } from 'vitest';
import {
  GENESIS,
  MemoryJournalStore,
  chainEntry,
  parseJournalText,
  verifyEntries,
  verifyJournalText,
} from '../../src/journal/index.js';
import type { JournalEntry } from '../../src/journal/index.js';
import { draft, drafts } from './helpers.js';

async function journalLines(count: number): Promise<string[]> {
  const store = new MemoryJournalStore();
  const entries = await store.append('k', drafts(count));
  return entries.map((entry) => JSON.stringify(entry));
}

const asText = (lines: readonly string[]): string => lines.map((line) => `${line}\n`).join('');

function brokenAt(text: string): { line: number; seq: number | null; reason: string } {
  const result = verifyJournalText(text);
  if (result.ok) throw new Error('expected the journal to be broken');
  return result.firstBroken;
}

describe('verifyJournalText', () => {
  it('accepts an intact journal and reports its head hash', async () => {
    const lines = await journalLines(10);
    const last = JSON.parse(lines[9]!) as JournalEntry;
    expect(verifyJournalText(asText(lines))).toEqual({ ok: true, count: 10, head: last.hash });
    expect(verifyJournalText('')).toEqual({ ok: true, count: 0, head: GENESIS });
  });

  it('names an altered field of any line as a hash mismatch on that line', async () => {
    const lines = await journalLines(10);
    lines[6] = lines[6]!.replace('"entry 7"', '"entry 7 (benign)"');
    expect(brokenAt(asText(lines))).toEqual({
      line: 7,
      seq: 7,
      reason: 'entry seq 7 (line 7): hash does not match its content (altered?)',
    });
    const nested = await journalLines(3);
    nested[1] = nested[1]!.replace('"kind":"system"', '"kind":"user"');
    expect(brokenAt(asText(nested))).toMatchObject({ line: 2, seq: 2 });
  });

  it('detects an added field even though the hash field is untouched', async () => {
    const lines = await journalLines(3);
    lines[2] = lines[2]!.replace('{"seq":3,', '{"seq":3,"approvedBy":"mallory",');
    expect(brokenAt(asText(lines))).toMatchObject({
      line: 3,
      reason: expect.stringMatching(/hash does not match/),
    });
  });

  it('names a removed line', async () => {
    const lines = await journalLines(10);
    lines.splice(4, 1);
    expect(brokenAt(asText(lines))).toEqual({
      line: 5,
      seq: 6,
      reason: 'line 5: expected seq 5, found seq 6 (an entry was removed or reordered)',
    });
  });

  it('names the first of two swapped lines', async () => {
    const lines = await journalLines(6);
    [lines[2], lines[3]] = [lines[3]!, lines[2]!];
    expect(brokenAt(asText(lines))).toMatchObject({ line: 3, seq: 4 });
    expect(brokenAt(asText(lines)).reason).toMatch(/expected seq 3, found seq 4/);
  });

  it('names a line that is not JSON, and an empty line', async () => {
    const lines = await journalLines(5);
    lines[3] = '{"seq":4, oops';
    expect(brokenAt(asText(lines))).toMatchObject({ line: 4, seq: null });
    expect(brokenAt(asText(lines)).reason).toMatch(/^line 4: not valid JSON/);
    const blank = await journalLines(3);
    blank.splice(1, 0, '');
    expect(brokenAt(asText(blank)).reason).toBe('line 2: not valid JSON (empty line)');
  });

  it('names a duplicated line', async () => {
    const lines = await journalLines(4);
    lines.splice(2, 0, lines[1]!);
    expect(brokenAt(asText(lines))).toEqual({
      line: 3,
      seq: 2,
      reason: 'entry seq 2 (line 3): duplicate seq 2 (an entry was repeated)',
    });
  });

  it('names a first entry whose prev is not GENESIS', () => {
    const first = chainEntry(draft(1), 1, 'ab'.repeat(32));
    expect(brokenAt(asText([JSON.stringify(first)]))).toEqual({
      line: 1,
      seq: 1,
      reason:
        'entry seq 1 (line 1): prev is not GENESIS (the start of the journal is missing or was altered)',
    });
  });

  it('names an entry whose prev does not link to the previous hash (rehashed after tampering)', () => {
    const one = chainEntry(draft(1), 1, GENESIS);
    const two = chainEntry(draft(2), 2, one.hash);
    const forgedThree = chainEntry(draft(3), 3, 'f'.repeat(64));
    const text = asText([one, two, forgedThree].map((entry) => JSON.stringify(entry)));
    expect(brokenAt(text)).toMatchObject({ line: 3, seq: 3 });
    expect(brokenAt(text).reason).toMatch(/prev does not match the hash of entry seq 2/);
  });

  it('reports the FIRST broken line when several are broken', async () => {
    const lines = await journalLines(8);
    lines[6] = 'garbage';
    lines[2] = lines[2]!.replace('"entry 3"', '"entry three"');
    expect(brokenAt(asText(lines)).line).toBe(3);
  });

  it('counts the entries verified before the break', async () => {
    const lines = await journalLines(8);
    lines[5] = 'garbage';
    expect(verifyJournalText(asText(lines))).toMatchObject({ ok: false, count: 5 });
  });
});

describe('parseJournalText', () => {
  it('returns every entry-shaped line, even past the first break, with the verdict', async () => {
    const lines = await journalLines(5);
    lines[1] = lines[1]!.replace('"entry 2"', '"entry 2!"');
    lines[3] = 'not json';
    const { result, entries } = parseJournalText(asText(lines));
    expect(result).toMatchObject({ ok: false, count: 1, firstBroken: { line: 2 } });
    expect(entries.map((entry) => entry.seq)).toEqual([1, 2, 3, 5]);
  });
});

describe('verifyEntries', () => {
  it('verifies parsed entries with the same rules, lines numbered from 1', () => {
    const one = chainEntry(draft(1), 1, GENESIS);
    const two = chainEntry(draft(2), 2, one.hash);
    expect(verifyEntries([one, two])).toEqual({ ok: true, count: 2, head: two.hash });
    expect(verifyEntries([two])).toMatchObject({ ok: false, firstBroken: { line: 1, seq: 2 } });
    expect(verifyEntries([one, { ...two, summary: 'changed' }])).toMatchObject({
      ok: false,
      firstBroken: { line: 2, seq: 2 },
    });
  });
});
