/*
 * Threat intelligence as the runtime offers it to commands and the CLI: one indicator store
 * (opened on first use: a local store loads every indicator into memory), the exclusion list
 * from `intel.exclusions` in soar.config.yaml, and per-feed expiry.
 */
import type { ExclusionList } from './exclusions.js';
import type { ExtractedIndicator, IndicatorType } from './model.js';
import type { ExpireCounts, IndicatorStore, UpsertCounts } from './store.js';
import { verdictOf, type Verdict } from './verdict.js';

/** Where each feed's next poll starts; the runtime keeps these with its other state. */
export interface FeedWatermarks {
  load(feed: string): Promise<string | null>;
  save(feed: string, watermark: string): Promise<void>;
}

export interface IntelServiceOptions {
  openStore: () => Promise<IndicatorStore>;
  watermarks: FeedWatermarks;
  exclusions: ExclusionList;
  /** How long a feed's indicators last after it last listed them, by feed (instance) id. */
  expiryByFeed?: Record<string, number>;
  defaultExpiryMs?: number;
  now?: () => Date;
}

export class IntelService {
  private store: Promise<IndicatorStore> | null = null;
  private readonly now: () => Date;

  constructor(private readonly options: IntelServiceOptions) {
    this.now = options.now ?? (() => new Date());
  }

  get exclusions(): ExclusionList {
    return this.options.exclusions;
  }

  /** The verdict on one value (ip, cidr, domain, url, email or hash), with its sources. */
  async lookup(value: string): Promise<Verdict> {
    const now = this.now();
    const found = await (await this.open()).lookup(value, now);
    return verdictOf(found, this.options.exclusions, now);
  }

  ingest(
    feed: string,
    collection: string,
    indicators: ExtractedIndicator[],
  ): Promise<UpsertCounts> {
    return this.open().then((store) => store.upsert(feed, collection, indicators, this.now()));
  }

  /** Drops sources past their validity or their feed's expiry, and indicators left with none. */
  async expire(): Promise<ExpireCounts> {
    const store = await this.open();
    return store.expire(this.now(), {
      ...(this.options.expiryByFeed ? { byFeed: this.options.expiryByFeed } : {}),
      ...(this.options.defaultExpiryMs !== undefined
        ? { defaultMs: this.options.defaultExpiryMs }
        : {}),
    });
  }

  feedWatermark(feed: string): Promise<string | null> {
    return this.options.watermarks.load(feed);
  }

  saveFeedWatermark(feed: string, watermark: string): Promise<void> {
    return this.options.watermarks.save(feed, watermark);
  }

  excluded(type: IndicatorType, value: string) {
    return this.options.exclusions.match(type, value);
  }

  async count(): Promise<number> {
    return (await this.open()).count();
  }

  async close(): Promise<void> {
    if (this.store) await (await this.store).close();
    this.store = null;
  }

  private open(): Promise<IndicatorStore> {
    this.store ??= this.options.openStore();
    return this.store;
  }
}
