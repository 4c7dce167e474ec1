/*
 * The embedded indicator store, under `<dataDir>/intel/`: everything lives in memory, loaded
 * at open from a snapshot plus a log of changes.
 *
 * - `indicators.log`: JSON lines appended and fsync'd (one write and one fsync per call)
 *   before the change is applied or acknowledged. An upsert writes one line per source it
 *   sets, `["set", type, value, feed, collection, ...]`, rather than the whole record, which
 *   for a prefix that many STIX objects list holds dozens of sources; expire writes the
 *   records it changes (`{"put": record}`) or removes (`{"remove": key}`). Replaying a line
 *   twice is harmless: each sets a source or a record to a given state.
 * - `indicators.snapshot`: every record, a thousand per line (`[[type, value, source...],
 *   ...]`), written to a temp file, fsync'd and renamed over the old one when the log has
 *   grown past the store's size; the log is then emptied. A crash between the two replays the
 *   log over a snapshot that already has it. Lines of one record as an object (`{type,
 *   value, sources}`) are read as well.
 * Sources are written as arrays of their fields (see SourceTuple), not as objects: a third
 * fewer bytes to write and fsync, and less for JSON.stringify to build.
 * A crash mid-append leaves a torn last line: it was never acknowledged, so it is dropped and
 * cut off the file (the next append must not be glued to it).
 *
 * CIDRs are indexed by prefix length, so an ip lookup probes at most 33 (IPv4) or 129 (IPv6)
 * keys, whatever the number of stored prefixes.
 */
import { mkdir, open, readFile, rename, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { ExtractedIndicator, IndicatorType, Tlp } from './model.js';
import { normalizeIndicator } from './normalize.js';
import {
  copyIndicator,
  indicatorKey,
  isSourceDue,
  lookupIn,
  setSource,
  withListing,
  type ExpireCounts,
  type FeedExpiry,
  type IndicatorStore,
  type LookupResult,
  type StoredIndicator,
  type StoredSource,
  type UpsertCounts,
} from './store.js';

/** The largest write buffer a store keeps between appends. */
const KEPT_BUFFER_BYTES = 32 << 20;
/** Records per snapshot line: one JSON.stringify for many records costs less than one each. */
const SNAPSHOT_LINE_RECORDS = 1000;

/**
 * A source's fields in a fixed order, null for a fact not given: feed, collection, first_seen,
 * last_seen, stix_id, confidence, tlp, valid_from, valid_until, title, labels.
 */
type SourceTuple = [
  string,
  string,
  string,
  string,
  string | null,
  number | null,
  Tlp | null,
  string | null,
  string | null,
  string | null,
  string[] | null,
];

type SetLine = ['set', IndicatorType, string, ...SourceTuple];
type SnapshotRecord = [IndicatorType, string, ...SourceTuple[]];

type LogEntry =
  | { set: { type: IndicatorType; value: string; source: StoredSource } }
  | { put: StoredIndicator }
  | { remove: string };

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
  private buffer = Buffer.alloc(0);

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
      if (line === '') continue;
      const parsed = JSON.parse(line) as SnapshotRecord[] | StoredIndicator;
      const indicators = Array.isArray(parsed) ? parsed.map(recordOf) : [parsed];
      for (const indicator of indicators) {
        store.put(indicatorKey(indicator.type, indicator.value), indicator);
      }
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
      const lines: SetLine[] = [];
      const origin = { feed, collection };
      const seen = now.toISOString();
      for (const { type, value, facts } of indicators) {
        const normalized = normalizeIndicator(type, value);
        if (!normalized.ok) {
          counts.invalid++;
          continue;
        }
        const key = indicatorKey(normalized.type, normalized.value);
        const existing = changed.get(key) ?? this.indicators.get(key);
        const { next, change, source } = withListing(
          existing,
          normalized.type,
          normalized.value,
          origin,
          facts,
          seen,
        );
        counts[change]++;
        changed.set(key, next);
        lines.push(setLine(next.type, next.value, source));
      }
      await this.commit(setLinesText(lines), lines.length, () => {
        for (const [key, indicator] of changed) this.put(key, indicator);
      });
      return counts;
    });
  }

  lookup(value: string, now: Date): Promise<LookupResult> {
    return lookupIn(
      {
        // Copies: a caller editing a match must not edit the store.
        get: (keys) =>
          Promise.resolve(
            keys.map((key) => {
              const indicator = this.indicators.get(key);
              return indicator ? copyIndicator(indicator) : null;
            }),
          ),
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
      const text = entries.map((entry) => `${JSON.stringify(entry)}\n`).join('');
      await this.commit(text, entries.length, () => {
        for (const entry of entries) this.apply(entry);
      });
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

  /** Appends `text` (`lines` JSON log lines) and fsyncs it, then applies it to memory. */
  private async commit(text: string, lines: number, apply: () => void): Promise<void> {
    if (lines === 0) return;
    if (!this.log) throw new Error('the indicator store is closed');
    if (this.failed)
      throw new Error(`the indicator log failed earlier (${this.failed}); reopen the store`);
    try {
      await this.append(this.log, text);
      await this.log.sync();
    } catch (error) {
      // A half-written line may now end the log: appending after it would hide every later
      // change behind a line that does not parse. Reopening cuts it off.
      this.failed = String(error);
      throw error;
    }
    apply();
    this.logLines += lines;
    if (this.logLines > Math.max(this.compactAfter, this.indicators.size)) {
      await this.writeSnapshot();
    }
  }

  /**
   * Writes all of `text` at the handle's position (the end, for the log), through a buffer
   * kept for the purpose: a new one per write costs more, in page faults, than the copy.
   * Operations run one at a time, so no write is still using the buffer.
   */
  private async append(handle: FileHandle, text: string): Promise<void> {
    // UTF-16 code units take at most three bytes of UTF-8 each.
    const needed = text.length * 3;
    let buffer: Buffer;
    if (needed > KEPT_BUFFER_BYTES) {
      // An unusually large batch: not worth keeping its buffer for the life of the store.
      buffer = Buffer.from(text, 'utf8');
    } else {
      if (this.buffer.length < needed) this.buffer = Buffer.allocUnsafe(needed);
      buffer = this.buffer.subarray(0, this.buffer.write(text, 0, 'utf8'));
    }
    for (let offset = 0; offset < buffer.length;) {
      const { bytesWritten } = await handle.write(buffer, offset, buffer.length - offset);
      offset += bytesWritten;
    }
  }

  private async writeSnapshot(): Promise<void> {
    if (!this.log) throw new Error('the indicator store is closed');
    const temp = `${this.snapshotPath}.tmp`;
    const handle = await open(temp, 'w');
    // The previous line is written while the next is built: the file system's work then
    // overlaps the serialisation rather than adding to it.
    let writing: Promise<unknown> = Promise.resolve();
    try {
      let records: SnapshotRecord[] = [];
      for (const indicator of this.indicators.values()) {
        records.push([indicator.type, indicator.value, ...indicator.sources.map(sourceTuple)]);
        if (records.length === SNAPSHOT_LINE_RECORDS) {
          const line = `${JSON.stringify(records)}\n`;
          records = [];
          await writing;
          writing = handle.writeFile(line);
        }
      }
      await writing;
      if (records.length > 0) await handle.writeFile(`${JSON.stringify(records)}\n`);
      await handle.sync();
    } finally {
      // A write still running would otherwise land on a closed handle.
      await writing.catch(() => undefined);
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
      if (entry !== 'other') this.apply(entry);
      this.logLines++;
      intact = end + 1;
    }
    return intact;
  }

  private apply(entry: LogEntry): void {
    if ('set' in entry) {
      const { type, value, source } = entry.set;
      const key = indicatorKey(type, value);
      this.put(key, setSource(this.indicators.get(key), type, value, source));
    } else if ('put' in entry) {
      this.put(indicatorKey(entry.put.type, entry.put.value), entry.put);
    } else {
      this.remove(entry.remove);
    }
  }

  private put(key: string, indicator: StoredIndicator): void {
    this.indicators.set(key, indicator);
    if (indicator.type !== 'cidr') return;
    const { version, prefix } = cidrSlot(indicator.value);
    const keys = this.cidrs[version].get(prefix);
    if (keys) keys.add(key);
    else this.cidrs[version].set(prefix, new Set([key]));
  }

  private remove(key: string): void {
    if (!this.indicators.delete(key) || !key.startsWith('cidr:')) return;
    const { version, prefix } = cidrSlot(key.slice('cidr:'.length));
    const keys = this.cidrs[version].get(prefix);
    if (keys?.delete(key) && keys.size === 0) this.cidrs[version].delete(prefix);
  }

  /** Runs operations one at a time: a log append must not interleave with a compaction. */
  private exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.queue.then(operation);
    this.queue = result.catch(() => undefined);
    return result;
  }
}

/** A log line setting a source: the tag, the indicator, then the source's tuple. */
function setLine(type: IndicatorType, value: string, source: StoredSource): SetLine {
  return ['set', type, value, ...sourceTuple(source)];
}

/**
 * The log text of set lines, one per line, from one JSON.stringify of them all: a call per
 * line costs about twice as much. The lines are cut where the array's elements meet, at
 * `],["set",`, which occurs nowhere else: inside a line the only array (labels) comes last,
 * and inside a JSON string every `"` is escaped.
 */
function setLinesText(lines: SetLine[]): string {
  return `${JSON.stringify(lines).slice(1, -1).replaceAll('],["set",', ']\n["set",')}\n`;
}

function sourceTuple(source: StoredSource): SourceTuple {
  return [
    source.feed,
    source.collection,
    source.first_seen,
    source.last_seen,
    source.stix_id ?? null,
    source.confidence ?? null,
    source.tlp ?? null,
    source.valid_from ?? null,
    source.valid_until ?? null,
    source.title ?? null,
    source.labels ?? null,
  ];
}

/** The source a tuple holds, with its fields in the order the store gives them. */
function sourceOf(tuple: SourceTuple): StoredSource {
  const [feed, collection, first_seen, last_seen, stix_id, confidence, tlp, ...rest] = tuple;
  const [valid_from, valid_until, title, labels] = rest;
  const source = { feed, collection } as StoredSource;
  if (stix_id !== null) source.stix_id = stix_id;
  if (confidence !== null) source.confidence = confidence;
  if (tlp !== null) source.tlp = tlp;
  if (valid_from !== null) source.valid_from = valid_from;
  if (valid_until !== null) source.valid_until = valid_until;
  if (title !== null) source.title = title;
  if (labels !== null) source.labels = labels;
  source.first_seen = first_seen;
  source.last_seen = last_seen;
  return source;
}

function recordOf([type, value, ...sources]: SnapshotRecord): StoredIndicator {
  return { type, value, sources: sources.map(sourceOf) };
}

/** The family and prefix length of a stored (canonical) cidr value, read off its text. */
function cidrSlot(value: string): { version: 4 | 6; prefix: number } {
  return {
    version: value.includes(':') ? 6 : 4,
    prefix: Number(value.slice(value.lastIndexOf('/') + 1)),
  };
}

/**
 * The entry a log line holds; null when it does not parse (a torn write), 'other' for a line
 * that parses but that this version does not write: not torn, so skipped rather than cut.
 */
function parseEntry(line: Buffer): LogEntry | 'other' | null {
  try {
    const entry = JSON.parse(line.toString('utf8')) as SetLine | LogEntry | null;
    if (Array.isArray(entry)) {
      const [tag, type, value, ...tuple] = entry;
      return tag === 'set' ? { set: { type, value, source: sourceOf(tuple) } } : 'other';
    }
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
