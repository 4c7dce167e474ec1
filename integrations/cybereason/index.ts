import { defineIntegration } from '../../src/integration-sdk/index.js';
import { CybereasonClient } from './client.js';
import { addComment } from './commands/add-comment.js';
import { blocklist } from './commands/blocklist.js';
import { fetchMalops } from './commands/fetch-malops.js';
import { getMalop } from './commands/get-malop.js';
import { isolateMachine } from './commands/isolate-machine.js';
import { malopConnections } from './commands/malop-connections.js';
import { setReputation } from './commands/set-reputation.js';
import { updateMalopStatus } from './commands/update-malop-status.js';
import { fetchMalopIncidents } from './fetch-incidents.js';
import { fetchManaged } from './malop-api.js';

/** Cybereason EDR: malops, their connections, the reputation list, status, comments, isolation. */
export const cybereason = defineIntegration({
  id: 'cybereason',
  title: 'Cybereason EDR',
  description:
    'Malops (incidents) and their malicious connections, the reputation list (blocklist), ' +
    'malop status and comments, and machine isolation, over the Cybereason REST API.',
  docs: 'integrations/cybereason/README.md',
  instance: { url: true, credentials: ['username', 'password'] },
  commands: [
    fetchMalops,
    getMalop,
    malopConnections,
    blocklist,
    setReputation,
    updateMalopStatus,
    addComment,
    isolateMachine,
  ],
  fetchIncidents: fetchMalopIncidents,
  test: async (ctx) => {
    const client = new CybereasonClient(ctx);
    const to = Date.now();
    const page = await fetchManaged(client, {
      from: to - 24 * 60 * 60 * 1000,
      to,
      pageSize: 1,
      limit: 1,
    });
    return {
      detail:
        page === null
          ? 'logged in; no malop management API on this server (the detection inbox will be used)'
          : `logged in; ${page.total} malops updated in the last 24 hours`,
    };
  },
});
