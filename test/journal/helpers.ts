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

/** A vault secret that a redactor is given, and the other secrets the draft below carries. */
export const VAULT_SECRET = 'vault-Secret-9f8e7d';
export const SECRETS_IN_DRAFT = [
  VAULT_SECRET,
  'eyJhbGciOi',
  'ak-live-123',
  'abc123def',
  'p4ssw0rd-xyz',
  'tok-777',
];

/**
 * A step's entry full of secrets: the vault secret in the summary, an artifact and a body,
 * credential headers and a cookie, and a URL with a password and a token (plus `page=1`,
 * which must survive redaction).
 */
export function secretLadenDraft(): JournalDraft {
  return draft(1, {
    kind: 'step.completed',
    summary: `called API with key ${VAULT_SECRET}`,
    data: {
      request: {
        headers: { Authorization: 'Bearer eyJhbGciOi.payload.sig', 'X-Api-Key': 'ak-live-123' },
      },
      response: { Set_Cookie: 'JSESSIONID=abc123def', body: `echo ${VAULT_SECRET}` },
      callback: 'https://svc:p4ssw0rd-xyz@hooks.example/cb?token=tok-777&page=1',
    },
    artifacts: [
      { type: 'url', value: `https://files.example/dl?sig=${VAULT_SECRET}`, label: 'download' },
    ],
  });
}
