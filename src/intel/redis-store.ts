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
 * An upsert runs one script call per chunk of indicators (atomic per chunk, so per indicator
 * too), the chunks pipelined; a removal is one script call per source, pipelined.
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
 * upsertSources: what several listings by one feed did to their indicators, in order.
 * KEYS[1] all set, KEYS[2] valid-until zset, KEYS[3] the feed's seen zset, KEYS[4] feeds set,
 * KEYS[5] and KEYS[6] the IPv4 and IPv6 cidr-prefixes zsets, then one indicator hash per
 * listing. ARGV[1] now (ISO), ARGV[2] now (ms), ARGV[3] feed, then six per listing:
 * `<type>:<value>`, source key, facts JSON, valid_until (ms) or '', the cidr's family ('4'
 * or '6') or '', its prefix length or ''.
 * Returns per listing 2 added (new indicator), 1 updated (new source or other facts),
 * 0 unchanged. One call per listing would cost more in script overhead than the listing's
 * own work.
 */
const UPSERT_SOURCES = `
local now, nowMs = ARGV[1], ARGV[2]
redis.call('SADD', KEYS[4], ARGV[3])
local results = {}
for i = 1, #KEYS - 6 do
  local key = KEYS[6 + i]
  local at = 3 + (i - 1) * 6
  local id, source, facts = ARGV[at + 1], ARGV[at + 2], ARGV[at + 3]
  local validUntil, family, prefix = ARGV[at + 4], ARGV[at + 5], ARGV[at + 6]
  local created = redis.call('EXISTS', key) == 0
  local factsField = 'f:' .. source
  local seenField = 's:' .. source
  local stored = redis.call('HMGET', key, factsField, seenField)
  local firstSeen = now
  if stored[2] then
    firstSeen = string.sub(stored[2], 1, string.find(stored[2], ' ', 1, true) - 1)
  end
  redis.call('HSET', key, factsField, facts, seenField, firstSeen .. ' ' .. now)
  local member = id .. '\\n' .. source
  if validUntil == '' then
    redis.call('ZREM', KEYS[2], member)
  else
    redis.call('ZADD', KEYS[2], validUntil, member)
  end
  redis.call('ZADD', KEYS[3], nowMs, member)
  if created then
    redis.call('SADD', KEYS[1], id)
    if family ~= '' then redis.call('ZINCRBY', KEYS[family == '4' and 5 or 6], 1, prefix) end
    results[i] = 2
  elseif stored[1] == facts then
    results[i] = 0
  else
    results[i] = 1
  end
end
return results
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
  soarIntelUpsertSources(...args: ScriptArgs): ChainableCommander;
  soarIntelExpireSource(...args: ScriptArgs): ChainableCommander;
};

/** Pipelines at most this many calls: bounds client memory and server blocking per batch. */
const BATCH = 500;
/** Listings per upsert script call: bounds how long one call keeps Redis busy (a few ms). */
const UPSERT_CHUNK = 200;

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
    // The number of keys varies with the chunk, so it is the first argument of each call.
    client.defineCommand('soarIntelUpsertSources', { lua: UPSERT_SOURCES });
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
    const shared = [
      this.key('all'),
      this.key('valid-until'),
      this.key('seen', feed),
      this.key('feeds'),
      this.key('cidr-prefixes', '4'),
      this.key('cidr-prefixes', '6'),
    ];
    const head = [now.toISOString(), now.getTime(), feed];
    const calls: ScriptArgs[] = [];
    let keys: string[] = [];
    let args: ScriptArgs = [];
    const flush = () => {
      calls.push([shared.length + keys.length, ...shared, ...keys, ...head, ...args]);
      keys = [];
      args = [];
    };
    for (const { type, value, facts } of indicators) {
      const normalized = normalizeIndicator(type, value);
      if (!normalized.ok) {
        counts.invalid++;
        continue;
      }
      const id = indicatorKey(normalized.type, normalized.value);
      const cidr = normalized.type === 'cidr' ? parseCidr(normalized.value) : null;
      // Field by field rather than `{ ...facts, feed, collection }`: V8 spreads then extends
      // such objects slowly, and factsFingerprint reads only these fields.
      const listed = {
        feed,
        collection,
        stix_id: facts.stix_id,
        confidence: facts.confidence,
        tlp: facts.tlp,
        valid_from: facts.valid_from,
        valid_until: facts.valid_until,
        title: facts.title,
        labels: facts.labels,
      };
      const validUntil = facts.valid_until ? Date.parse(facts.valid_until) : NaN;
      keys.push(this.key('ind', id));
      args.push(
        id,
        sourceKey(listed),
        factsFingerprint(listed),
        Number.isNaN(validUntil) ? '' : validUntil,
        cidr ? cidr.version : '',
        cidr ? cidr.prefix : '',
      );
      if (keys.length === UPSERT_CHUNK) flush();
    }
    if (keys.length > 0) flush();
    const results = await this.run<number[]>(calls, (pipeline, call) =>
      pipeline.soarIntelUpsertSources(...call),
    );
    for (const result of results.flat()) {
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
    const results = await this.run<number>(calls, (pipeline, args) =>
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

  private async run<T>(
    calls: ScriptArgs[],
    add: (pipeline: ScriptedPipeline, args: ScriptArgs) => void,
  ): Promise<T[]> {
    const results: T[] = [];
    for (let start = 0; start < calls.length; start += BATCH) {
      const pipeline = this.client.pipeline() as ScriptedPipeline;
      for (const args of calls.slice(start, start + BATCH)) add(pipeline, args);
      for (const result of await exec(pipeline)) results.push(result as T);
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
