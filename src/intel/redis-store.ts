/*
 * The Redis indicator store, shared by every worker. Every key starts with the prefix in
 * braces (`{soar:intel}:...`), a Cluster hash tag: the keys of one store sit in one slot, so
 * one script may touch several of them atomically.
 *
 *   {P}:ind:<type>:<value>   hash per indicator: `f:<source>` the source's facts (JSON in a
 *                            fixed key order, compared as a string), `s:<source>` its first
 *                            and last seen instants, space-separated
 *   {P}:all                  set of `<type>:<value>`, for count()
 *   {P}:valid-until          zset of `<type>:<value>\n<source>` by valid_until (ms)
 *   {P}:seen:<feed>          zset of the same members by last_seen (ms), one per feed
 *   {P}:feeds                set of the feeds that have a seen zset
 *   {P}:cidr-prefixes:<4|6>  zset of prefix length -> how many cidrs of that length are
 *                            stored, so an ip lookup probes only the lengths in use
 *
 * Upserts and removals are atomic per indicator (one script call each); a batch is pipelined.
 */
import { Redis, type ChainableCommander, type Cluster } from 'ioredis';
import { parseCidr } from '../net/ip.js';
import type { ExtractedIndicator } from './model.js';
import { normalizeIndicator } from './normalize.js';
import {
  factsFingerprint,
  indicatorKey,
  lookupIn,
  sortSources,
  sourceKey,
  type ExpireCounts,
  type FeedExpiry,
  type IndicatorStore,
  type LookupResult,
  type StoredIndicator,
  type StoredSource,
  type UpsertCounts,
} from './store.js';

/*
 * upsertSource (6 keys): one source's listing of one indicator.
 * KEYS[1] indicator hash, KEYS[2] all set, KEYS[3] valid-until zset, KEYS[4] the feed's seen
 * zset, KEYS[5] feeds set, KEYS[6] the family's cidr-prefixes zset.
 * ARGV[1] `<type>:<value>`, ARGV[2] source key, ARGV[3] facts JSON, ARGV[4] now (ISO),
 * ARGV[5] now (ms), ARGV[6] valid_until (ms) or '', ARGV[7] feed, ARGV[8] cidr prefix or ''.
 * Returns 2 added (new indicator), 1 updated (new source or other facts), 0 unchanged.
 */
const UPSERT_SOURCE = `
local created = redis.call('EXISTS', KEYS[1]) == 0
local factsField = 'f:' .. ARGV[2]
local seenField = 's:' .. ARGV[2]
local previous = redis.call('HGET', KEYS[1], factsField)
local seen = redis.call('HGET', KEYS[1], seenField)
local firstSeen = ARGV[4]
if seen then firstSeen = string.sub(seen, 1, string.find(seen, ' ', 1, true) - 1) end
redis.call('HSET', KEYS[1], factsField, ARGV[3], seenField, firstSeen .. ' ' .. ARGV[4])
local member = ARGV[1] .. '\\n' .. ARGV[2]
if ARGV[6] == '' then
  redis.call('ZREM', KEYS[3], member)
else
  redis.call('ZADD', KEYS[3], ARGV[6], member)
end
redis.call('ZADD', KEYS[4], ARGV[5], member)
redis.call('SADD', KEYS[5], ARGV[7])
if created then
  redis.call('SADD', KEYS[2], ARGV[1])
  if ARGV[8] ~= '' then redis.call('ZINCRBY', KEYS[6], 1, ARGV[8]) end
  return 2
end
if previous == ARGV[3] then return 0 end
return 1
`;

/*
 * expireSource (5 keys): removes one source if it is still due (an upsert may have refreshed
 * it since expire() read the zsets), and its indicator when no source is left.
 * KEYS[1] indicator hash, KEYS[2] all set, KEYS[3] valid-until zset, KEYS[4] the feed's seen
 * zset, KEYS[5] the family's cidr-prefixes zset.
 * ARGV[1] `<type>:<value>`, ARGV[2] source key, ARGV[3] now (ms), ARGV[4] last_seen cutoff
 * (ms, due when older) or '', ARGV[5] cidr prefix or ''.
 * Returns 0 not due, 1 source removed, 2 source and indicator removed.
 */
const EXPIRE_SOURCE = `
local member = ARGV[1] .. '\\n' .. ARGV[2]
local due = false
local validUntil = redis.call('ZSCORE', KEYS[3], member)
if validUntil and tonumber(validUntil) <= tonumber(ARGV[3]) then due = true end
if not due and ARGV[4] ~= '' then
  local lastSeen = redis.call('ZSCORE', KEYS[4], member)
  if lastSeen and tonumber(lastSeen) < tonumber(ARGV[4]) then due = true end
end
if not due then return 0 end
redis.call('HDEL', KEYS[1], 'f:' .. ARGV[2], 's:' .. ARGV[2])
redis.call('ZREM', KEYS[3], member)
redis.call('ZREM', KEYS[4], member)
if redis.call('EXISTS', KEYS[1]) == 1 then return 1 end
redis.call('SREM', KEYS[2], ARGV[1])
if ARGV[5] ~= '' then
  redis.call('ZINCRBY', KEYS[5], -1, ARGV[5])
  redis.call('ZREMRANGEBYSCORE', KEYS[5], '-inf', 0)
end
return 2
`;

type ScriptArgs = (string | number)[];
type ScriptedPipeline = ChainableCommander & {
  soarIntelUpsertSource(...args: ScriptArgs): ChainableCommander;
  soarIntelExpireSource(...args: ScriptArgs): ChainableCommander;
};

/** Pipelines at most this many calls: bounds client memory and server blocking per batch. */
const BATCH = 500;

export interface RedisIndicatorStoreOptions {
  /** Wrapped in braces as the keys' hash tag; default `soar:intel`. */
  prefix?: string;
}

export class RedisIndicatorStore implements IndicatorStore {
  private readonly tag: string;

  constructor(
    private readonly client: Redis | Cluster,
    options: RedisIndicatorStoreOptions = {},
    private readonly ownsClient = false,
  ) {
    const prefix = options.prefix ?? 'soar:intel';
    if (prefix === '' || /[{}]/.test(prefix)) {
      throw new Error(`intel store prefix '${prefix}': must be non-empty, without braces`);
    }
    this.tag = `{${prefix}}`;
    client.defineCommand('soarIntelUpsertSource', { numberOfKeys: 6, lua: UPSERT_SOURCE });
    client.defineCommand('soarIntelExpireSource', { numberOfKeys: 5, lua: EXPIRE_SOURCE });
  }

  /** A store over its own connection to `url`, closed by close(). */
  static connect(url: string, options: RedisIndicatorStoreOptions = {}): RedisIndicatorStore {
    return new RedisIndicatorStore(new Redis(url), options, true);
  }

  async upsert(
    feed: string,
    collection: string,
    indicators: readonly ExtractedIndicator[],
    now: Date,
  ): Promise<UpsertCounts> {
    const counts: UpsertCounts = { added: 0, updated: 0, unchanged: 0, invalid: 0 };
    const calls: ScriptArgs[] = [];
    for (const { type, value, facts } of indicators) {
      const normalized = normalizeIndicator(type, value);
      if (!normalized.ok) {
        counts.invalid++;
        continue;
      }
      const id = indicatorKey(normalized.type, normalized.value);
      const cidr = normalized.type === 'cidr' ? parseCidr(normalized.value) : null;
      const listed = { ...facts, feed, collection };
      const validUntil = facts.valid_until ? Date.parse(facts.valid_until) : NaN;
      calls.push([
        this.key('ind', id),
        this.key('all'),
        this.key('valid-until'),
        this.key('seen', feed),
        this.key('feeds'),
        this.key('cidr-prefixes', String(cidr?.version ?? 4)),
        id,
        sourceKey(listed),
        factsFingerprint(listed),
        now.toISOString(),
        now.getTime(),
        Number.isNaN(validUntil) ? '' : validUntil,
        feed,
        cidr ? cidr.prefix : '',
      ]);
    }
    const results = await this.run(calls, (pipeline, args) =>
      pipeline.soarIntelUpsertSource(...args),
    );
    for (const result of results) {
      counts[result === 2 ? 'added' : result === 1 ? 'updated' : 'unchanged']++;
    }
    return counts;
  }

  lookup(value: string, now: Date): Promise<LookupResult> {
    return lookupIn(
      {
        get: async (keys) => {
          const pipeline = this.client.pipeline();
          for (const key of keys) pipeline.hgetall(this.key('ind', key));
          const hashes = (await exec(pipeline)) as Record<string, string>[];
          return hashes.map((hash, index) => parseIndicator(keys[index]!, hash));
        },
        cidrPrefixes: async (version) =>
          (await this.client.zrange(this.key('cidr-prefixes', String(version)), '0', '-1')).map(
            Number,
          ),
      },
      value,
      now,
    );
  }

  async expire(now: Date, expiry: FeedExpiry = {}): Promise<ExpireCounts> {
    const cutoffs = new Map<string, number>();
    const due = new Set(
      await this.client.zrangebyscore(this.key('valid-until'), '-inf', String(now.getTime())),
    );
    for (const feed of await this.client.smembers(this.key('feeds'))) {
      const lifetime = expiry.byFeed?.[feed] ?? expiry.defaultMs;
      if (lifetime === undefined) continue;
      cutoffs.set(feed, now.getTime() - lifetime);
      const stale = await this.client.zrangebyscore(
        this.key('seen', feed),
        '-inf',
        `(${now.getTime() - lifetime}`,
      );
      for (const member of stale) due.add(member);
    }
    const calls = [...due].map((member): ScriptArgs => {
      const split = member.indexOf('\n');
      const id = member.slice(0, split);
      const source = member.slice(split + 1);
      const feed = (JSON.parse(source) as [string])[0];
      const cidr = id.startsWith('cidr:') ? parseCidr(id.slice('cidr:'.length)) : null;
      return [
        this.key('ind', id),
        this.key('all'),
        this.key('valid-until'),
        this.key('seen', feed),
        this.key('cidr-prefixes', String(cidr?.version ?? 4)),
        id,
        source,
        now.getTime(),
        cutoffs.get(feed) ?? '',
        cidr ? cidr.prefix : '',
      ];
    });
    const results = await this.run(calls, (pipeline, args) =>
      pipeline.soarIntelExpireSource(...args),
    );
    return {
      sources: results.filter((result) => result !== 0).length,
      indicators: results.filter((result) => result === 2).length,
    };
  }

  count(): Promise<number> {
    return this.client.scard(this.key('all'));
  }

  async close(): Promise<void> {
    if (this.ownsClient) await this.client.quit();
  }

  private key(...parts: string[]): string {
    return [this.tag, ...parts].join(':');
  }

  private async run(
    calls: ScriptArgs[],
    add: (pipeline: ScriptedPipeline, args: ScriptArgs) => void,
  ): Promise<number[]> {
    const results: number[] = [];
    for (let start = 0; start < calls.length; start += BATCH) {
      const pipeline = this.client.pipeline() as ScriptedPipeline;
      for (const args of calls.slice(start, start + BATCH)) add(pipeline, args);
      results.push(...((await exec(pipeline)) as number[]));
    }
    return results;
  }
}

async function exec(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  return replies.map(([error, result]) => {
    if (error) throw error;
    return result;
  });
}

function parseIndicator(id: string, hash: Record<string, string>): StoredIndicator | null {
  const sources: StoredSource[] = [];
  for (const [field, facts] of Object.entries(hash)) {
    if (!field.startsWith('f:')) continue;
    const [first_seen = '', last_seen = ''] = (hash[`s:${field.slice(2)}`] ?? '').split(' ');
    const listed = JSON.parse(facts) as Omit<StoredSource, 'first_seen' | 'last_seen'>;
    sources.push({ ...listed, first_seen, last_seen });
  }
  if (sources.length === 0) return null;
  const colon = id.indexOf(':');
  const type = id.slice(0, colon) as StoredIndicator['type'];
  return { type, value: id.slice(colon + 1), sources: sortSources(sources) };
}
