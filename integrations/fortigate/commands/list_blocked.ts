import { Type } from '@sinclair/typebox';
import { defineCommand, permanentError } from '../../../src/integration-sdk/index.js';
import { FortiGate, type CmdbObject } from '../client.js';
import { readSettings } from '../settings.js';
import { OBJECT_PREFIX, describeObject } from '../targets.js';

const Member = Type.Object({
  name: Type.String({ description: 'The address object (or nested group) name.' }),
  address: Type.Union([Type.String(), Type.Null()], {
    description:
      '203.0.113.9, 203.0.113.0/24, 2001:db8::1, evil.example.com; null for a nested group or an unknown object type.',
  }),
  type: Type.String({ description: 'ipmask, ipprefix, fqdn, iprange, group, …' }),
  group: Type.String(),
  comment: Type.String(),
  managed: Type.Boolean({ description: 'True for objects this integration names (soar-…).' }),
});

const Output = Type.Object({
  members: Type.Array(Member),
  count: Type.Integer(),
});

const SOURCES = [
  {
    group: 'firewall/addrgrp',
    objects: 'firewall/address',
    fields: 'name|type|subnet|fqdn|start-ip|end-ip|comment',
  },
  {
    group: 'firewall/addrgrp6',
    objects: 'firewall/address6',
    fields: 'name|type|ip6|fqdn|start-ip|end-ip|comment',
  },
] as const;

export const listBlocked = defineCommand({
  name: 'list_blocked',
  title: 'List blocked addresses',
  description:
    'The members of the block group (and of block_group6 when configured), each with the address its object stands for.',
  input: Type.Object({}, { additionalProperties: false }),
  output: Output,
  run: async (ctx) => {
    const settings = readSettings(ctx.instance);
    const groups = [settings.blockGroups, settings.blockGroups6];
    const members = await FortiGate.with(ctx, settings.vdom, async (fortigate) => {
      const found: (typeof Member.static)[] = [];
      for (const [index, source] of SOURCES.entries()) {
        let objects: Map<string, CmdbObject> | undefined;
        for (const name of groups[index] ?? []) {
          const group = await fortigate.get(source.group, name);
          if (group === null) {
            throw permanentError(
              `the block group '${name}' (${source.group}) does not exist in vdom '${settings.vdom}'`,
              'GROUP_MISSING',
            );
          }
          const names = memberNames(group);
          if (names.length === 0) continue;
          // One read of the table per family, not one per member: block groups grow to thousands.
          objects ??= new Map(
            (await fortigate.list(source.objects, { format: source.fields })).map((o) => [
              String(o.name),
              o,
            ]),
          );
          for (const member of names) {
            const object = objects.get(member);
            found.push({
              name: member,
              address: object ? describeObject(object) : null,
              type: object ? (typeof object.type === 'string' ? object.type : 'ipmask') : 'group',
              group: name,
              comment: typeof object?.comment === 'string' ? object.comment : '',
              managed: member.startsWith(OBJECT_PREFIX),
            });
          }
        }
      }
      return found;
    });
    return { members, count: members.length };
  },
});

function memberNames(group: CmdbObject): string[] {
  const member = group.member;
  if (!Array.isArray(member)) return [];
  return member.flatMap((m: unknown) =>
    typeof m === 'object' && m !== null && typeof (m as CmdbObject).name === 'string'
      ? [(m as CmdbObject).name as string]
      : [],
  );
}
