/*
 * The embedded indicator store, under `<dataDir>/intel/`: everything lives in memory, loaded
 * at open from a snapshot plus a log of changes.
 *
 * - `indicators.log`: one JSON line per changed indicator (its whole new record, or its
 *   removal), appended and fsync'd before the change is applied or acknowledged. Replaying a
 *   line twice is harmless, since each carries a full record.
 * - `indicators.snapshot`: every record, one per line, written to a temp file, fsync'd and
 *   renamed over the old one when the log has grown past the store's size; the log is then
 *   emptied. A crash between the two replays the log over a snapshot that already has it.
 * A crash mid-append leaves a torn last line: it was never acknowledged, so it is dropped and
 * cut off the file (the next append must not be glued to it).
 *
 * CIDRs are indexed by prefix length, so an ip lookup probes at most 33 (IPv4) or 129 (IPv6)
 * keys, whatever the number of stored prefixes.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { parseCidr } from '../net/ip.js';
import type { ExtractedIndicator } from './model.js';
import { normalizeIndicator } from './normalize.js';
import {
  indicatorKey,
  isSourceDue,
  lookupIn,
  withSource,
  type ExpireCounts,
  type FeedExpiry,
  type IndicatorStore,
  type LookupResult,
  type StoredIndicator,
  type UpsertCounts,
} from './store.js';

const SNAPSHOT_CHUNK = 1 << 20;

type LogEntry = { put: StoredIndicator } | { remove: string };

export interface LocalIndicatorStoreOptions {
  /** Compact once the log holds more lines than this and than there are indicators. */
  compactAfter?: number;
}

export class LocalIndicatorStore implements IndicatorStore {
  private readonly indicators = new Map<string, StoredIndicator>();
  /** Per family, per prefix length: the keys of the stored cidrs. */
  private readonly cidrs = { 4: new Map<number, Set<string>>(), 6: new Map<number, Set<string>>() };
  private queue: Promise<unknown> = Promise.resolve();
  private logLines = 0;
  private failed: string | null = null;

  private constructor(
    readonly dir: string,
    private log: FileHandle | null,
    private readonly compactAfter: number,
  ) {}

  static async open(
    dataDir: string,
    options: LocalIndicatorStoreOptions = {},
  ): Promise<LocalIndicatorStore> {
    const dir = join(dataDir, 'intel');
    await mkdir(dir, { recursive: true });
    const store = new LocalIndicatorStore(dir, null, options.compactAfter ?? 10_000);
    for (const line of (await readBytes(store.snapshotPath)).toString('utf8').split('\n')) {
      if (line !== '') store.apply({ put: JSON.parse(line) as StoredIndicator });
    }
    const log = await readBytes(store.logPath);
    const intact = store.replay(log);
    store.log = await open(store.logPath, 'a');
    if (intact < log.length) {
      await store.log.truncate(intact);
      await store.log.sync();
    }
    return store;
  }

  get snapshotPath(): string {
    return join(this.dir, 'indicators.snapshot');
  }

  get logPath(): string {
    return join(this.dir, 'indicators.log');
  }

  upsert(
    feed: string,
    collection: string,
    indicators: readonly ExtractedIndicator[],
    now: Date,
  ): Promise<UpsertCounts> {
    return this.exclusive(async () => {
      const counts: UpsertCounts = { added: 0, updated: 0, unchanged: 0, invalid: 0 };
      const changed = new Map<string, StoredIndicator>();
      for (const { type, value, facts } of indicators) {
        const normalized = normalizeIndicator(type, value);
        if (!normalized.ok) {
          counts.invalid++;
          continue;
        }
        const key = indicatorKey(normalized.type, normalized.value);
        const existing = changed.get(key) ?? this.indicators.get(key);
        const listed = { ...facts, feed, collection };
        const { next, change } = withSource(
          existing,
          normalized.type,
          normalized.value,
          listed,
          now,
        );
        counts[change]++;
        changed.set(key, next);
      }
      await this.commit([...changed.values()].map((put) => ({ put })));
      return counts;
    });
  }

  lookup(value: string, now: Date): Promise<LookupResult> {
    return lookupIn(
      {
        // Copies: a caller editing a match must not edit the store.
        get: (keys) =>
          Promise.resolve(keys.map((key) => structuredClone(this.indicators.get(key) ?? null))),
        cidrPrefixes: (version) => Promise.resolve([...this.cidrs[version].keys()]),
      },
      value,
      now,
    );
  }

  expire(now: Date, expiry: FeedExpiry = {}): Promise<ExpireCounts> {
    return this.exclusive(async () => {
      const counts: ExpireCounts = { sources: 0, indicators: 0 };
      const entries: LogEntry[] = [];
      for (const [key, indicator] of this.indicators) {
        const kept = indicator.sources.filter((source) => !isSourceDue(source, now, expiry));
        if (kept.length === indicator.sources.length) continue;
        counts.sources += indicator.sources.length - kept.length;
        if (kept.length === 0) {
          counts.indicators++;
          entries.push({ remove: key });
        } else entries.push({ put: { ...indicator, sources: kept } });
      }
      await this.commit(entries);
      return counts;
    });
  }

  count(): Promise<number> {
    return Promise.resolve(this.indicators.size);
  }

  close(): Promise<void> {
    return this.exclusive(async () => {
      await this.log?.close();
      this.log = null;
    });
  }

  /** Writes the current state as the snapshot and empties the log. */
  compact(): Promise<void> {
    return this.exclusive(() => this.writeSnapshot());
  }

  private async commit(entries: LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    if (!this.log) throw new Error('the indicator store is closed');
    if (this.failed)
      throw new Error(`the indicator log failed earlier (${this.failed}); reopen the store`);
    try {
      // appendFile, unlike write, loops until every byte is written.
      await this.log.appendFile(entries.map((entry) => `${JSON.stringify(entry)}\n`).join(''));
      await this.log.sync();
    } catch (error) {
      // A half-written line may now end the log: appending after it would hide every later
      // change behind a line that does not parse. Reopening cuts it off.
      this.failed = String(error);
      throw error;
    }
    for (const entry of entries) this.apply(entry);
    this.logLines += entries.length;
    if (this.logLines > Math.max(this.compactAfter, this.indicators.size)) {
      await this.writeSnapshot();
    }
  }

  private async writeSnapshot(): Promise<void> {
    if (!this.log) throw new Error('the indicator store is closed');
    const temp = `${this.snapshotPath}.tmp`;
    const handle = await open(temp, 'w');
    try {
      let chunk = '';
      for (const indicator of this.indicators.values()) {
        chunk += `${JSON.stringify(indicator)}\n`;
        if (chunk.length >= SNAPSHOT_CHUNK) {
          await handle.writeFile(chunk);
          chunk = '';
        }
      }
      await handle.writeFile(chunk);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, this.snapshotPath);
    await syncDirectory(this.dir);
    await this.log.truncate(0);
    await this.log.sync();
    this.logLines = 0;
  }

  /** Applies the log's complete lines; returns the length of the intact part in bytes. */
  private replay(log: Buffer): number {
    let intact = 0;
    for (let end = log.indexOf(0x0a); end >= 0; end = log.indexOf(0x0a, intact)) {
      const entry = parseEntry(log.subarray(intact, end));
      // The first bad line starts the torn tail of an append that was never acknowledged; what
      // follows it (other pages of the same write) is part of that tail too.
      if (!entry) break;
      this.apply(entry);
      this.logLines++;
      intact = end + 1;
    }
    return intact;
  }

  private apply(entry: LogEntry): void {
    const key = 'put' in entry ? indicatorKey(entry.put.type, entry.put.value) : entry.remove;
    const cidr = key.startsWith('cidr:') ? parseCidr(key.slice('cidr:'.length)) : null;
    const byPrefix = cidr ? this.cidrs[cidr.version] : null;
    if ('put' in entry) {
      this.indicators.set(key, entry.put);
      if (cidr && byPrefix) {
        const keys = byPrefix.get(cidr.prefix) ?? new Set<string>();
        byPrefix.set(cidr.prefix, keys.add(key));
      }
      return;
    }
    this.indicators.delete(key);
    const keys = cidr ? byPrefix?.get(cidr.prefix) : undefined;
    if (cidr && keys?.delete(key) && keys.size === 0) byPrefix?.delete(cidr.prefix);
  }

  /** Runs operations one at a time: a log append must not interleave with a compaction. */
  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

function parseEntry(line: Buffer): LogEntry | null {
  try {
    const entry = JSON.parse(line.toString('utf8')) as LogEntry | null;
    return typeof entry === 'object' && entry !== null ? entry : null;
  } catch {
    return null;
  }
}

async function readBytes(path: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return Buffer.alloc(0);
    throw error;
  }
}

/** Makes a rename durable: the new directory entry is only on disk once the directory is synced. */
async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
