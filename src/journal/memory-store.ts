import { ChainState } from './chain-state.js';
import type { JournalDraft, JournalEntry } from './entry.js';
import { assertJournalKey } from './journal-key.js';
import { createRedactor } from './redact.js';
import type { Redactor } from './redact.js';
import { JournalStoreClosedError } from './store.js';
import type { JournalStore, JournalStoreOptions } from './store.js';

interface MemoryJournal {
  state: ChainState;
  entries: JournalEntry[];
}

/** In-process journals for tests and benchmarks: same rules as the file store, no durability. */
export class MemoryJournalStore implements JournalStore {
  private readonly journals = new Map<string, MemoryJournal>();
  private readonly redactor: Redactor;
  private closed = false;

  constructor(options: JournalStoreOptions = {}) {
    this.redactor = options.redactor ?? createRedactor();
  }

  append(key: string, drafts: readonly JournalDraft[]): Promise<JournalEntry[]> {
    return settle(() => {
      this.assertUsable(key);
      let journal = this.journals.get(key);
      if (journal === undefined) {
        journal = { state: new ChainState(), entries: [] };
        this.journals.set(key, journal);
      }
      // Frozen because callers share these objects with the store: editing one must not
      // silently rewrite history that was already hashed.
      const appended = journal.state.extend(drafts, this.redactor).map(deepFreeze);
      for (const entry of appended) journal.entries.push(entry);
      return appended;
    });
  }

  read(key: string): Promise<JournalEntry[]> {
    return settle(() => {
      this.assertUsable(key);
      return [...(this.journals.get(key)?.entries ?? [])];
    });
  }

  keys(): Promise<string[]> {
    return Promise.resolve([...this.journals.keys()]);
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }

  private assertUsable(key: string): void {
    if (this.closed) throw new JournalStoreClosedError();
    assertJournalKey(key);
  }
}

/** Synchronous work behind the async interface: a throw becomes a rejection. */
function settle<T>(work: () => T): Promise<T> {
  try {
    return Promise.resolve(work());
  } catch (error) {
    return Promise.reject(error instanceof Error ? error : new Error(String(error)));
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
