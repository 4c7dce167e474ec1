import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import {
  FileJournalStore,
  createRedactor,
  journalPath,
  renderReport,
  verifyJournalText,
} from '../../src/journal/index.js';
import { SECRETS_IN_DRAFT, VAULT_SECRET, secretLadenDraft, useTempDir } from './helpers.js';

const tempDir = useTempDir();

describe('secrets never reach the stored bytes', () => {
  it('keeps vault values, credential fields and URL credentials out of the file and the reports', async () => {
    const dir = await tempDir();
    const store = new FileJournalStore(dir, {
      redactor: createRedactor({ secretValues: [VAULT_SECRET] }),
    });
    await store.append('INC-9', [secretLadenDraft()]);
    await store.close();
    const bytes = await readFile(journalPath(dir, 'INC-9'), 'utf8');
    for (const secret of SECRETS_IN_DRAFT) {
      expect(bytes).not.toContain(secret);
    }
    expect(bytes).toContain('[REDACTED]');
    expect(bytes).toContain('page=1');
    expect(verifyJournalText(bytes).ok).toBe(true);

    const entries = await new FileJournalStore(dir).read('INC-9');
    for (const format of ['md', 'html', 'json'] as const) {
      expect(renderReport(entries, format)).not.toContain(VAULT_SECRET);
    }
  });
});
