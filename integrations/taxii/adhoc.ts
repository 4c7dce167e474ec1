/*
 * A feed given on the command line instead of in soar.config.yaml, like cabby's taxii-poll:
 * version, URL, collection and Basic-auth credentials become an instance of this
 * integration. Its id follows the URL and collection, so its watermark survives between polls.
 */
import { createHash } from 'node:crypto';
import type { InstanceContext } from '../../src/integration-sdk/define.js';
import { DEFAULT_TIMEOUT_MS } from '../../src/integration-sdk/http.js';

export interface AdhocFeed {
  version: string | undefined;
  url: string | undefined;
  collection: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
}

/** The instance, or the reason the description is not a feed. */
export function adhocFeedInstance(feed: AdhocFeed): InstanceContext | string {
  if (feed.version !== '2.1' && feed.version !== '1.1') {
    return `the TAXII version must be 2.1 or 1.1, got ${JSON.stringify(feed.version ?? null)}`;
  }
  if (!feed.url || !feed.collection) return 'an ad-hoc feed needs a URL and a collection';
  let url: URL;
  try {
    url = new URL(feed.url);
  } catch {
    return `not a URL: ${feed.url}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'the URL must be http or https';
  const path = url.pathname;
  const settings: Record<string, unknown> = { version: feed.version, collection: feed.collection };
  // 2.1: the discovery URL. 1.1: a discovery service, else the poll service itself.
  if (feed.version === '2.1') settings.discovery = path === '/' ? 'taxii2/' : path;
  else if (/discovery\/?$/.test(path)) settings.discovery = path;
  else settings.poll = path;
  const key = createHash('sha256')
    .update(`${feed.version}\0${url.origin}${path}\0${feed.collection}`)
    .digest('hex');
  return {
    id: `adhoc-${key.slice(0, 16)}`,
    url: url.origin,
    credentials: { username: feed.user ?? '', password: feed.password ?? '' },
    settings,
    timeoutMs: DEFAULT_TIMEOUT_MS,
    tls: { verify: true },
    dryRun: false,
  };
}
