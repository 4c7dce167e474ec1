import type { Cluster, Redis } from 'ioredis';
import { GENESIS } from './entry.js';
import type { JournalEntry } from './entry.js';
import type { JournalRedisKeys } from './redis-keys.js';

/** Seq and hash of the newest entry of a journal: 0 and GENESIS while it has none. */
export interface JournalHead {
  seq: number;
  hash: string;
}

/*
 * appendEntries-4: compare-and-set append of a batch already chained by the client (SHA-256
 * over canonical JSON is computed in Node, so the script only checks that the head the batch
 * was chained to is still the head). It may also write a guarded document in the journal's
 * slot, such as the state of a run whose commit produced the entries, so that the document
 * and the entries land together or not at all.
 *
 * KEYS[1] head HASH {seq, hash}
 * KEYS[2] ids HASH entry id -> seq
 * KEYS[3] entries STREAM
 * KEYS[4] guarded document HASH {v, doc} (any key of the slot when ARGV[1] is '')
 * ARGV[1] version the document must have ('' for no document, 0 for a document not yet stored)
 * ARGV[2] the document's new version
 * ARGV[3] the document's new content
 * ARGV[4] seq the batch was chained after (0: the journal was empty)
 * ARGV[5] hash the batch was chained after ('' when ARGV[4] is 0)
 * ARGV[6] hash of the batch's last entry: the new head
 * ARGV[7..] pairs of entry id and entry JSON, for seq ARGV[4] + 1, ARGV[4] + 2, ...
 *
 * Returns, writing only in the first case:
 *  { 1 }                          appended (and the document written)
 *  { 2, version }                 the document is not at the expected version: its version
 *  { 0, seq, hash, s1, ..., sN }  the head moved or an id is already stored: the current head
 *                                 (hash '' at seq 0) and, per pair, 1 if its id is stored
 *  { -1, seq, streamSeq }         the head does not match the newest entry, or has no hash:
 *                                 damaged outside this script
 */
const APPEND_ENTRIES_LUA = `
local guarded = ARGV[1] ~= ''
if guarded then
  local version = tonumber(redis.call('HGET', KEYS[4], 'v')) or 0
  if version ~= tonumber(ARGV[1]) then return {2, version} end
end

local head = redis.call('HMGET', KEYS[1], 'seq', 'hash')
local seq = tonumber(head[1]) or 0
local hash = head[2] or ''
local newest = redis.call('XREVRANGE', KEYS[3], '+', '-', 'COUNT', 1)[1]
local streamSeq = 0
if newest then streamSeq = tonumber(string.match(newest[1], '^(%d+)-')) end
if streamSeq ~= seq or (seq > 0 and hash == '') then return {-1, seq, streamSeq} end

local expected = tonumber(ARGV[4])
local hasEntries = #ARGV >= 7
local stale = hasEntries and (seq ~= expected or (seq > 0 and hash ~= ARGV[5]))
-- Hash commands take many fields at once, in slices that unpack can always spread.
local function slices(list, each)
  for first = 1, #list, 1000 do each(unpack(list, first, math.min(first + 999, #list))) end
end
local stored = {}
if hasEntries then
  local ids = {}
  for i = 7, #ARGV, 2 do ids[#ids + 1] = ARGV[i] end
  slices(ids, function(...)
    for _, seqOfId in ipairs(redis.call('HMGET', KEYS[2], ...)) do
      if seqOfId then stale = true end
      stored[#stored + 1] = seqOfId and 1 or 0
    end
  end)
end
if stale then
  local reply = {0, seq, hash}
  for _, present in ipairs(stored) do reply[#reply + 1] = present end
  return reply
end

if hasEntries then
  local appended = expected
  local seqs = {}
  for i = 7, #ARGV, 2 do
    appended = appended + 1
    local id = string.format('%d', appended)
    redis.call('XADD', KEYS[3], id .. '-0', 'entry', ARGV[i + 1])
    seqs[#seqs + 1] = ARGV[i]
    seqs[#seqs + 1] = id
  end
  slices(seqs, function(...) redis.call('HSET', KEYS[2], ...) end)
  redis.call('HSET', KEYS[1], 'seq', string.format('%d', appended), 'hash', ARGV[6])
end
if guarded then redis.call('HSET', KEYS[4], 'v', ARGV[2], 'doc', ARGV[3]) end
return {1}
`;

const APPEND_ENTRIES_COMMAND = 'soarJournalAppendEntries';

type ScriptArg = string | number;
export type JournalRedis = (Redis | Cluster) & {
  [APPEND_ENTRIES_COMMAND](...args: ScriptArg[]): Promise<unknown>;
};

/** Registers the scripts (EVALSHA, falling back to EVAL once per connection) on the client. */
export function withJournalScripts(client: Redis | Cluster): JournalRedis {
  client.defineCommand(APPEND_ENTRIES_COMMAND, { numberOfKeys: 4, lua: APPEND_ENTRIES_LUA });
  return client as JournalRedis;
}

export type AppendOutcome =
  | { status: 'appended'; head: JournalHead }
  | { status: 'conflict'; head: JournalHead; storedIds: string[] }
  | { status: 'guard-failed'; version: number }
  | { status: 'inconsistent'; headSeq: number; streamSeq: number };

/** A document written with a batch, only if it is still at `expected` (0: not stored yet). */
export interface GuardedWrite {
  key: string;
  expected: number;
  next: number;
  value: string;
}

/**
 * Writes `entries`, chained after `head`, only if `head` is still the journal's head (and,
 * with `guard`, only if the guarded document is still at its expected version).
 */
export async function appendEntries(
  client: JournalRedis,
  keys: JournalRedisKeys,
  head: JournalHead,
  entries: readonly JournalEntry[],
  guard?: GuardedWrite,
): Promise<AppendOutcome> {
  const last = entries.at(-1);
  if (last === undefined && guard === undefined) return { status: 'appended', head };
  const args: ScriptArg[] = [keys.head, keys.ids, keys.entries, guard?.key ?? keys.head];
  if (guard) args.push(guard.expected, guard.next, guard.value);
  else args.push('', '', '');
  args.push(head.seq, head.seq === 0 ? '' : head.hash, last?.hash ?? '');
  // The same bytes as a line of the file store, so both stores hand back identical entries.
  for (const entry of entries) args.push(entry.id, JSON.stringify(entry));
  const reply = await client[APPEND_ENTRIES_COMMAND](...args);
  if (!Array.isArray(reply)) throw unexpectedReply(reply);
  const [status, seq, hashOrStreamSeq, ...flags] = reply as unknown[];
  switch (status) {
    case 1:
      return { status: 'appended', head: last ? { seq: last.seq, hash: last.hash } : head };
    case 2:
      return { status: 'guard-failed', version: Number(seq) };
    case 0:
      return {
        status: 'conflict',
        head: { seq: Number(seq), hash: Number(seq) === 0 ? GENESIS : String(hashOrStreamSeq) },
        storedIds: entries.filter((_, index) => flags[index] === 1).map((entry) => entry.id),
      };
    case -1:
      return { status: 'inconsistent', headSeq: Number(seq), streamSeq: Number(hashOrStreamSeq) };
    default:
      throw unexpectedReply(reply);
  }
}

function unexpectedReply(reply: unknown): Error {
  return new Error(`${APPEND_ENTRIES_COMMAND}: unexpected reply ${JSON.stringify(reply)}`);
}
