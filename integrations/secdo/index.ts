import { Type } from '@sinclair/typebox';
import { defineIntegration } from '../../src/integration-sdk/index.js';
import { enrichFileEvent } from './commands/enrich_file_event.js';
import { enrichNetworkEvent } from './commands/enrich_network_event.js';
import { getAgents, listAgents } from './commands/get_agents.js';
import { investigationLink } from './commands/investigation_link.js';
import { isolateHost } from './commands/isolate_host.js';
import { loadIoc } from './commands/load_ioc.js';

/** SECDO endpoint investigation: alert enrichment, investigation links, agent commands. */
export const secdo = defineIntegration({
  id: 'secdo',
  title: 'SECDO',
  description:
    'Sends network and file alerts to SECDO for investigation against its endpoint data, ' +
    'builds investigationNG links, lists agents, isolates hosts and loads IOCs.',
  docs: 'integrations/secdo/README.md',
  instance: {
    url: true,
    credentials: ['apikey'],
    settings: Type.Object({
      company: Type.String({
        minLength: 1,
        description: 'The company (organisation) name as the SECDO UI shows it.',
      }),
    }),
  },
  commands: [
    enrichNetworkEvent,
    enrichFileEvent,
    investigationLink,
    getAgents,
    isolateHost,
    loadIoc,
  ],
  // The enrichment API has no read-only call (each post creates an alert in SECDO), so the
  // check lists agents through the command API, as other SECDO clients do to test a key.
  test: async (ctx) => {
    const agents = await listAgents(ctx);
    return { detail: `SECDO answered get_agents with ${agents.length} agent(s)` };
  },
});
