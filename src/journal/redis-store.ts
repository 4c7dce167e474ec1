import { Redis } from 'ioredis';
import type { Cluster } from 'ioredis';
import type { JournalDraft, JournalEntry } from './entry.js';
import { JournalCorruptError } from './file-recovery.js';
import { assertJournalKey, isJournalKey } from './journal-key.js';
import { createRedactor } from './redact.js';
import type { Redactor } from './redact.js';
import { RecentMap } from './recent-map.js';
import { RedisJournal } from './redis-journal.js';
import type { GuardedAppendResult } from './redis-journal.js';
import {
  DEFAULT_JOURNAL_PREFIX,
  assertJournalPrefix,
  journalDocumentKey,
  journalIndexKey,
  journalRedisKeys,
} from './redis-keys.js';
import { withJournalScripts } from './redis-scripts.js';
import type { JournalHead, JournalRedis } from './redis-scripts.js';
import { JournalStoreClosedError } from './store.js';
import type { JournalStore, JournalStoreOptions } from './store.js';

export { JournalContentionError } from './redis-journal.js';
export type { GuardedAppendResult } from './redis-journal.js';

/** A versioned document kept in a journal's slot, written only together with entries. */
export interface JournalDocument {
  version: number;
  value: string;
}
export { InvalidJournalPrefixError } from './redis-keys.js';

/** Messages per XRANGE: bounds how long one read holds the server and how big a reply gets. */
const READ_PAGE = 1000;
/**
 * Journals whose head a process remembers. A worker drives thousands of runs at once, each
 * with its own journal: a smaller cache would make most commits read the head first (a round
 * trip more per step). An entry is a few hundred bytes.
 */
const CACHED_HEADS = 100_000;

export interface RedisJournalStoreOptions extends JournalStoreOptions {
  /** Start of every key's hash tag (see redis-keys.ts); default `soar:journal`. */
  prefix?: string;
}

/**
 * Journals in Redis, shared by any number of processes: appends from several workers to one
 * journal all land, in some order, with an unbroken chain (see RedisJournal). Entries are
 * stored as the file store's lines, so reads, verification and reports agree byte for byte.
 */
export class RedisJournalStore implements JournalStore {
  readonly client: Redis | Cluster;
  private readonly scripted: JournalRedis;
  private readonly ownsClient: boolean;
  private readonly prefix: string;
  private readonly redactor: Redactor;
  private readonly heads = new RecentMap<string, JournalHead>(CACHED_HEADS);
  /** Journals this process has listed in the index. */
  private readonly listed = new RecentMap<string, true>(CACHED_HEADS);
  private readonly journals = new Map<string, RedisJournal>();
  private closing: Promise<void> | null = null;

  /** Takes a client (left open by close()) or a URL (the store's own connection). */
  constructor(connection: Redis | Cluster | string, options: RedisJournalStoreOptions = {}) {
    this.prefix = options.prefix ?? DEFAULT_JOURNAL_PREFIX;
    assertJournalPrefix(this.prefix);
    this.redactor = options.redactor ?? createRedactor();
    this.ownsClient = typeof connection === 'string';
    this.client = typeof connection === 'string' ? new Redis(connection) : connection;
    this.scripted = withJournalScripts(this.client);
  }

  // Nothing is awaited before the journal queues the drafts, so entries keep call order.
  async append(key: string, drafts: readonly JournalDraft[]): Promise<JournalEntry[]> {
    this.assertUsable(key);
    if (drafts.length === 0) return [];
    return this.journal(key).append(drafts);
  }

  /**
   * Appends `drafts` to journal `key` and writes its document `name` as `value` at version
   * `expected + 1`, in one atomic step, if the document is still at version `expected` (0: not
   * stored yet). Otherwise nothing is written and the result gives the document's version.
   */
  async appendGuarded(
    key: string,
    drafts: readonly JournalDraft[],
    document: { name: string; expected: number; value: string },
  ): Promise<GuardedAppendResult> {
    this.assertUsable(key);
    return this.journal(key).appendGuarded(drafts, {
      key: journalDocumentKey(this.prefix, key, document.name),
      expected: document.expected,
      next: document.expected + 1,
      value: document.value,
    });
  }

  /**
   * Adds `key` to the index of journals (keys()); a process lists each journal once. Appends
   * list a journal before its first entry; a caller about to write a new journal's first
   * entries may list it first, alongside its own preparations, to save the append a round trip.
   */
  async list(key: string): Promise<void> {
    this.assertUsable(key);
    if (this.listed.has(key)) return;
    await this.client.sadd(journalIndexKey(this.prefix), key);
    this.listed.set(key, true);
  }

  /** A document written by appendGuarded, or null. */
  async readDocument(key: string, name: string): Promise<JournalDocument | null> {
    this.assertUsable(key);
    const [version, value] = await this.client.hmget(
      journalDocumentKey(this.prefix, key, name),
      'v',
      'doc',
    );
    if (version == null || value == null) return null;
    return { version: Number(version), value };
  }

  async read(key: string): Promise<JournalEntry[]> {
    const lines = await this.readLines(key);
    return lines.map((line, index) => {
      try {
        return JSON.parse(line) as JournalEntry;
      } catch {
        throw new JournalCorruptError(
          `journal ${JSON.stringify(key)}: entry ${index + 1} is not JSON`,
        );
      }
    });
  }

  /** The journal as the file store's bytes (one JSON line per entry), for verifyJournalText. */
  async readText(key: string): Promise<string> {
    return (await this.readLines(key)).map((line) => `${line}\n`).join('');
  }

  /** Journals listed in the index; one whose first append failed may be listed yet empty. */
  async keys(): Promise<string[]> {
    const listed = await this.client.smembers(journalIndexKey(this.prefix));
    return listed.filter((key) => isJournalKey(key));
  }

  /** Waits for this store's appends to settle, then quits the connection if the store opened it. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.journals.values()].map((journal) => journal.idle()));
      if (this.ownsClient) await this.client.quit();
    })();
    return this.closing;
  }

  private journal(key: string): RedisJournal {
    const existing = this.journals.get(key);
    if (existing !== undefined) return existing;
    const journal = new RedisJournal(
      key,
      {
        client: this.scripted,
        keys: journalRedisKeys(this.prefix, key),
        redactor: this.redactor,
        heads: this.heads,
        register: () => this.list(key),
      },
      () => {
        if (this.journals.get(key) === journal) this.journals.delete(key);
      },
    );
    this.journals.set(key, journal);
    return journal;
  }

  /** The stored JSON lines in seq order, after this store's pending appends to `key` settle. */
  private async readLines(key: string): Promise<string[]> {
    this.assertUsable(key);
    await this.journals.get(key)?.idle();
    const { entries } = journalRedisKeys(this.prefix, key);
    const lines: string[] = [];
    let start = '-';
    for (;;) {
      const page = await this.client.xrange(entries, start, '+', 'COUNT', READ_PAGE);
      for (const [id, fields] of page) lines.push(entryField(key, id, fields));
      const last = page.at(-1);
      if (last === undefined || page.length < READ_PAGE) return lines;
      start = `(${last[0]}`;
    }
  }

  private assertUsable(key: string): void {
    if (this.closing !== null) throw new JournalStoreClosedError();
    assertJournalKey(key);
  }
}

function entryField(key: string, id: string, fields: readonly string[]): string {
  for (let index = 0; index < fields.length; index += 2) {
    const value = fields[index + 1];
    if (fields[index] === 'entry' && value !== undefined) return value;
  }
  throw new JournalCorruptError(
    `journal ${JSON.stringify(key)}: stream message ${id} has no entry field`,
  );
}
