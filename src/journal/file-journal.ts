import type { ChainState } from './chain-state.js';
import type { JournalDraft, JournalEntry } from './entry.js';
import type { JournalFileHandle } from './file-handles.js';
import type { Redactor } from './redact.js';

interface Waiter {
  text: string;
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * One journal file with group commit. Entries are chained the moment append is called
 * (so order is call order and seq never skips), then wait in a queue; one write+fsync
 * carries everything that queued while the previous write+fsync was in flight.
 */
export class FileJournal {
  /** Set once a write or fsync fails; the store then recovers the key from disk afresh. */
  failure: Error | null = null;
  private queue: Waiter[] = [];
  private writing = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(
    readonly key: string,
    private readonly state: ChainState,
    private readonly acquireHandle: (busy: () => boolean) => Promise<JournalFileHandle>,
  ) {}

  // Everything before the await runs synchronously at call time, so entries are chained
  // in call order.
  async append(drafts: readonly JournalDraft[], redactor: Redactor): Promise<JournalEntry[]> {
    if (this.failure !== null) throw this.failure;
    const entries = this.state.extend(drafts, redactor);
    // Even with nothing new, wait: a skipped id may belong to an append not yet durable.
    if (entries.length === 0 && !this.writing) return entries;
    const text = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
    await new Promise<void>((resolve, reject) => {
      this.queue.push({ text, resolve, reject });
      if (!this.writing) {
        this.writing = true;
        this.drained = this.drain();
      }
    });
    return entries;
  }

  /** Resolves when everything appended so far is durable (or has failed). */
  idle(): Promise<void> {
    return this.drained;
  }

  /** Never rejects: failures go to the waiters. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        try {
          const handle = await this.acquireHandle(() => this.writing);
          const text = batch.map((waiter) => waiter.text).join('');
          if (text.length > 0) await handle.append(text);
          await handle.sync();
        } catch (error) {
          this.fail(error, batch);
          return;
        }
        for (const waiter of batch) waiter.resolve();
      }
    } finally {
      // Same synchronous step as the empty-queue check: no append can slip in between.
      this.writing = false;
    }
  }

  private fail(error: unknown, batch: Waiter[]): void {
    const cause = error instanceof Error ? error : new Error(String(error));
    // Entries queued behind the failed batch chain onto hashes that may never reach the
    // disk, so they fail too.
    this.failure = new Error(
      `journal ${JSON.stringify(this.key)}: write failed, entries are not durable: ${cause.message}`,
      { cause },
    );
    for (const waiter of [...batch, ...this.queue]) waiter.reject(this.failure);
    this.queue = [];
  }
}
