import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { expect } from 'vitest';
import type { JournalEntry } from '../../src/journal/entry.js';
import { verifyEntries } from '../../src/journal/verify.js';
import type { RunSummary } from '../../src/runtime/local/local-engine.js';

/** What a golden playbook must do: status, outputs and its journal (kind and step of each entry). */
export interface Expected {
  inputs?: Record<string, unknown>;
  decisions?: { option: string; by: string }[];
  status: string;
  outputs: Record<string, unknown>;
  error?: string;
  journal: string[];
  /** Parallel branches interleave: compare the journal as a multiset, plus its first and last entries. */
  unordered?: boolean;
  max_ms?: number;
  /** Lets timers that do not hold the engine (approval timeouts) fire before checking. */
  sleep_ms?: number;
}

export const GOLDEN_PLAYBOOKS = join(import.meta.dirname, 'playbooks');
export const GOLDEN_EXPECTED = join(import.meta.dirname, 'expected');

/** Golden playbooks with an expectation file, by id. */
export function goldenNames(): string[] {
  return readdirSync(GOLDEN_PLAYBOOKS)
    .filter((f) => f.endsWith('.yaml'))
    .map((f) => basename(f, '.yaml'))
    .filter((n) => existsSync(join(GOLDEN_EXPECTED, `${n}.json`)));
}

export function loadExpected(name: string): Expected {
  return JSON.parse(readFileSync(join(GOLDEN_EXPECTED, `${name}.json`), 'utf8')) as Expected;
}

export function journalLines(entries: readonly JournalEntry[]): string[] {
  return entries.map((e) => (e.step ? `${e.kind} ${e.step}` : e.kind));
}

/** Asserts a finished golden run against its expectation. */
export function expectGolden(
  expected: Expected,
  summary: RunSummary,
  entries: readonly JournalEntry[],
): void {
  expect(verifyEntries(entries).ok).toBe(true);
  const lines = journalLines(entries);
  expect(summary.status).toBe(expected.status);
  expect(summary.outputs).toEqual(expected.outputs);
  if (expected.error) expect(summary.error).toContain(expected.error);
  else expect(summary.error).toBeUndefined();
  if (expected.unordered) {
    expect([...lines].sort()).toEqual([...expected.journal].sort());
    expect([lines[0], lines.at(-1)]).toEqual([expected.journal[0], expected.journal.at(-1)]);
  } else expect(lines).toEqual(expected.journal);
}
