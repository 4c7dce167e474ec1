import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  FileJournalStore,
  createRedactor,
  journalPath,
  renderReport,
  verifyJournalText,
} from '../../src/journal/index.js';
import { draft, useTempDir } from './helpers.js';

const tempDir = useTempDir();

describe('secrets never reach the stored bytes', () => {
  it('keeps vault values, credential fields and URL credentials out of the file and the reports', async () => {
    const dir = await tempDir();
    const vaultSecret = 'vault-Secret-9f8e7d';
    const store = new FileJournalStore(dir, {
      redactor: createRedactor({ secretValues: [vaultSecret] }),
    });
    await store.append('INC-9', [
      draft(1, {
        kind: 'step.completed',
        summary: `called API with key ${vaultSecret}`,
        data: {
          request: {
            headers: { Authorization: 'Bearer eyJhbGciOi.payload.sig', 'X-Api-Key': 'ak-live-123' },
          },
          response: { Set_Cookie: 'JSESSIONID=abc123def', body: `echo ${vaultSecret}` },
          callback: 'https://svc:p4ssw0rd-xyz@hooks.example/cb?token=tok-777&page=1',
        },
        artifacts: [
          { type: 'url', value: `https://files.example/dl?sig=${vaultSecret}`, label: 'download' },
        ],
      }),
    ]);
    await store.close();
    const bytes = await readFile(journalPath(dir, 'INC-9'), 'utf8');
    for (const secret of [
      vaultSecret,
      'eyJhbGciOi',
      'ak-live-123',
      'abc123def',
      'p4ssw0rd-xyz',
      'tok-777',
    ]) {
      expect(bytes).not.toContain(secret);
    }
    expect(bytes).toContain('[REDACTED]');
    expect(bytes).toContain('page=1');
    expect(verifyJournalText(bytes).ok).toBe(true);

    const entries = await new FileJournalStore(dir).read('INC-9');
    for (const format of ['md', 'html', 'json'] as const) {
      expect(renderReport(entries, format)).not.toContain(vaultSecret);
    }
  });
});
