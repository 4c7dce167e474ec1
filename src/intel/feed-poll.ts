/*
 * One poll of a feed: the integration's `fetchIndicators` hands over batches of extracted
 * indicators (a TAXII page, a content block); this stores them as they come, counts, then
 * moves the feed's watermark and expires stale indicators. The watermark moves only when the
 * whole fetch succeeded: a poll that fails part-way keeps the old one, the next poll fetches
 * those objects again, and the store dedups what it already has.
 */
import type { CommandContext, IntegrationDefinition } from '../integration-sdk/define.js';
import { intelOf, permanentError } from '../integration-sdk/index.js';
import type { Extraction } from './model.js';

/** What one poll of a feed did. */
export interface FeedPollResult {
  feed: string;
  collection: string;
  /** Watermarks before and after (the server's own format). */
  since: string | null;
  watermark: string | null;
  /** Objects (STIX 2.1) or content blocks (TAXII 1.1) received. */
  objects: number;
  /** IOCs extracted from them. */
  indicators: number;
  added: number;
  updated: number;
  unchanged: number;
  /** Values that were not valid as their type. */
  invalid: number;
  /** Patterns and observables that could not be reduced to IOCs, counted, never dropped silently. */
  unsupported: number;
  /** Examples of the unsupported ones, for the operator (at most 20). */
  unsupported_examples: { stix_id?: string; what: string; reason: string }[];
  /** Indicators removed by expiry after the poll. */
  expired: number;
}

const MAX_UNSUPPORTED_EXAMPLES = 20;

export async function pollFeed(
  ctx: Omit<CommandContext, 'run'>,
  integration: Pick<IntegrationDefinition, 'id' | 'fetchIndicators'>,
  progress?: (line: string) => void,
): Promise<FeedPollResult> {
  if (!integration.fetchIndicators) {
    throw permanentError(`'${integration.id}' is not a feed`, 'NOT_A_FEED');
  }
  const intel = intelOf(ctx);
  const feed = ctx.instance.id;
  const since = await intel.feedWatermark(feed);
  const result: FeedPollResult = {
    feed,
    collection: '',
    since,
    watermark: since,
    objects: 0,
    indicators: 0,
    added: 0,
    updated: 0,
    unchanged: 0,
    invalid: 0,
    unsupported: 0,
    unsupported_examples: [],
    expired: 0,
  };
  const store = async (extraction: Extraction, collection: string) => {
    result.collection = collection;
    result.objects += extraction.objects;
    result.indicators += extraction.indicators.length;
    result.unsupported += extraction.unsupported.length;
    for (const u of extraction.unsupported) {
      if (result.unsupported_examples.length >= MAX_UNSUPPORTED_EXAMPLES) break;
      result.unsupported_examples.push(u);
    }
    const counts = await intel.ingest(feed, collection, extraction.indicators);
    result.added += counts.added;
    result.updated += counts.updated;
    result.unchanged += counts.unchanged;
    result.invalid += counts.invalid;
    progress?.(
      `${feed}: ${result.objects} objects, ${result.indicators} indicators (${result.added} new, ${result.updated} updated), ${result.unsupported} unsupported`,
    );
  };
  const fetched = await integration.fetchIndicators(ctx, since, store);
  result.collection = fetched.collection;
  if (fetched.watermark !== null) {
    await intel.saveFeedWatermark(feed, fetched.watermark);
    result.watermark = fetched.watermark;
  }
  result.expired = (await intel.expire()).indicators;
  return result;
}
