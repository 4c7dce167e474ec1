/*
 * The taxii integration's `fetchIndicators`: what the collection added since the watermark,
 * extracted to IOCs (STIX 2.1 objects page by page, STIX 1.x packages block by block) with the
 * feed's TLP and confidence defaults applied, handed to the runtime's sink as it arrives.
 */
import type {
  CommandContext,
  FetchedIndicators,
  IndicatorSink,
} from '../../src/integration-sdk/define.js';
import { permanentError } from '../../src/integration-sdk/index.js';
import type { Extraction } from '../../src/intel/model.js';
import { extractStix1, extractStix2 } from '../../src/intel/stix/index.js';
import { readFeedSettings, type FeedSettings } from './settings.js';
import { Taxii11Client } from './taxii11/client.js';
import { Taxii21Client } from './taxii21/client.js';

export async function fetchTaxiiIndicators(
  ctx: Omit<CommandContext, 'run'>,
  since: string | null,
  sink: IndicatorSink,
): Promise<FetchedIndicators> {
  const settings = readFeedSettings(ctx.instance);
  const store: Store = (extraction, collection) =>
    sink(withDefaults(extraction, settings), collection);
  const begin = since ?? new Date(Date.now() - settings.firstPollMs).toISOString();
  const { collection, watermark } =
    settings.version === '2.1'
      ? await poll21(ctx, settings, begin, store)
      : await poll11(ctx, settings, begin, store);
  return { collection, watermark: watermark ?? null };
}

/** The feed's TLP and confidence for indicators that carry none. */
function withDefaults(extraction: Extraction, settings: FeedSettings): Extraction {
  for (const { facts } of extraction.indicators) {
    if (facts.tlp === undefined && settings.tlp !== undefined) facts.tlp = settings.tlp;
    if (facts.confidence === undefined && settings.confidence !== undefined) {
      facts.confidence = settings.confidence;
    }
  }
  return extraction;
}

type Store = (extraction: Extraction, collection: string) => Promise<void>;

async function poll21(
  ctx: Omit<CommandContext, 'run'>,
  settings: FeedSettings,
  begin: string,
  store: Store,
): Promise<{ collection: string; watermark: string | undefined }> {
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
  return { collection: collection.id, watermark: polled.watermark };
}

async function poll11(
  ctx: Omit<CommandContext, 'run'>,
  settings: FeedSettings,
  begin: string,
  store: Store,
): Promise<{ collection: string; watermark: string | undefined }> {
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
  return { collection: settings.collection, watermark: polled.watermark };
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
