import { defineIntegration, permanentError } from '../../src/integration-sdk/index.js';
import { FortiGate } from './client.js';
import { blockAddress } from './commands/block_address.js';
import { listBlocked } from './commands/list_blocked.js';
import { unblockAddress } from './commands/unblock_address.js';
import { FortiGateSettings, readSettings } from './settings.js';

/** FortiGate over the FortiOS REST API: block and unblock addresses through a block group. */
export const fortigate = defineIntegration({
  id: 'fortigate',
  title: 'FortiGate',
  description:
    'Blocks IPv4/IPv6 addresses, prefixes and domains by adding address objects to an address group that a deny policy uses (FortiOS REST API, token or login session).',
  docs: 'integrations/fortigate/README.md',
  instance: { url: true, settings: FortiGateSettings },
  commands: [blockAddress, unblockAddress, listBlocked],
  test: async (ctx) => {
    const settings = readSettings(ctx.instance);
    return FortiGate.with(ctx, settings.vdom, async (fortigate) => {
      const counts: string[] = [];
      const families = [
        { table: 'firewall/addrgrp', groups: settings.blockGroups, label: 'block group' },
        { table: 'firewall/addrgrp6', groups: settings.blockGroups6, label: 'IPv6 block group' },
      ];
      for (const { table, groups, label } of families) {
        for (const name of groups) {
          const group = await fortigate.get(table, name);
          if (group === null) {
            throw permanentError(
              `connected, but the ${label} '${name}' (${table}) does not exist in vdom '${settings.vdom}'`,
              'GROUP_MISSING',
            );
          }
          counts.push(`'${name}' has ${Array.isArray(group.member) ? group.member.length : 0}`);
        }
      }
      const detail = `connected; in vdom '${settings.vdom}', block group ${counts.join(', ')} members`;
      return { detail };
    });
  },
});
