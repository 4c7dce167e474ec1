import { mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { JournalDraft, JournalEntry } from './entry.js';
import { FileHandlePool, nodeJournalFileSystem } from './file-handles.js';
import type { JournalFileSystem } from './file-handles.js';
import { FileJournal } from './file-journal.js';
import { JournalCorruptError, readCompleteLines, recoverJournalFile } from './file-recovery.js';
import { assertJournalKey, isJournalKey } from './journal-key.js';
import { createRedactor } from './redact.js';
import type { Redactor } from './redact.js';
import { JournalStoreClosedError } from './store.js';
import type { JournalStore, JournalStoreOptions } from './store.js';

const EXTENSION = '.jsonl';

export interface FileJournalStoreOptions extends JournalStoreOptions {
  /** Open file descriptors kept across appends (least recently used are closed). Default 64. */
  maxOpenFiles?: number;
  fileSystem?: JournalFileSystem;
}

/** Where the journal `key` lives under `dir`; the key is validated first. */
export function journalPath(dir: string, key: string): string {
  assertJournalKey(key);
  return join(dir, `${key}${EXTENSION}`);
}

/**
 * One JSON-lines file per journal, fsync'd before an append resolves. Assumes it is the
 * only writer of `dir`: the chain head is recovered from disk once per key per process.
 */
export class FileJournalStore implements JournalStore {
  // Promises, not journals: concurrent first appends must all await the same recovery,
  // and awaiting one promise resumes its callers in call order, which keeps seq order.
  private readonly journals = new Map<string, Promise<FileJournal>>();
  private readonly redactor: Redactor;
  private readonly pool: FileHandlePool;
  private directoryReady: Promise<unknown> | null = null;
  private closed = false;

  constructor(
    readonly dir: string,
    options: FileJournalStoreOptions = {},
  ) {
    this.redactor = options.redactor ?? createRedactor();
    this.pool = new FileHandlePool(
      options.fileSystem ?? nodeJournalFileSystem,
      options.maxOpenFiles ?? 64,
    );
  }

  async append(key: string, drafts: readonly JournalDraft[]): Promise<JournalEntry[]> {
    const journal = await this.journal(key);
    return journal.append(drafts, this.redactor);
  }

  async read(key: string): Promise<JournalEntry[]> {
    const lines = (await this.readText(key)).split('\n');
    lines.pop(); // readText ends at a newline, so the last piece is always empty
    return lines.map((line, index) => {
      try {
        return JSON.parse(line) as JournalEntry;
      } catch {
        throw new JournalCorruptError(
          `journal ${JSON.stringify(key)}: line ${index + 1} is not JSON`,
        );
      }
    });
  }

  /** The stored bytes (complete lines only, after pending appends are durable), for verification. */
  async readText(key: string): Promise<string> {
    this.assertUsable(key);
    const journal = await this.journals.get(key)?.catch(() => undefined);
    await journal?.idle();
    return readCompleteLines(journalPath(this.dir, key));
  }

  /** Journals with a file on disk (a key whose first append is still in flight may be missing). */
  async keys(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return names
      .filter((name) => name.endsWith(EXTENSION))
      .map((name) => name.slice(0, -EXTENSION.length))
      .filter((key) => isJournalKey(key));
  }

  async close(): Promise<void> {
    this.closed = true;
    const journals = await Promise.all(
      [...this.journals.values()].map((pending) => pending.catch(() => null)),
    );
    await Promise.all(journals.map((journal) => journal?.idle() ?? Promise.resolve()));
    await this.pool.closeAll();
  }

  private journal(key: string): Promise<FileJournal> {
    this.assertUsable(key);
    const cached = this.journals.get(key);
    if (cached !== undefined) {
      return cached.then((journal) =>
        journal.failure === null ? journal : this.reopen(key, cached),
      );
    }
    return this.recover(key);
  }

  /** After a failed write the file may hold part of a batch: start again from what is on disk. */
  private reopen(key: string, failed: Promise<FileJournal>): Promise<FileJournal> {
    if (this.journals.get(key) !== failed) return this.journal(key);
    const path = journalPath(this.dir, key);
    return this.recover(
      key,
      this.pool.release(path).catch(() => undefined),
    );
  }

  private recover(key: string, before: Promise<unknown> = Promise.resolve()): Promise<FileJournal> {
    const path = journalPath(this.dir, key);
    this.directoryReady ??= mkdir(this.dir, { recursive: true });
    const recovering = Promise.all([this.directoryReady, before])
      .then(() => recoverJournalFile(path, key))
      .then((state) => new FileJournal(key, state, (busy) => this.pool.acquire(path, busy)));
    this.journals.set(key, recovering);
    // A failed recovery (say, EMFILE) must not stick: the next append tries again.
    recovering.catch(() => {
      if (this.journals.get(key) === recovering) this.journals.delete(key);
    });
    return recovering;
  }

  private assertUsable(key: string): void {
    if (this.closed) throw new JournalStoreClosedError();
    assertJournalKey(key);
  }
}
