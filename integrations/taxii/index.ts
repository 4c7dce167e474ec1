import { defineIntegration } from '../../src/integration-sdk/index.js';
import { pollFeed } from './commands/poll-feed.js';
import { fetchTaxiiIndicators } from './fetch-indicators.js';
import { readFeedSettings, TaxiiSettings } from './settings.js';
import { Taxii11Client } from './taxii11/client.js';
import { Taxii21Client } from './taxii21/client.js';

/** Threat-intel feeds over TAXII 2.1 or 1.1: one instance per collection. */
export const taxii = defineIntegration({
  id: 'taxii',
  title: 'TAXII feeds',
  description:
    'Polls a TAXII 2.1 or 1.1 collection for STIX indicators into the indicator store that intel.lookup and the FortiGate guard consult.',
  docs: 'integrations/taxii/README.md',
  instance: { url: true, settings: TaxiiSettings },
  commands: [pollFeed],
  fetchIndicators: fetchTaxiiIndicators,
  test: async (ctx) => {
    const settings = readFeedSettings(ctx.instance);
    const url = ctx.instance.url!;
    if (settings.version === '2.1') {
      const client = new Taxii21Client({
        http: ctx.http,
        baseUrl: url,
        username: settings.username,
        password: settings.password,
      });
      const root =
        settings.apiRoot ??
        (await client.discover(settings.discovery ?? 'taxii2/', { signal: ctx.signal })).default;
      if (root === undefined) return { detail: 'connected; discovery lists no default API root' };
      const collection = await client.collection(root, settings.collection, { signal: ctx.signal });
      return {
        detail: `connected; collection '${collection.title}' (${collection.id}) is ${collection.can_read ? 'readable' : 'NOT readable'}`,
      };
    }
    const client = new Taxii11Client({
      http: ctx.http,
      url,
      username: settings.username,
      password: settings.password,
    });
    const services = await client.discover(settings.discovery ?? '/taxii/discovery', {
      signal: ctx.signal,
    });
    return {
      detail: `connected; ${services.length} services (${services.map((s) => s.type).join(', ')})`,
    };
  },
});
