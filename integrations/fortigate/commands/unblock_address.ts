import { Type } from '@sinclair/typebox';
import { defineCommand } from '../../../src/integration-sdk/index.js';
import { FortiGate, FortiGateError } from '../client.js';
import {
  AddressInput,
  AddressWithReason,
  DryRunInput,
  NO_GROUP6,
  addressList,
  artifactOf,
  checkInput,
  groupHolding,
  groupsOf,
  memberPathOf,
} from '../common.js';
import { readSettings } from '../settings.js';
import { parseTarget, tableOf } from '../targets.js';

const Input = Type.Object(
  { address: AddressInput, dry_run: Type.Optional(DryRunInput) },
  { additionalProperties: false },
);

const Output = Type.Object({
  unblocked: Type.Array(Type.String(), {
    description: 'Addresses removed from the block group (in a dry run: would be removed).',
  }),
  not_blocked: Type.Array(Type.String(), {
    description: 'Addresses that were not members of the block group.',
  }),
  kept_objects: Type.Array(AddressWithReason, {
    description:
      'Addresses whose object left the group but could not be deleted (still used elsewhere).',
  }),
  refused: Type.Array(AddressWithReason, {
    description: 'Inputs that are not addresses, or IPv6 without block_group6.',
  }),
  dry_run: Type.Boolean(),
});

export const unblockAddress = defineCommand({
  name: 'unblock_address',
  title: 'Unblock an address',
  description:
    'Removes the soar-<address> object from the block group through the member sub-table, then deletes the object. An address that is not blocked, or an object already gone, is success. An object still used elsewhere (another group, a policy) is left in place and reported.',
  input: Input,
  output: Output,
  run: async (ctx, input) => {
    checkInput('unblock_address', Input, input);
    const settings = readSettings(ctx.instance);
    const dryRun = ctx.instance.dryRun || input.dry_run === true;
    const output = {
      unblocked: [] as string[],
      not_blocked: [] as string[],
      kept_objects: [] as { address: string; reason: string }[],
      refused: [] as { address: string; reason: string }[],
      dry_run: dryRun,
    };
    await FortiGate.with(ctx, settings.vdom, async (fortigate) => {
      for (const address of addressList(input.address)) {
        const target = parseTarget(address);
        if (typeof target === 'string' || groupsOf(settings, target).groups.length === 0) {
          const reason = typeof target === 'string' ? target : NO_GROUP6;
          output.refused.push({ address, reason });
          ctx.evidence(`Did not unblock ${address}: ${reason}`, [], {
            action: 'refused',
            address,
            reason,
          });
          continue;
        }
        // The block may sit in the block group or in any overflow group.
        const { groups, table } = groupsOf(settings, target);
        const holding = await groupHolding(fortigate, settings, target);
        const group = holding ?? groups.join(', ');
        const member =
          holding !== null &&
          (dryRun ||
            (await fortigate.remove(memberPathOf(table, holding), target.name)) === 'deleted');
        (member ? output.unblocked : output.not_blocked).push(target.display);
        let kept: string | undefined;
        if (!dryRun) {
          try {
            await fortigate.remove(tableOf(target), target.name);
          } catch (error) {
            // FortiOS refuses to delete an object something still references.
            if (!(error instanceof FortiGateError) || error.httpStatus !== 500) throw error;
            kept = error.message;
            output.kept_objects.push({ address: target.display, reason: kept });
          }
        }
        ctx.evidence(
          member
            ? `${dryRun ? 'Dry run: would unblock' : 'Unblocked'} ${target.display} (member ${target.name} of ${group})`
            : `${target.display} was not blocked (no member ${target.name} in ${group})`,
          [artifactOf(target)],
          {
            action: member ? 'unblocked' : 'not_blocked',
            address: target.display,
            object: target.name,
            group,
            dry_run: dryRun,
            ...(kept ? { object_kept: kept } : {}),
          },
        );
      }
    });
    return output;
  },
});
