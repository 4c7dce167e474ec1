import type { JournalDraft, JournalEntry } from './entry.js';
import type { Redactor } from './redact.js';

export interface JournalStore {
  /**
   * Appends drafts in order. Drafts whose id is already in that journal are skipped, so
   * re-appending after a crash is safe. Resolves with only the newly appended entries,
   * once they are durable.
   */
  append(key: string, drafts: readonly JournalDraft[]): Promise<JournalEntry[]>;
  read(key: string): Promise<JournalEntry[]>;
  /** Ids of all journals this store holds. */
  keys(): Promise<string[]>;
  close(): Promise<void>;
}

export interface JournalStoreOptions {
  /** Applied to summary, data and artifacts before chaining. Default: name and URL rules, no secret values. */
  redactor?: Redactor;
}

export class JournalStoreClosedError extends Error {
  override name = 'JournalStoreClosedError';
  constructor() {
    super('the journal store is closed');
  }
}
