import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PerformanceObserver } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { generateStix21Indicators } from '../integrations/taxii/fixtures/stix21.js';
import { refang } from '../src/intel/extract.js';
import { LocalIndicatorStore } from '../src/intel/local-store.js';
import type { ExtractedIndicator, IndicatorType, Tlp } from '../src/intel/model.js';
import { normalizeGuess, normalizeIndicator } from '../src/intel/normalize.js';
import { RedisIndicatorStore } from '../src/intel/redis-store.js';
import { extractStix2 } from '../src/intel/stix/index.js';
import { indicatorKey, type IndicatorStore, type UpsertCounts } from '../src/intel/store.js';
import { seededRandom } from '../src/simulation/seeded-random.js';

/**
 * Indicator store benchmarks, per backend: ingest of a generated STIX 2.1 feed (extraction and
 * upserts in TAXII-page-sized batches, peak RSS), then lookups against a store filled to a
 * million indicators. Each backend runs in a child process of
 * its own, so its peak RSS and its garbage collector see only its own data. Absolute figures
 * depend on the machine, so each comes with a baseline measured in the same run and the ratio
 * between them. Prints one JSON object per line for each backend measurement.
 */
const FEED = Number(process.env.BENCH_INTEL_FEED ?? 100_000);
const PAGE = Number(process.env.BENCH_INTEL_PAGE ?? 1_000);
const STORED = Number(process.env.BENCH_INTEL_STORED ?? 1_000_000);
/** Redis fills slower (a script call per few hundred listings, over loopback): about half a minute for a million. */
const REDIS_STORED = Number(process.env.BENCH_INTEL_REDIS_STORED ?? STORED);
const LOOKUPS = Number(process.env.BENCH_INTEL_LOOKUPS ?? 100_000);
const WARMUP_LOOKUPS = Math.min(LOOKUPS, 10_000);
const WARMUP_FEED = Math.min(FEED, 20_000);
const INGEST_RUNS = Number(process.env.BENCH_INTEL_INGEST_RUNS ?? 3);
/** Redis runs slower and has no target: one run keeps the whole bench within a few minutes. */
const REDIS_INGEST_RUNS = Number(process.env.BENCH_INTEL_REDIS_INGEST_RUNS ?? 1);
/** Fill indicators go in through upsert like any feed, in large batches to keep the fill short. */
const FILL_BATCH = 10_000;

const TARGET_INGEST_PER_S = 20_000;
const TARGET_LOOKUP_P99_MS = 1;

const T0 = Date.parse('2026-03-01T00:00:00Z');
const FEED_NAME = 'bench-taxii';
const FILL_FEED = 'bench-fill';

type BackendName = 'local' | 'redis';

interface Backend {
  /** A new, empty store (a data dir or a key prefix of its own). */
  open(): Promise<{ store: IndicatorStore; drop(): Promise<void> }>;
  /** Closes what is left open and deletes every store's data. */
  close(): Promise<void>;
}

function hexDigits(random: () => number, digits: number): string {
  let out = '';
  while (out.length < digits) {
    out += Math.floor(random() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, '0');
  }
  return out.slice(0, digits);
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

function mb(bytes: number): number {
  return Math.round(bytes / 1024 / 1024);
}

/** Milliseconds the garbage collector paused the main thread, summed since the start. */
let gcPauseMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauseMs += entry.duration;
}).observe({ entryTypes: ['gc'] });

/** Peak resident set size, sampled on a timer and at every call of `sample`. */
class RssSampler {
  readonly before = process.memoryUsage.rss();
  peak = this.before;
  private readonly timer = setInterval(() => this.sample(), 5).unref();

  sample(): void {
    this.peak = Math.max(this.peak, process.memoryUsage.rss());
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
  }
}

/*
 * The fill: indicator i has a kind fixed by i % 20 (30% IPv4, 5% IPv6, 5% cidrs, 20% domains,
 * 15% urls, 25% hashes) and values derived from i alone, so the lookups can name stored
 * values again without keeping a million of them aside. Addresses: stored IPv4 hosts in
 * 10.0.0.0/8, stored IPv4 prefixes in 11.0.0.0/8, misses in 12.0.0.0/8.
 */
type FillKind = 'ip' | 'ipv6' | 'cidr' | 'domain' | 'url' | 'md5' | 'sha1' | 'sha256';
const FILL_KINDS: readonly FillKind[] = [
  ...Array<FillKind>(6).fill('ip'),
  'ipv6',
  'cidr',
  ...Array<FillKind>(4).fill('domain'),
  ...Array<FillKind>(3).fill('url'),
  'md5',
  'md5',
  'sha1',
  'sha256',
  'sha256',
];
const WORDS = ['cdn', 'update', 'sync', 'telemetry', 'mail', 'login', 'static', 'api', 'files'];
const CIDR_PREFIXES = [24, 24, 24, 24, 24, 22, 20, 28, 26, 16];
const TLPS: readonly Tlp[] = ['clear', 'green', 'amber'];

/** A 24-bit value scattered over the range, different for each i below 2^24. */
function scatter24(i: number): number {
  return Math.imul(i, 0x9e3779b1) >>> 8;
}

function ipv4(first: number, low24: number): string {
  return `${first}.${(low24 >>> 16) & 255}.${(low24 >>> 8) & 255}.${low24 & 255}`;
}

function fillValue(i: number): { type: IndicatorType; value: string } {
  const random = seededRandom(i * 7919 + 17);
  const kind = FILL_KINDS[i % FILL_KINDS.length] ?? 'ip';
  switch (kind) {
    case 'ip':
      return { type: 'ip', value: ipv4(10, scatter24(i)) };
    case 'ipv6':
      return {
        type: 'ip',
        value: `2001:db8:${(i >>> 16).toString(16)}:${(i & 0xffff).toString(16)}::1`,
      };
    case 'cidr': {
      const j = Math.floor(i / FILL_KINDS.length);
      if (j % 5 === 4) return { type: 'cidr', value: `2001:db8:${(j & 0xffff).toString(16)}::/48` };
      const prefix = CIDR_PREFIXES[j % CIDR_PREFIXES.length] ?? 24;
      const network = (scatter24(j) >>> (32 - prefix)) << (32 - prefix);
      return { type: 'cidr', value: `${ipv4(11, network & 0xffffff)}/${prefix}` };
    }
    case 'domain':
      return {
        type: 'domain',
        value: `${WORDS[i % WORDS.length]}-${i.toString(36)}.d${i % 997}.fill.test`,
      };
    case 'url':
      return {
        type: 'url',
        value: `https://h${i.toString(36)}.fill.test/${hexDigits(random, 8)}/payload-${i}.bin`,
      };
    case 'md5':
      return { type: 'md5', value: hexDigits(random, 32) };
    case 'sha1':
      return { type: 'sha1', value: hexDigits(random, 40) };
    case 'sha256':
      return { type: 'sha256', value: hexDigits(random, 64) };
  }
}

/** Facts shaped like the STIX extraction's, so stored records have a realistic size. */
function fillIndicator(i: number): ExtractedIndicator {
  const { type, value } = fillValue(i);
  const random = seededRandom(i);
  return {
    type,
    value,
    facts: {
      stix_id: `indicator--${hexDigits(random, 8)}-${hexDigits(random, 4)}-4${hexDigits(random, 3)}-8${hexDigits(random, 3)}-${hexDigits(random, 12)}`,
      confidence: 10 * (1 + (i % 10)),
      tlp: TLPS[i % TLPS.length] ?? 'green',
      valid_from: new Date(T0 - 86_400_000 + (i % 86_400) * 1000).toISOString(),
      title: `Fill ${type} indicator ${i + 1}`,
      labels: ['malicious-activity'],
    },
  };
}

/** The index of a fill indicator below `filled` whose kind is at `slot` of FILL_KINDS. */
function fillIndexOf(random: () => number, filled: number, slots: readonly number[]): number {
  const slot = slots[Math.floor(random() * slots.length)] ?? 0;
  const rows = Math.floor((filled - 1 - slot) / FILL_KINDS.length);
  return Math.floor(random() * (rows + 1)) * FILL_KINDS.length + slot;
}

function slotsOf(kind: FillKind): number[] {
  return [...FILL_KINDS.keys()].filter((slot) => FILL_KINDS[slot] === kind);
}

const SLOTS = {
  hit: [...FILL_KINDS.keys()],
  cidr: slotsOf('cidr'),
  domain: slotsOf('domain'),
  url: slotsOf('url'),
};

type QueryKind = 'hit' | 'miss' | 'ip-in-cidr' | 'url';
interface Query {
  kind: QueryKind;
  value: string;
  /** Whether the lookup must find at least one match; checked after timing. */
  expectMatch: boolean;
}

/**
 * Lookups as analysts and enrichment steps send them: 30% stored values (a tenth of them
 * defanged), 30% misses, 20% addresses inside a stored prefix, 20% urls (stored ones, and new
 * paths on stored domains, found through their host).
 */
function makeQueries(count: number, filled: number, seed: number): Query[] {
  const random = seededRandom(seed);
  const queries: Query[] = [];
  for (let n = 0; n < count; n++) {
    const draw = random();
    if (draw < 0.3) {
      const { type, value } = fillValue(fillIndexOf(random, filled, SLOTS.hit));
      const defang = random() < 0.1 && (type === 'domain' || type === 'url');
      const given = defang ? value.replace(/\./g, '[.]').replace(/^http/, 'hxxp') : value;
      queries.push({ kind: 'hit', value: given, expectMatch: true });
    } else if (draw < 0.6) {
      const which = Math.floor(random() * 4);
      const value =
        which === 0
          ? ipv4(12, Math.floor(random() * 0x1000000))
          : which === 1
            ? `${WORDS[n % WORDS.length]}-${n.toString(36)}.miss.test`
            : which === 2
              ? `https://m${n.toString(36)}.miss.test/${hexDigits(random, 6)}/index.php`
              : hexDigits(random, 64);
      queries.push({ kind: 'miss', value, expectMatch: false });
    } else if (draw < 0.8) {
      const { value } = fillValue(fillIndexOf(random, filled, SLOTS.cidr));
      queries.push({ kind: 'ip-in-cidr', value: addressInside(value, random), expectMatch: true });
    } else if (random() < 0.5) {
      const { value } = fillValue(fillIndexOf(random, filled, SLOTS.url));
      queries.push({ kind: 'url', value, expectMatch: true });
    } else {
      const { value } = fillValue(fillIndexOf(random, filled, SLOTS.domain));
      const path = `/${hexDigits(random, 6)}/login.php?session=${hexDigits(random, 8)}`;
      queries.push({ kind: 'url', value: `http://${value}${path}`, expectMatch: true });
    }
  }
  return queries;
}

function addressInside(cidr: string, random: () => number): string {
  const [network = '', prefixText = '32'] = cidr.split('/');
  const prefix = Number(prefixText);
  if (network.includes(':')) return network.replace(/::$/, `:${hexDigits(random, 4)}::7`);
  const base = network.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const host = base + Math.floor(random() * 2 ** (32 - prefix));
  return [24, 16, 8, 0].map((shift) => Math.floor(host / 2 ** shift) % 256).join('.');
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? 0;
}

function addCounts(into: UpsertCounts, counts: UpsertCounts): void {
  into.added += counts.added;
  into.updated += counts.updated;
  into.unchanged += counts.unchanged;
  into.invalid += counts.invalid;
}

interface IngestRun {
  ms: number;
  parseMs: number;
  extractMs: number;
  upsertMs: number;
  gcMs: number;
  indicators: number;
  unsupported: number;
  counts: UpsertCounts;
  rss: RssSampler;
}

/**
 * One pass of the feed into `store`, page by page as a TAXII poll delivers it: the page's JSON
 * parsed (timed apart: that is the HTTP client's work), extracted, and upserted in one call.
 */
async function ingestOnce(store: IndicatorStore, pages: readonly string[]): Promise<IngestRun> {
  const run: IngestRun = {
    ms: 0,
    parseMs: 0,
    extractMs: 0,
    upsertMs: 0,
    gcMs: -gcPauseMs,
    indicators: 0,
    unsupported: 0,
    counts: { added: 0, updated: 0, unchanged: 0, invalid: 0 },
    rss: new RssSampler(),
  };
  for (const [index, text] of pages.entries()) {
    const parseStart = performance.now();
    const page = JSON.parse(text) as unknown[];
    const extractStart = performance.now();
    const extraction = extractStix2(page);
    const upsertStart = performance.now();
    const counts = await store.upsert(
      FEED_NAME,
      'indicators',
      extraction.indicators,
      new Date(T0 + index),
    );
    const end = performance.now();
    run.parseMs += extractStart - parseStart;
    run.extractMs += upsertStart - extractStart;
    run.upsertMs += end - upsertStart;
    addCounts(run.counts, counts);
    run.indicators += extraction.indicators.length;
    run.unsupported += extraction.unsupported.length;
    run.rss.sample();
  }
  run.rss.stop();
  run.gcMs += gcPauseMs;
  run.ms = run.extractMs + run.upsertMs;
  return run;
}

/**
 * INGEST_RUNS passes, each into a new store, reporting the fastest (this machine is shared,
 * and a run can lose a second to a neighbour) and the highest peak RSS; the last run's store
 * is kept for the lookups.
 */
async function ingest(name: BackendName, backend: Backend, pages: readonly string[]) {
  const runs: IngestRun[] = [];
  let opened = await backend.open();
  const runCount = name === 'local' ? INGEST_RUNS : REDIS_INGEST_RUNS;
  for (let n = 0; n < runCount; n++) {
    if (n > 0) {
      await opened.drop();
      opened = await backend.open();
    }
    // The previous run's store is garbage now: collected here rather than during this run.
    globalThis.gc?.();
    runs.push(await ingestOnce(opened.store, pages));
  }
  const best = runs.reduce((a, b) => (b.ms < a.ms ? b : a));

  // Baselines, after the measurement so they do not add to its peak RSS: extraction alone, and
  // normalising the extracted values into a plain Map (what an upsert does before storing).
  let extractOnlyMs = 0;
  let mapMs = 0;
  const map = new Map<string, ExtractedIndicator>();
  for (const text of pages) {
    const page = JSON.parse(text) as unknown[];
    const extractStart = performance.now();
    const extraction = extractStix2(page);
    const mapStart = performance.now();
    extractOnlyMs += mapStart - extractStart;
    for (const indicator of extraction.indicators) {
      const normalized = normalizeIndicator(indicator.type, indicator.value);
      if (normalized.ok) map.set(indicatorKey(normalized.type, normalized.value), indicator);
    }
    mapMs += performance.now() - mapStart;
  }

  const perSecond = (ms: number) => Math.round(best.indicators / (ms / 1000));
  const ingestRate = best.indicators / (best.ms / 1000);
  const peak = Math.max(...runs.map((run) => run.rss.peak));
  const figures = {
    bench: 'intel',
    backend: name,
    measurement: 'ingest',
    feed_objects: FEED,
    page_objects: PAGE,
    upserts: pages.length,
    indicators: best.indicators,
    unsupported: best.unsupported,
    counts: best.counts,
    note:
      `${runs.length === 1 ? 'one run' : `fastest of ${runs.length} runs`} into a new store ` +
      `from a collected heap, after a ${WARMUP_FEED}-object warm-up; pages are parsed from ` +
      'JSON before extraction, outside the ingest time',
    ingest_ms: Math.round(best.ms),
    ingest_indicators_per_s: Math.round(ingestRate),
    extract_ms: Math.round(best.extractMs),
    extract_indicators_per_s: perSecond(best.extractMs),
    upsert_ms: Math.round(best.upsertMs),
    upsert_indicators_per_s: perSecond(best.upsertMs),
    parse_ms: Math.round(best.parseMs),
    gc_pause_ms: Math.round(best.gcMs),
    runs_ingest_indicators_per_s: runs.map((run) => Math.round(run.indicators / (run.ms / 1000))),
    baseline_extract_only_indicators_per_s: perSecond(extractOnlyMs),
    ingest_vs_extract_only: round(extractOnlyMs / best.ms),
    baseline_normalise_and_map_set_per_s: perSecond(mapMs),
    upsert_vs_map_set: round(mapMs / best.upsertMs),
    rss_before_mb: mb(runs[0]!.rss.before),
    peak_rss_mb: mb(peak),
    peak_rss_growth_mb: mb(peak - runs[0]!.rss.before),
    ...(name === 'local'
      ? {
          target_ingest_indicators_per_s: TARGET_INGEST_PER_S,
          meets_target: ingestRate >= TARGET_INGEST_PER_S,
        }
      : {}),
  };
  return { figures, store: opened.store };
}

/**
 * Upserts fill indicators until the store holds `target` (fill values can repeat a few
 * cidrs), two batches at a time: with Redis, one is prepared and sent while the server works
 * through the other.
 */
async function fill(store: IndicatorStore, target: number) {
  let next = 0;
  let stored = await store.count();
  const start = performance.now();
  let upserted = 0;
  const batchOf = (size: number) => Array.from({ length: size }, () => fillIndicator(next++));
  while (stored < target) {
    const remaining = target - stored;
    const sizes = [Math.min(FILL_BATCH, remaining), Math.min(FILL_BATCH, remaining - FILL_BATCH)];
    const batches = sizes.filter((size) => size > 0).map(batchOf);
    const results = await Promise.all(
      batches.map((batch) => store.upsert(FILL_FEED, 'fill', batch, new Date(T0 + 1000))),
    );
    for (const [index, counts] of results.entries()) {
      stored += counts.added;
      upserted += batches[index]!.length;
    }
  }
  const seconds = (performance.now() - start) / 1000;
  return { filled: next, upserted, fillPerSecond: upserted / seconds, fillSeconds: seconds };
}

async function lookups(name: BackendName, store: IndicatorStore, target: number) {
  const { filled, upserted, fillPerSecond, fillSeconds } = await fill(store, target);
  if (filled < FILL_KINDS.length) {
    throw new Error(`lookups need a fill: store more than the feed (BENCH_INTEL_STORED=${target})`);
  }
  const stored = await store.count();
  globalThis.gc?.();
  const warmup = makeQueries(WARMUP_LOOKUPS, filled, 11);
  const queries = makeQueries(LOOKUPS, filled, 23);
  const now = new Date(T0 + 86_400_000);
  for (const query of warmup) await store.lookup(query.value, now);

  const latencies = new Float64Array(queries.length);
  const matched = new Uint8Array(queries.length);
  const start = performance.now();
  for (let n = 0; n < queries.length; n++) {
    const before = performance.now();
    const result = await store.lookup(queries[n]!.value, now);
    latencies[n] = performance.now() - before;
    matched[n] = result.matches.length > 0 ? 1 : 0;
  }
  const totalMs = performance.now() - start;

  // Baseline: what every lookup does before it probes anything (refang, guess, normalise).
  const parseStart = performance.now();
  let parsed = 0;
  for (const query of queries) if (normalizeGuess(refang(query.value).text).ok) parsed++;
  const parseMs = performance.now() - parseStart;
  if (parsed !== queries.length) throw new Error(`${queries.length - parsed} queries do not parse`);

  const byKind: Record<string, { lookups: number; matched: number }> = {};
  let unexpected = 0;
  for (const [n, query] of queries.entries()) {
    const kind = (byKind[query.kind] ??= { lookups: 0, matched: 0 });
    kind.lookups++;
    kind.matched += matched[n]!;
    if ((matched[n] === 1) !== query.expectMatch) unexpected++;
  }
  if (unexpected > 0) throw new Error(`${unexpected} lookups matched other than expected`);

  const sorted = latencies.slice().sort();
  const p99 = percentile(sorted, 0.99);
  const rate = queries.length / (totalMs / 1000);
  const parseRate = queries.length / (parseMs / 1000);
  return {
    bench: 'intel',
    backend: name,
    measurement: 'lookup',
    stored,
    fill_upserts_per_s: Math.round(fillPerSecond),
    fill_upserted: upserted,
    fill_s: round(fillSeconds),
    lookups: queries.length,
    warmup_lookups: warmup.length,
    by_kind: byKind,
    lookups_per_s: Math.round(rate),
    p50_ms: round(percentile(sorted, 0.5)),
    p99_ms: round(p99),
    max_ms: round(sorted[sorted.length - 1] ?? 0),
    baseline_parse_only_per_s: Math.round(parseRate),
    lookup_vs_parse_only: round(rate / parseRate),
    rss_mb: mb(process.memoryUsage.rss()),
    ...(name === 'local'
      ? { target_p99_ms_below: TARGET_LOOKUP_P99_MS, meets_target: p99 < TARGET_LOOKUP_P99_MS }
      : stored < STORED
        ? { note: `filled to ${stored} rather than ${STORED} to keep the run short` }
        : {}),
  };
}

function localBackend(): Backend {
  const dirs: string[] = [];
  return {
    async open() {
      const dir = await mkdtemp(join(tmpdir(), 'soar-bench-intel-'));
      dirs.push(dir);
      const store = await LocalIndicatorStore.open(dir);
      return {
        store,
        drop: async () => {
          await store.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
    close: async () => {
      for (const dir of dirs) await rm(dir, { recursive: true, force: true });
    },
  };
}

async function redisBackend(): Promise<Backend | { skipped: string }> {
  const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 2_000,
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
  });
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    return { skipped: `no Redis at ${url}: ${String(error)}` };
  }
  const prefixes = new Set<string>();
  // Every key of a store carries its prefix in the hash tag.
  const deleteKeys = async (prefix: string) => {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `{${prefix}}*`, 'COUNT', 10_000);
      if (keys.length > 0) await client.unlink(...keys);
      cursor = next;
    } while (cursor !== '0');
    prefixes.delete(prefix);
  };
  return {
    open() {
      const prefix = `bench-intel-${randomUUID()}`;
      prefixes.add(prefix);
      const store = new RedisIndicatorStore(client, { prefix });
      return Promise.resolve({ store, drop: () => deleteKeys(prefix) });
    },
    close: async () => {
      for (const prefix of prefixes) await deleteKeys(prefix);
      await client.quit();
    },
  };
}

/**
 * A smaller feed (another seed) through extraction and a scratch store first, so the measured
 * run sees compiled code, as a long-running poller would, rather than the JIT's first passes.
 */
async function warmUp(backend: Backend): Promise<void> {
  const scratch = await backend.open();
  try {
    const objects = generateStix21Indicators(WARMUP_FEED, 3);
    for (let start = 0; start < objects.length; start += PAGE) {
      const { indicators } = extractStix2(objects.slice(start, start + PAGE));
      await scratch.store.upsert(FEED_NAME, 'warm-up', indicators, new Date(T0));
    }
  } finally {
    await scratch.drop();
  }
}

async function runBackend(name: BackendName): Promise<void> {
  const backend = name === 'local' ? localBackend() : await redisBackend();
  if ('skipped' in backend) {
    process.stdout.write(`${JSON.stringify({ bench: 'intel', backend: name, ...backend })}\n`);
    return;
  }
  try {
    await warmUp(backend);
    // As a TAXII server sends them: one JSON text per page.
    const objects = generateStix21Indicators(FEED, 7);
    const pages: string[] = [];
    for (let start = 0; start < objects.length; start += PAGE) {
      pages.push(JSON.stringify(objects.slice(start, start + PAGE)));
    }
    objects.length = 0;
    const { figures, store } = await ingest(name, backend, pages);
    process.stdout.write(`${JSON.stringify(figures)}\n`);
    pages.length = 0;
    const target = name === 'local' ? STORED : REDIS_STORED;
    const looked = await lookups(name, store, target);
    process.stdout.write(`${JSON.stringify(looked)}\n`);
  } finally {
    await backend.close();
  }
}

function runChild(name: BackendName): Promise<number> {
  // --expose-gc: runs start from a collected heap (see ingest).
  const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), name], {
    stdio: 'inherit',
  });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main() {
  const only = process.argv[2];
  if (only === 'local' || only === 'redis') return runBackend(only);
  for (const name of ['local', 'redis'] as const) {
    const code = await runChild(name);
    if (code !== 0) process.exitCode = code;
  }
}

await main();
