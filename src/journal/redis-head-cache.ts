import type { JournalHead } from './redis-scripts.js';

/**
 * The head each journal had when this process last wrote to it. When this process is still
 * the journal's last writer, an append chains to the cached head and costs one round trip;
 * when another process wrote since, the compare-and-set fails and returns the real head, so a
 * stale entry costs what reading the head would have. Bounded, least recently used out:
 * a long-lived worker touches many journals, each only for a while.
 */
export class JournalHeadCache {
  // Map iteration order is insertion order: re-inserting on write makes it an LRU.
  private readonly heads = new Map<string, JournalHead>();

  constructor(private readonly limit: number) {}

  get(key: string): JournalHead | undefined {
    return this.heads.get(key);
  }

  set(key: string, head: JournalHead): void {
    this.heads.delete(key);
    this.heads.set(key, head);
    if (this.heads.size <= this.limit) return;
    const oldest = this.heads.keys().next();
    if (oldest.done !== true) this.heads.delete(oldest.value);
  }

  forget(key: string): void {
    this.heads.delete(key);
  }
}
