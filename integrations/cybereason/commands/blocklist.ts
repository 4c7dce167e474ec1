import { Type } from '@sinclair/typebox';
import { defineCommand } from '../../../src/integration-sdk/index.js';
import { CybereasonClient } from '../client.js';
import { argumentsOf, checkInput } from '../input.js';
import { DOWNLOAD_PATH, ReputationEntrySchema, readReputationCsv } from '../reputations.js';

const Input = Type.Object(
  {
    include_expired: Type.Boolean({
      default: false,
      description: 'Also list entries whose expiration has passed.',
    }),
  },
  { additionalProperties: false },
);

export const blocklist = defineCommand({
  name: 'blocklist',
  title: 'Blocklisted IPs and domains',
  description:
    'The reputation list (GET /rest/classification/download): the blocklisted ("blacklist") ' +
    'IP addresses, domains and file hashes. Allowlisted entries are left out.',
  input: argumentsOf(Input),
  output: Type.Object({
    ips: Type.Array(Type.String()),
    domains: Type.Array(Type.String()),
    hashes: Type.Array(Type.String()),
    entries: Type.Array(ReputationEntrySchema),
    /** Blocklist entries past their expiration, left out unless include_expired. */
    expired: Type.Integer(),
  }),
  run: async (ctx, rawInput) => {
    const input = checkInput(Input, rawInput);
    const client = new CybereasonClient(ctx);
    const answer = await client.rest<string>({
      method: 'GET',
      path: DOWNLOAD_PATH,
      expect: 'text',
    });
    const { entries, skipped } = readReputationCsv(answer.body);
    if (skipped > 0) ctx.note(`${skipped} reputation rows without a key were skipped`);
    const now = Date.now();
    const blocked = entries.filter((e) => e.reputation === 'blacklist');
    const live = blocked.filter((e) => e.expiration === null || e.expiration > now);
    const kept = input.include_expired ? blocked : live;
    const keysOf = (type: string): string[] => [
      ...new Set(kept.filter((e) => e.type === type).map((e) => e.key)),
    ];
    return {
      ips: keysOf('IP'),
      domains: keysOf('DOMAIN'),
      hashes: keysOf('FILE'),
      entries: kept,
      expired: blocked.length - live.length,
    };
  },
});
