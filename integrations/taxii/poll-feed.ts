/*
 * One poll of a TAXII feed into the indicator store: what is new since the feed's watermark,
 * extracted to IOCs (STIX 2.1 objects or STIX 1.x packages), stored page by page, then stale
 * indicators expired. The watermark moves only when the whole poll succeeded: a poll that
 * fails part-way (a truncated page, an XML bomb, a 10 MB body) keeps the old one, and the
 * next poll fetches those objects again; the store dedups them.
 */
import type { CommandContext, FeedPollResult } from '../../src/integration-sdk/define.js';
import { intelOf, permanentError } from '../../src/integration-sdk/index.js';
import type { Extraction } from '../../src/intel/model.js';
import { extractStix1, extractStix2 } from '../../src/intel/stix/index.js';
import { readFeedSettings, type FeedSettings } from './settings.js';
import { Taxii11Client } from './taxii11/client.js';
import { Taxii21Client } from './taxii21/client.js';

const MAX_UNSUPPORTED_EXAMPLES = 20;

export async function pollTaxiiFeed(
  ctx: Omit<CommandContext, 'run'>,
  progress?: (line: string) => void,
): Promise<FeedPollResult> {
  const settings = readFeedSettings(ctx.instance);
  const intel = intelOf(ctx);
  const feed = ctx.instance.id;
  const since = await intel.feedWatermark(feed);
  const result: FeedPollResult = {
    feed,
    collection: settings.collection,
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
    for (const indicator of extraction.indicators) {
      indicator.facts.tlp ??= settings.tlp;
      indicator.facts.confidence ??= settings.confidence;
      if (indicator.facts.tlp === undefined) delete indicator.facts.tlp;
      if (indicator.facts.confidence === undefined) delete indicator.facts.confidence;
    }
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
  const begin = since ?? new Date(Date.now() - settings.firstPollMs).toISOString();
  const watermark =
    settings.version === '2.1'
      ? await poll21(ctx, settings, begin, store)
      : await poll11(ctx, settings, begin, store);
  if (watermark !== undefined) {
    await intel.saveFeedWatermark(feed, watermark);
    result.watermark = watermark;
  }
  result.expired = (await intel.expire()).indicators;
  return result;
}

type Store = (extraction: Extraction, collection: string) => Promise<void>;

async function poll21(
  ctx: Omit<CommandContext, 'run'>,
  settings: FeedSettings,
  begin: string,
  store: Store,
): Promise<string | undefined> {
  const client = new Taxii21Client({
    http: ctx.http,
    baseUrl: baseUrlOf(ctx),
    username: settings.username,
    password: settings.password,
    timeoutMs: ctx.instance.timeoutMs,
  });
  const signal = { signal: ctx.signal };
  let root = settings.apiRoot;
  if (root === undefined) {
    const discovery = await client.discover(settings.discovery ?? 'taxii2/', signal);
    root = discovery.default ?? discovery.api_roots[0];
    if (root === undefined) {
      throw permanentError(
        `${ctx.instance.id}: the TAXII server lists no API root; set settings.api_root`,
        'TAXII_NO_API_ROOT',
      );
    }
  }
  const collection = await client.collection(root, settings.collection, signal);
  const polled = await client.pollObjects({
    root,
    collection: collection.id,
    addedAfter: begin,
    limit: settings.pageSize,
    ...(settings.types ? { types: settings.types } : {}),
    signal: ctx.signal,
    onPage: (page) => store(extractStix2(page.objects), collection.id),
  });
  return polled.watermark;
}

async function poll11(
  ctx: Omit<CommandContext, 'run'>,
  settings: FeedSettings,
  begin: string,
  store: Store,
): Promise<string | undefined> {
  const client = new Taxii11Client({
    http: ctx.http,
    url: baseUrlOf(ctx),
    username: settings.username,
    password: settings.password,
    timeoutMs: ctx.instance.timeoutMs,
  });
  const path = settings.poll ?? (await pollServiceOf(client, ctx, settings));
  const polled = await client.poll({
    path,
    collection: settings.collection,
    begin,
    signal: ctx.signal,
    onBlock: (block) =>
      block.bindingId.startsWith('urn:stix.mitre.org:xml:')
        ? store(extractStix1(block.content), settings.collection)
        : store(
            {
              indicators: [],
              objects: 1,
              unsupported: [
                { what: block.bindingId, reason: 'content binding is not STIX 1.x XML' },
              ],
            },
            settings.collection,
          ),
  });
  return polled.watermark;
}

/** The collection's poll service, from the collection information (or discovery) service. */
async function pollServiceOf(
  client: Taxii11Client,
  ctx: Omit<CommandContext, 'run'>,
  settings: FeedSettings,
): Promise<string> {
  const services = await client.discover(settings.discovery ?? '/taxii/discovery', {
    signal: ctx.signal,
  });
  const management = services.find((s) => s.type === 'COLLECTION_MANAGEMENT' && s.available);
  if (management) {
    const collections = await client.collections(management.address, { signal: ctx.signal });
    const found = collections.find((c) => c.name === settings.collection);
    if (!found) {
      throw permanentError(
        `${ctx.instance.id}: no collection '${settings.collection}' on the TAXII server (it has ${collections.map((c) => c.name).join(', ') || 'none'})`,
        'TAXII_COLLECTION_NOT_FOUND',
      );
    }
    if (found.pollAddresses[0]) return found.pollAddresses[0];
  }
  const poll = services.find((s) => s.type === 'POLL' && s.available);
  if (!poll) {
    throw permanentError(
      `${ctx.instance.id}: the TAXII server's discovery lists no poll service; set settings.poll`,
      'TAXII_NO_POLL_SERVICE',
    );
  }
  return poll.address;
}

function baseUrlOf(ctx: Omit<CommandContext, 'run'>): string {
  if (!ctx.instance.url) {
    throw permanentError(`instance '${ctx.instance.id}' has no url`, 'BAD_INSTANCE');
  }
  return ctx.instance.url;
}
