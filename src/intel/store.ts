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
): { next: StoredIndicator; change: 'added' | 'updated' | 'unchanged'; source: StoredSource } {
  return withListing(existing, type, value, listed, listed, now.toISOString());
}

/**
 * withSource for a batch: the source as its feed and collection plus the facts extracted, so
 * a caller need not merge them into one object per indicator (a spread that costs more than
 * the rest of an upsert), and `seen` as an ISO string made once for the batch.
 */
export function withListing(
  existing: StoredIndicator | undefined,
  type: IndicatorType,
  value: string,
  origin: { feed: string; collection: string },
  facts: SourceFacts,
  seen: string,
): { next: StoredIndicator; change: 'added' | 'updated' | 'unchanged'; source: StoredSource } {
  const { feed, collection } = origin;
  const sources = existing?.sources ?? [];
  const at = indexOfSource(sources, feed, collection, facts.stix_id);
  const previous = sources[at];
  const source = storedSource(feed, collection, facts, previous?.first_seen ?? seen, seen);
  const next = { type, value, sources: placeSource(sources, source, at) };
  if (!existing) return { next, change: 'added', source };
  const same = previous !== undefined && sameFacts(previous, facts);
  return { next, change: same ? 'unchanged' : 'updated', source };
}

/**
 * The indicator with `source` in place of the one with its source key, or added in its place
 * in the order: a new record and sources array, the sources themselves shared. Setting the
 * same source twice gives the same record, so a log of these can be replayed over a snapshot
 * that already holds them.
 */
export function setSource(
  existing: StoredIndicator | undefined,
  type: IndicatorType,
  value: string,
  source: StoredSource,
): StoredIndicator {
  const sources = existing?.sources ?? [];
  const at = indexOfSource(sources, source.feed, source.collection, source.stix_id);
  return { type, value, sources: placeSource(sources, source, at) };
}

/** Where the source with this key is, or -1; compared by parts rather than by building keys. */
function indexOfSource(
  sources: readonly StoredSource[],
  feed: string,
  collection: string,
  stixId: string | undefined,
): number {
  const id = stixId ?? null;
  for (let index = 0; index < sources.length; index++) {
    const candidate = sources[index]!;
    if (
      candidate.feed === feed &&
      candidate.collection === collection &&
      (candidate.stix_id ?? null) === id
    ) {
      return index;
    }
  }
  return -1;
}

/**
 * A new sources array: `source` in place of the one at `at`, or, with `at` -1, inserted where
 * the order puts it. Sources are kept sorted, so a binary search finds the place without a
 * sort; feeds that list one prefix under many STIX ids give indicators with dozens of sources.
 */
function placeSource(
  sources: readonly StoredSource[],
  source: StoredSource,
  at: number,
): StoredSource[] {
  if (at >= 0) return sources.with(at, source);
  let low = 0;
  let high = sources.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if (compareSourceKeys(sources[middle]!, source) < 0) low = middle + 1;
    else high = middle;
  }
  return sources.toSpliced(low, 0, source);
}

/**
 * How sourceKey(a) and sourceKey(b) compare, encoding only the parts that differ: the keys
 * are JSON arrays of the parts, and one part's JSON is never a proper prefix of another's,
 * so the first part that differs decides, as its JSON does.
 */
function compareSourceKeys(a: StoredSource, b: StoredSource): number {
  return (
    compareKeyParts(a.feed, b.feed) ||
    compareKeyParts(a.collection, b.collection) ||
    compareKeyParts(a.stix_id ?? null, b.stix_id ?? null)
  );
}

function compareKeyParts(a: string | null, b: string | null): number {
  if (a === b) return 0;
  return JSON.stringify(a) < JSON.stringify(b) ? -1 : 1;
}

/**
 * What comparing factsFingerprint of both answers for facts of their declared types, without
 * building the strings. The feed, collection and STIX id are equal already (same source key).
 */
function sameFacts(stored: SourceFacts, listed: SourceFacts): boolean {
  if (
    stored.confidence !== listed.confidence ||
    stored.tlp !== listed.tlp ||
    stored.valid_from !== listed.valid_from ||
    stored.valid_until !== listed.valid_until ||
    stored.title !== listed.title
  ) {
    return false;
  }
  const [a, b] = [stored.labels, listed.labels];
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && a.every((label, index) => label === b[index]);
}

/**
 * The source as stored: the fields of factsFingerprint in its key order, undefined ones left
 * out, labels copied (the caller keeps its facts object), then the two instants.
 */
function storedSource(
  feed: string,
  collection: string,
  listed: SourceFacts,
  first_seen: string,
  last_seen: string,
): StoredSource {
  const source = { feed, collection } as StoredSource;
  if (listed.stix_id !== undefined) source.stix_id = listed.stix_id;
  if (listed.confidence !== undefined) source.confidence = listed.confidence;
  if (listed.tlp !== undefined) source.tlp = listed.tlp;
  if (listed.valid_from !== undefined) source.valid_from = listed.valid_from;
  if (listed.valid_until !== undefined) source.valid_until = listed.valid_until;
  if (listed.title !== undefined) source.title = listed.title;
  if (listed.labels !== undefined) source.labels = [...listed.labels];
  source.first_seen = first_seen;
  source.last_seen = last_seen;
  return source;
}

export function sortSources(sources: StoredSource[]): StoredSource[] {
  return sources.sort((a, b) => (sourceKey(a) < sourceKey(b) ? -1 : 1));
}

/** A copy of a stored indicator that shares nothing a caller could edit. */
export function copyIndicator(indicator: StoredIndicator): StoredIndicator {
  return {
    type: indicator.type,
    value: indicator.value,
    sources: indicator.sources.map((source) => {
      const copy = { ...source };
      if (source.labels !== undefined) copy.labels = [...source.labels];
      return copy;
    }),
  };
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

/** The network of `cidr` at `prefix` bits (fewer than its own), written as formatNetwork does. */
function containingNetwork(cidr: Cidr, prefix: number): string {
  if (cidr.version === 6) {
    const network = networkOf(6, cidr.network, prefix);
    return formatNetwork({ version: 6, network, prefix });
  }
  // IPv4 in plain numbers: an ip is probed at up to 32 lengths, and bigints cost far more.
  const address = Number(cidr.network);
  const network = address - (address % 2 ** (32 - prefix));
  const dotted = [0x1000000, 0x10000, 0x100, 1].map((place) => Math.floor(network / place) % 256);
  return `${dotted.join('.')}/${prefix}`;
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
      probe('cidr', containingNetwork(cidr, prefix), matched_by);
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
