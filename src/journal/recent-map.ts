/**
 * A bounded map that keeps what was set most recently, the oldest entry going first past the
 * limit. Processes that live long (workers, the API) remember per-journal and per-run facts
 * this way: each is useful for a while, and memory must not grow with every run ever seen.
 */
export class RecentMap<K, V> {
  // Map iteration order is insertion order: re-inserting on set keeps the newest last.
  private readonly entries = new Map<K, V>();

  constructor(private readonly limit: number) {}

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size <= this.limit) return;
    const oldest = this.entries.keys().next();
    if (oldest.done !== true) this.entries.delete(oldest.value);
  }

  delete(key: K): void {
    this.entries.delete(key);
  }
}
