/*
 * What the three commands share: their `address` input, checking inputs that expressions
 * produced at run time, and the evidence artifact of an address.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { Artifact } from '../../src/journal/entry.js';
import { permanentError } from '../../src/integration-sdk/index.js';
import type { Settings } from './settings.js';
import { groupTableOf, type Target } from './targets.js';
import { mkey, type FortiGate } from './client.js';

export const MAX_ADDRESSES_PER_CALL = 1_000;

export const AddressInput = Type.Union(
  [
    Type.String({ minLength: 1, maxLength: 300 }),
    Type.Array(Type.String({ minLength: 1, maxLength: 300 }), {
      minItems: 1,
      maxItems: MAX_ADDRESSES_PER_CALL,
    }),
  ],
  {
    description:
      'An IPv4 or IPv6 address, a CIDR prefix (203.0.113.0/24) or a domain name (evil.example.com); or a list of them.',
  },
);

/** An address the command did not act on, as given, and why. */
export const AddressWithReason = Type.Object({ address: Type.String(), reason: Type.String() });

export const DryRunInput = Type.Boolean({
  description:
    'Only report what would change, without writing to the FortiGate. An instance with dry_run: true stays dry whatever this says.',
});

/** Playbook arguments are checked statically only when literal: check what expressions gave. */
export function checkInput(command: string, schema: TSchema, input: unknown): void {
  if (Value.Check(schema, input)) return;
  const first = Value.Errors(schema, input).First();
  const where = first?.path ? ` at ${first.path}` : '';
  throw permanentError(
    `fortigate.${command}: invalid input${where}: ${first?.message ?? 'does not match the input schema'}`,
    'BAD_INPUT',
  );
}

/** The addresses of one call, without repeats (the same text twice is one address). */
export function addressList(address: string | string[]): string[] {
  return [...new Set(typeof address === 'string' ? [address] : address)];
}

export function artifactOf(target: Target): Artifact {
  return target.kind === 'fqdn'
    ? { type: 'domain', value: target.fqdn }
    : { type: 'ip', value: target.display };
}

/** The group a target joins and the path of that group's member sub-table; null group when none is configured. */
/** The groups a target's block goes to (block group first, then overflow), and their table. */
export function groupsOf(
  settings: Settings,
  target: Target,
): { groups: string[]; table: 'firewall/addrgrp' | 'firewall/addrgrp6' } {
  const table = groupTableOf(target);
  return {
    groups: table === 'firewall/addrgrp6' ? settings.blockGroups6 : settings.blockGroups,
    table,
  };
}

/** The member sub-table of a group: members are added and removed one at a time through it. */
export function memberPathOf(table: string, group: string): string {
  return `${table}/${mkey(group)}/member`;
}

/** The first group (block group or overflow) that has the target as a member, or null. */
export async function groupHolding(
  fortigate: FortiGate,
  settings: Settings,
  target: Target,
): Promise<string | null> {
  const { groups, table } = groupsOf(settings, target);
  for (const group of groups) {
    if ((await fortigate.get(memberPathOf(table, group), target.name)) !== null) return group;
  }
  return null;
}

export const NO_GROUP6 =
  'IPv6 blocking needs settings.block_group6 (an addrgrp6 group): FortiOS does not mix IPv4 and IPv6 in one group';
