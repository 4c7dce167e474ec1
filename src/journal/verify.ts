import { GENESIS, hashEntry } from './entry.js';
import type { JournalEntry } from './entry.js';

export type VerifyResult =
  | { ok: true; count: number; head: string }
  | {
      ok: false;
      /** Entries that verified before the first broken one. */
      count: number;
      firstBroken: {
        line: number /* 1-based line in the file */;
        seq: number | null;
        reason: string;
      };
    };

export interface ParsedJournal {
  result: VerifyResult;
  /** The entries up to (not including) the first broken line. */
  entries: JournalEntry[];
}

/** Verifies the raw bytes of a journal file: one JSON entry per line. */
export function verifyJournalText(text: string): VerifyResult {
  return parseJournalText(text).result;
}

export function verifyEntries(entries: readonly JournalEntry[]): VerifyResult {
  const walker = new ChainWalker();
  for (const [index, entry] of entries.entries()) {
    const broken = walker.check(entry, index + 1);
    if (broken !== null) return broken;
  }
  return walker.success();
}

export function parseJournalText(text: string): ParsedJournal {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const walker = new ChainWalker();
  for (const [index, line] of lines.entries()) {
    const lineNumber = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const why = line.trim() === '' ? 'empty line' : (error as Error).message;
      return {
        result: walker.failure(lineNumber, null, `line ${lineNumber}: not valid JSON (${why})`),
        entries: walker.entries,
      };
    }
    const broken = walker.check(value, lineNumber);
    if (broken !== null) return { result: broken, entries: walker.entries };
  }
  return { result: walker.success(), entries: walker.entries };
}

/** Checks entries one by one, so the first broken line is named even if later ones are worse. */
class ChainWalker {
  readonly entries: JournalEntry[] = [];
  private head = GENESIS;
  private readonly ids = new Set<string>();

  check(value: unknown, line: number): VerifyResult | null {
    if (!isEntryShaped(value)) {
      return this.failure(
        line,
        null,
        `line ${line}: not a journal entry (seq, id, prev and hash are required)`,
      );
    }
    const { seq } = value;
    const where = `entry seq ${seq} (line ${line})`;
    if (seq >= 1 && seq < line) {
      return this.failure(line, seq, `${where}: duplicate seq ${seq} (an entry was repeated)`);
    }
    if (seq !== line) {
      return this.failure(
        line,
        seq,
        `line ${line}: expected seq ${line}, found seq ${seq} (an entry was removed or reordered)`,
      );
    }
    const { hash, ...unhashed } = value;
    if (safeHash(unhashed) !== hash) {
      return this.failure(line, seq, `${where}: hash does not match its content (altered?)`);
    }
    if (line === 1 && value.prev !== GENESIS) {
      return this.failure(
        line,
        seq,
        `${where}: prev is not GENESIS (the start of the journal is missing or was altered)`,
      );
    }
    if (value.prev !== this.head) {
      return this.failure(
        line,
        seq,
        `${where}: prev does not match the hash of entry seq ${seq - 1} (an entry was removed, reordered or altered)`,
      );
    }
    if (this.ids.has(value.id)) {
      return this.failure(line, seq, `${where}: duplicate id ${JSON.stringify(value.id)}`);
    }
    this.ids.add(value.id);
    this.head = hash;
    this.entries.push(value);
    return null;
  }

  success(): VerifyResult {
    return { ok: true, count: this.entries.length, head: this.head };
  }

  failure(line: number, seq: number | null, reason: string): VerifyResult {
    return { ok: false, count: this.entries.length, firstBroken: { line, seq, reason } };
  }
}

function safeHash(unhashed: Omit<JournalEntry, 'hash'>): string | null {
  try {
    return hashEntry(unhashed);
  } catch {
    return null; // e.g. NaN in an in-memory entry: no canonical form, so nothing can match
  }
}

function isEntryShaped(value: unknown): value is JournalEntry {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Partial<Record<keyof JournalEntry, unknown>>;
  return (
    Number.isInteger(entry.seq) &&
    typeof entry.id === 'string' &&
    typeof entry.prev === 'string' &&
    typeof entry.hash === 'string'
  );
}
