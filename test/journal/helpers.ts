import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import type { JournalDraft } from '../../src/journal/index.js';

/** A small valid draft; `n` makes the id and time distinct. */
export function draft(n: number, overrides: Partial<JournalDraft> = {}): JournalDraft {
  return {
    id: `d${n}`,
    at: new Date(Date.UTC(2024, 0, 1, 0, 0, n)).toISOString(),
    incident: 'INC-1',
    run: 'run-1',
    step: `step-${n}`,
    kind: 'note',
    actor: { kind: 'system', id: 'engine' },
    summary: `entry ${n}`,
    ...overrides,
  };
}

export function drafts(count: number, from = 1): JournalDraft[] {
  return Array.from({ length: count }, (_, index) => draft(from + index));
}

/** A fresh directory per test, removed after it. */
export function useTempDir(): () => Promise<string> {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'soar-journal-'));
    dirs.push(dir);
    return dir;
  };
}
