import { GENESIS, hashEntry } from './entry.js';
import type { JournalEntry } from './entry.js';

export type VerifyResult =
  | { ok: true; count: number; head: string }
  | {
      ok: false;
      /** Entries that verified before the first broken one. */
      count: number;
      firstBroken: {
        /** 1-based line in the file (index + 1 for verifyEntries). */
        line: number;
        seq: number | null;
        reason: string;
      };
    };

export interface ParsedJournal {
  /** Verification of the text, naming its first broken line. */
  result: VerifyResult;
  /**
   * Every line that parses as an entry, broken or not, so a tampered journal can still be
   * shown and reported in full (its report then shows the break rather than hiding it).
   */
  entries: JournalEntry[];
}

/** Verifies the raw bytes of a journal file: one JSON entry per line. */
export function verifyJournalText(text: string): VerifyResult {
  return parseJournalText(text).result;
}

export function verifyEntries(entries: readonly JournalEntry[]): VerifyResult {
  const walker = new ChainWalker();
  for (const [index, entry] of entries.entries()) {
    const line = index + 1;
    const broken = isEntryShaped(entry) ? walker.check(entry, line) : walker.notAnEntry(line);
    if (broken !== null) return broken;
  }
  return walker.success();
}

export function parseJournalText(text: string): ParsedJournal {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  const walker = new ChainWalker();
  const entries: JournalEntry[] = [];
  let firstBroken: VerifyResult | null = null;
  for (const [index, line] of lines.entries()) {
    const lineNumber = index + 1;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      const why = line.trim() === '' ? 'empty line' : (error as Error).message;
      firstBroken ??= walker.failure(
        lineNumber,
        null,
        `line ${lineNumber}: not valid JSON (${why})`,
      );
      continue;
    }
    if (!isEntryShaped(value)) {
      firstBroken ??= walker.notAnEntry(lineNumber);
      continue;
    }
    entries.push(value);
    firstBroken ??= walker.check(value, lineNumber);
  }
  return { result: firstBroken ?? walker.success(), entries };
}

/** Checks entries one by one, so the first broken line is named even if later ones are worse. */
class ChainWalker {
  private verified = 0;
  private head = GENESIS;
  private readonly ids = new Set<string>();

  check(value: JournalEntry, line: number): VerifyResult | null {
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
    this.verified += 1;
    return null;
  }

  notAnEntry(line: number): VerifyResult {
    const reason = `line ${line}: not a journal entry (seq, id, prev and hash are required)`;
    return this.failure(line, null, reason);
  }

  success(): VerifyResult {
    return { ok: true, count: this.verified, head: this.head };
  }

  failure(line: number, seq: number | null, reason: string): VerifyResult {
    return { ok: false, count: this.verified, firstBroken: { line, seq, reason } };
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
  // Typed callers can still hand over parsed JSON of any shape.
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Partial<Record<keyof JournalEntry, unknown>>;
  return (
    Number.isInteger(entry.seq) &&
    typeof entry.id === 'string' &&
    typeof entry.prev === 'string' &&
    typeof entry.hash === 'string'
  );
}
