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
      const group = await fortigate.get('firewall/addrgrp', settings.blockGroup);
      if (group === null) {
        throw permanentError(
          `connected, but the block group '${settings.blockGroup}' does not exist in vdom '${settings.vdom}'`,
          'GROUP_MISSING',
        );
      }
      const members = Array.isArray(group.member) ? group.member.length : 0;
      let detail = `connected; block group '${settings.blockGroup}' in vdom '${settings.vdom}' has ${members} members`;
      if (settings.blockGroup6 !== undefined) {
        const group6 = await fortigate.get('firewall/addrgrp6', settings.blockGroup6);
        if (group6 === null) {
          throw permanentError(
            `connected, but the IPv6 block group '${settings.blockGroup6}' (addrgrp6) does not exist in vdom '${settings.vdom}'`,
            'GROUP_MISSING',
          );
        }
        detail += `; '${settings.blockGroup6}' has ${Array.isArray(group6.member) ? group6.member.length : 0}`;
      }
      return { detail };
    });
  },
});
