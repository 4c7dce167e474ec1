/*
 * The indicator store: one record per normalised type and value, holding every source (feed,
 * collection, STIX id) that listed it. Two feeds naming one IP make one indicator with two
 * sources, so a verdict can cite both and expiry of one feed leaves the other's word standing.
 *
 * Everything here is pure and shared by the backends, which only differ in how they keep
 * records: what counts as a change, which records a lookup probes, when a source expires.
 */
import { parseCidr, type Cidr } from '../net/ip.js';
import { refang } from './extract.js';
import type { ExtractedIndicator, IndicatorType, SourceFacts } from './model.js';
import { formatNetwork, networkOf, normalizeGuess, parentDomains, urlHost } from './normalize.js';

export interface StoredSource extends SourceFacts {
  feed: string;
  collection: string;
  /** ISO-8601: when this source first and last listed the indicator. */
  first_seen: string;
  last_seen: string;
}

export interface StoredIndicator {
  type: IndicatorType;
  value: string;
  /** Ordered by feed, collection, STIX id. */
  sources: StoredSource[];
}

export interface UpsertCounts {
  /** Indicators not stored before. */
  added: number;
  /** Stored indicators given a new source, or a source whose facts changed. */
  updated: number;
  /** A source repeated with the same facts (its last_seen still moves). */
  unchanged: number;
  /** Values that do not normalise as their type. */
  invalid: number;
}

/** How a stored indicator relates to the value looked up. */
export type MatchedBy = 'value' | 'containing-cidr' | 'url-host' | 'parent-domain' | 'email-domain';

export interface IndicatorMatch extends StoredIndicator {
  matched_by: MatchedBy;
  /** Whether any source was live (see sourceState) at the lookup's `now`. */
  live: boolean;
}

export interface LookupResult {
  /** The value looked up, normalised; null when it is no indicator at all. */
  query: { type: IndicatorType; value: string } | null;
  invalid?: string;
  /** Most specific first: the value itself, then containing prefixes longest first, then hosts and parent domains. */
  matches: IndicatorMatch[];
}

/** How long a feed's word lasts after it last listed an indicator, in milliseconds. */
export interface FeedExpiry {
  byFeed?: Record<string, number>;
  /** For feeds not in byFeed; without it such sources expire only at their valid_until. */
  defaultMs?: number;
}

export interface ExpireCounts {
  sources: number;
  indicators: number;
}

export interface IndicatorStore {
  upsert(
    feed: string,
    collection: string,
    indicators: readonly ExtractedIndicator[],
    now: Date,
  ): Promise<UpsertCounts>;
  lookup(value: string, now: Date): Promise<LookupResult>;
  /** Removes sources past valid_until or not seen within their feed's expiry, then empty indicators. */
  expire(now: Date, expiry?: FeedExpiry): Promise<ExpireCounts>;
  count(): Promise<number>;
  close(): Promise<void>;
}

export type SourceState = 'live' | 'expired' | 'pending';

/** Expired from valid_until on (STIX: no longer valid at that instant); pending before valid_from. */
export function sourceState(source: SourceFacts, now: Date): SourceState {
  const at = now.getTime();
  if (source.valid_until !== undefined && Date.parse(source.valid_until) <= at) return 'expired';
  if (source.valid_from !== undefined && Date.parse(source.valid_from) > at) return 'pending';
  return 'live';
}

export function indicatorKey(type: IndicatorType, value: string): string {
  return `${type}:${value}`;
}

export function sourceKey(source: { feed: string; collection: string; stix_id?: string }): string {
  return JSON.stringify([source.feed, source.collection, source.stix_id ?? null]);
}

/** What a source says, in a fixed key order: equal facts give equal strings. */
export function factsFingerprint(source: Omit<StoredSource, 'first_seen' | 'last_seen'>): string {
  const { feed, collection, stix_id, confidence, tlp, valid_from, valid_until, title, labels } =
    source;
  return JSON.stringify({
    feed,
    collection,
    stix_id,
    confidence,
    tlp,
    valid_from,
    valid_until,
    title,
    labels,
  });
}

/** The indicator after a source (`listed`: feed, collection and facts) named it at `now`, and what changed. */
export function withSource(
  existing: StoredIndicator | undefined,
  type: IndicatorType,
  value: string,
  listed: Omit<StoredSource, 'first_seen' | 'last_seen'>,
  now: Date,
): { next: StoredIndicator; change: 'added' | 'updated' | 'unchanged' } {
  const key = sourceKey(listed);
  const sources = existing?.sources ?? [];
  const previous = sources.find((source) => sourceKey(source) === key);
  const seen = now.toISOString();
  // Through the fingerprint so stored sources have its key order and no undefined fields.
  const source: StoredSource = {
    ...(JSON.parse(factsFingerprint(listed)) as typeof listed),
    first_seen: previous?.first_seen ?? seen,
    last_seen: seen,
  };
  const others = sources.filter((candidate) => candidate !== previous);
  const next = { type, value, sources: sortSources([...others, source]) };
  if (!existing) return { next, change: 'added' };
  const same = previous !== undefined && factsFingerprint(previous) === factsFingerprint(listed);
  return { next, change: same ? 'unchanged' : 'updated' };
}

export function sortSources(sources: StoredSource[]): StoredSource[] {
  return sources.sort((a, b) => (sourceKey(a) < sourceKey(b) ? -1 : 1));
}

/** Whether `expire` at `now` removes the source. */
export function isSourceDue(source: StoredSource, now: Date, expiry: FeedExpiry): boolean {
  if (sourceState(source, now) === 'expired') return true;
  const lifetime = expiry.byFeed?.[source.feed] ?? expiry.defaultMs;
  return lifetime !== undefined && Date.parse(source.last_seen) < now.getTime() - lifetime;
}

/** What a backend must answer for `lookupIn` to plan and run a lookup. */
export interface IndicatorReader {
  get(keys: readonly string[]): Promise<(StoredIndicator | null)[]>;
  /** The prefix lengths of stored cidrs of that family (an ip's candidates are probed only at those). */
  cidrPrefixes(version: 4 | 6): Promise<number[]>;
}

/**
 * Refangs and normalises `value`, then probes: the value itself; for an ip or cidr every
 * shorter stored prefix that contains it (one probe per prefix length, never a scan); for a
 * url its host (and that host's containing prefixes or parent domains); for an email its
 * domain and parents; for a domain its parents.
 */
export async function lookupIn(
  reader: IndicatorReader,
  value: string,
  now: Date,
): Promise<LookupResult> {
  const query = normalizeGuess(refang(value).text);
  if (!query.ok) return { query: null, invalid: query.reason, matches: [] };
  const probes: { key: string; matched_by: MatchedBy }[] = [];
  const probe = (type: IndicatorType, probed: string, matched_by: MatchedBy) =>
    probes.push({ key: indicatorKey(type, probed), matched_by });
  const probeAddress = async (cidr: Cidr, matched_by: MatchedBy) => {
    const prefixes = await reader.cidrPrefixes(cidr.version);
    for (const prefix of prefixes.filter((p) => p < cidr.prefix).sort((a, b) => b - a)) {
      const network = networkOf(cidr.version, cidr.network, prefix);
      probe('cidr', formatNetwork({ version: cidr.version, network, prefix }), matched_by);
    }
  };
  const probeDomain = (domain: string, matched_by: MatchedBy) => {
    probe('domain', domain, matched_by);
    for (const parent of parentDomains(domain)) probe('domain', parent, 'parent-domain');
  };

  probe(query.type, query.value, 'value');
  if (query.type === 'ip' || query.type === 'cidr') {
    await probeAddress(parseCidr(query.value)!, 'containing-cidr');
  } else if (query.type === 'domain') {
    for (const parent of parentDomains(query.value)) probe('domain', parent, 'parent-domain');
  } else if (query.type === 'email') {
    probeDomain(query.value.slice(query.value.lastIndexOf('@') + 1), 'email-domain');
  } else if (query.type === 'url') {
    const host = urlHost(query.value);
    if (host?.type === 'domain') probeDomain(host.value, 'url-host');
    if (host?.type === 'ip') {
      probe('ip', host.value, 'url-host');
      await probeAddress(parseCidr(host.value)!, 'url-host');
    }
  }
  const found = await reader.get(probes.map((p) => p.key));
  const matches = probes.flatMap(({ matched_by }, index) => {
    const indicator = found[index];
    if (!indicator) return [];
    const live = indicator.sources.some((source) => sourceState(source, now) === 'live');
    return [{ ...indicator, matched_by, live }];
  });
  return { query: { type: query.type, value: query.value }, matches };
}
