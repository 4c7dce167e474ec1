/*
 * Where journals live in Redis. Every key of one journal carries the hash tag
 * `{<prefix>:<journal key>}`, so in a Redis Cluster a journal sits in one slot and one
 * script can read and advance all of its keys atomically:
 *
 *   {P:<key>}:entries  STREAM, one message per entry: message id `<seq>-0`, field `entry`
 *                      holding the exact JSON line the file store writes
 *   {P:<key>}:head     HASH {seq, hash} of the newest entry: what the next entry chains to
 *   {P:<key>}:ids      HASH entry id -> seq, so a re-append is recognised without a scan
 *   {P:<key>}:doc:<n> HASH {v, doc}: a document kept in the journal's slot and written with
 *                      its entries (a run's state: see appendGuarded)
 *   {P}:journals       SET of journal keys, for keys(). Its own slot: it is written outside
 *                      the append script, before a journal's first entry
 *
 * A stream rather than a list because its message ids are the seq: Redis itself refuses an
 * XADD whose id is not above the newest one, so no write, however buggy, can reorder the
 * journal; XRANGE reads any seq range in O(log n), where LRANGE pays for the offset; and
 * there is no command that rewrites a message in place.
 */

export const DEFAULT_JOURNAL_PREFIX = 'soar:journal';

export interface JournalRedisKeys {
  entries: string;
  head: string;
  ids: string;
}

export class InvalidJournalPrefixError extends Error {
  override name = 'InvalidJournalPrefixError';
}

/** A brace in the prefix would end or open the hash tag early and split a journal across slots. */
export function assertJournalPrefix(prefix: string): void {
  if (prefix === '' || /[{}]/.test(prefix)) {
    throw new InvalidJournalPrefixError(
      `journal key prefix ${JSON.stringify(prefix)}: must be non-empty, without braces`,
    );
  }
}

/** The keys of one journal; `key` must already be a valid journal key (it has no braces). */
export function journalRedisKeys(prefix: string, key: string): JournalRedisKeys {
  const tag = `{${prefix}:${key}}`;
  return { entries: `${tag}:entries`, head: `${tag}:head`, ids: `${tag}:ids` };
}

export function journalIndexKey(prefix: string): string {
  return `{${prefix}}:journals`;
}

/** A document kept in a journal's slot (see appendEntries-4); `name` must not contain braces. */
export function journalDocumentKey(prefix: string, key: string, name: string): string {
  if (/[{}]/.test(name)) throw new Error(`document name ${JSON.stringify(name)} has a brace`);
  return `{${prefix}:${key}}:doc:${name}`;
}
