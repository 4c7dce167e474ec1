import { Type } from '@sinclair/typebox';
import type { CommandContext } from '../../../src/integration-sdk/define.js';
import {
  defineCommand,
  permanentError,
  transientError,
} from '../../../src/integration-sdk/index.js';
import { FortiGate, FortiGateError, FortiOsError } from '../client.js';
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
import type { IntelService } from '../../../src/intel/service.js';
import { RunBudget, runTag } from '../run-budget.js';
import { readSettings, type Settings } from '../settings.js';
import {
  describeObject,
  groupTableOf,
  objectValue,
  parseTarget,
  tableOf,
  type Target,
} from '../targets.js';

const Input = Type.Object(
  {
    address: AddressInput,
    comment: Type.Optional(
      Type.String({
        maxLength: 200,
        description: 'Comment on the address object (the run id is appended).',
      }),
    ),
    dry_run: Type.Optional(DryRunInput),
  },
  { additionalProperties: false },
);

const Output = Type.Object({
  blocked: Type.Array(Type.String(), {
    description: 'Addresses this call added to the block group (in a dry run: would add).',
  }),
  already_blocked: Type.Array(Type.String(), {
    description: 'Addresses that were already members of the block group.',
  }),
  refused: Type.Array(AddressWithReason, {
    description: 'Addresses not blocked, as given, with the reason (never-block, cap, invalid).',
  }),
  dry_run: Type.Boolean(),
});

type Outcome =
  | { kind: 'blocked' | 'already_blocked'; target: Target; group: string }
  | { kind: 'refused'; address: string; reason: string; target?: Target };

const DEFAULT_COMMENT = 'Blocked by SOAR playbook';

export const blockAddress = defineCommand({
  name: 'block_address',
  title: 'Block an address',
  description:
    'Creates an address object (firewall/address with an ipmask subnet for IPv4 and prefixes, firewall/address6 for IPv6, an fqdn object for a domain) named soar-<address>, then adds it to the configured block group through the group\'s member sub-table, one member at a time so that concurrent blocks never overwrite each other. "Already exists" and "already a member" count as success. Refuses private, reserved, loopback, link-local and multicast ranges, the never_block list and the FortiGate itself; stops at max_blocks_per_run new blocks per run; a dry run only reads. Every address is journaled as evidence with its outcome.',
  input: Input,
  output: Output,
  run: async (ctx, input) => {
    checkInput('block_address', Input, input);
    const settings = readSettings(ctx.instance);
    const dryRun = ctx.instance.dryRun || input.dry_run === true;
    const comment = `${(input.comment ?? DEFAULT_COMMENT).slice(0, 200)} ${runTag(ctx.run.id)}`;
    const outcomes = await FortiGate.with(ctx, settings.vdom, async (fortigate) => {
      let budget: RunBudget | undefined;
      const loadBudget = async () =>
        (budget ??= await RunBudget.load(fortigate, {
          instance: ctx.instance.id,
          run: ctx.run.id,
          cap: settings.maxBlocksPerRun,
          ipv6: settings.blockGroup6 !== undefined,
        }));
      const results: Outcome[] = [];
      const full = new Set<string>();
      for (const address of addressList(input.address)) {
        const outcome = await blockOne(fortigate, settings, address, {
          dryRun,
          comment,
          loadBudget,
          full,
          intel: ctx.intel,
          onFull: (group, next, reason) =>
            ctx.note(
              `Block group '${group}' refused a member (${reason}); rolling over to '${next}'`,
              {
                group,
                next,
                reason,
              },
            ),
        });
        // Journaled at once: if a later address fails the step, this one's evidence stays.
        journal(ctx, settings, outcome, dryRun);
        results.push(outcome);
      }
      return results;
    });
    return {
      blocked: outcomes.flatMap((o) => (o.kind === 'blocked' ? [o.target.display] : [])),
      already_blocked: outcomes.flatMap((o) =>
        o.kind === 'already_blocked' ? [o.target.display] : [],
      ),
      refused: outcomes.flatMap((o) =>
        o.kind === 'refused' ? [{ address: o.address, reason: o.reason }] : [],
      ),
      dry_run: dryRun,
    };
  },
});

interface BlockOptions {
  dryRun: boolean;
  comment: string;
  loadBudget: () => Promise<RunBudget>;
  /** Groups found full during this call: later addresses go straight to the next one. */
  full: Set<string>;
  onFull: (group: string, next: string, reason: string) => void;
  /** The shared exclusion list (intel.exclusions) lives here, when the runtime has one. */
  intel: IntelService | undefined;
}

/** intel.exclusions, which lookups also honour: what the SOC said never to flag is never blocked. */
function sharedExclusion(intel: IntelService | undefined, target: Target): string | null {
  if (!intel) return null;
  const hit =
    target.kind === 'fqdn'
      ? intel.excluded('domain', target.fqdn)
      : intel.excluded(
          target.cidr.prefix === (target.cidr.version === 4 ? 32 : 128) ? 'ip' : 'cidr',
          target.display,
        );
  return hit ? `on the shared exclusion list (intel.exclusions[${hit.index}] ${hit.entry})` : null;
}

async function blockOne(
  fortigate: FortiGate,
  settings: Settings,
  address: string,
  options: BlockOptions,
): Promise<Outcome> {
  const target = parseTarget(address);
  if (typeof target === 'string') return { kind: 'refused', address, reason: target };
  const protectedBy = settings.neverBlock.refusal(target) ?? sharedExclusion(options.intel, target);
  if (protectedBy) return { kind: 'refused', address, reason: protectedBy, target };
  const { groups, table } = groupsOf(settings, target);
  if (groups.length === 0) return { kind: 'refused', address, reason: NO_GROUP6, target };

  // Reading first keeps a repeated block free of writes, and lets a dry run tell the two apart.
  const holding = await groupHolding(fortigate, settings, target);
  if (holding !== null) return { kind: 'already_blocked', target, group: holding };
  const budget = await options.loadBudget();
  if (!budget.take(target.name)) {
    const reason = `per-run cap reached: max_blocks_per_run is ${budget.cap}`;
    return { kind: 'refused', address, reason, target };
  }
  const open = groups.filter((g) => !options.full.has(g));
  if (options.dryRun) return { kind: 'blocked', target, group: open[0] ?? groups.at(-1)! };

  // A member must exist before it joins; if it vanishes in between (a concurrent unblock
  // deleted it), create it again once.
  for (let attempt = 1; ; attempt++) {
    await ensureObject(fortigate, target, options.comment);
    const joined = await joinFirstOpenGroup(fortigate, target, table, groups, options);
    if (joined.kind !== 'vanished') return { ...joined, target };
    if (attempt >= 2) {
      throw transientError(
        `${target.name} disappeared twice before it could join '${joined.group}': ${joined.reason}`,
        'CONFLICT',
      );
    }
  }
}

type Joined =
  | { kind: 'blocked' | 'already_blocked'; group: string }
  | { kind: 'vanished'; group: string; reason: string };

/**
 * Adds the member to the first group not known to be full. A group that refuses it with a
 * FortiOS error other than the ones understood here is taken to be full (the size limit is
 * model-dependent and its error undocumented): the next overflow group is tried, and the
 * refusal is kept for the error when none is left.
 */
async function joinFirstOpenGroup(
  fortigate: FortiGate,
  target: Target,
  table: string,
  groups: string[],
  options: BlockOptions,
): Promise<Joined> {
  const open = groups.filter((g) => !options.full.has(g));
  let refusal: FortiGateError | null = null;
  for (const [index, group] of open.entries()) {
    try {
      const added = await fortigate.create(memberPathOf(table, group), { name: target.name });
      return { kind: added === 'created' ? 'blocked' : 'already_blocked', group };
    } catch (error) {
      if (!(error instanceof FortiGateError)) throw error;
      if (error.httpStatus === 404) {
        throw permanentError(
          `the block group '${group}' does not exist in vdom '${fortigate.vdom}' (${groupTableOf(target)}): create it, and the deny policy that uses it, on the FortiGate first`,
          'GROUP_MISSING',
        );
      }
      if (error.fortiosError === FortiOsError.NOT_FOUND) {
        return { kind: 'vanished', group, reason: error.message };
      }
      if (error.httpStatus !== 500) throw error;
      refusal = error;
      options.full.add(group);
      const next = open[index + 1];
      if (next !== undefined) options.onFull(group, next, error.message);
    }
  }
  if (refusal && groups.length > 1) {
    throw permanentError(
      `every block group refused ${target.name} (${groups.join(', ')}): the last said ${refusal.message}; add an overflow group to settings.${table === 'firewall/addrgrp6' ? 'overflow_groups6' : 'overflow_groups'}`,
      'GROUPS_FULL',
    );
  }
  throw refusal ?? permanentError(`no block group left for ${target.name}`, 'GROUPS_FULL');
}

/** Creates the object, or makes an existing one with the same name match the address again. */
async function ensureObject(fortigate: FortiGate, target: Target, comment: string): Promise<void> {
  const table = tableOf(target);
  const value = objectValue(target);
  if ((await fortigate.create(table, { name: target.name, ...value, comment })) === 'created') {
    return;
  }
  const existing = await fortigate.get(table, target.name);
  if (existing === null) {
    await fortigate.create(table, { name: target.name, ...value, comment });
  } else if (describeObject(existing) !== target.display) {
    await fortigate.update(table, target.name, value);
  }
}

function journal(ctx: CommandContext, settings: Settings, outcome: Outcome, dryRun: boolean): void {
  const where = `FortiGate instance ${ctx.instance.id}, vdom ${settings.vdom}`;
  if (outcome.kind === 'refused') {
    ctx.evidence(
      `Refused to block ${outcome.address}: ${outcome.reason}`,
      outcome.target ? [artifactOf(outcome.target)] : [],
      { action: 'refused', address: outcome.address, reason: outcome.reason, dry_run: dryRun },
    );
    return;
  }
  const { target, group } = outcome;
  const data = {
    action: outcome.kind,
    address: target.display,
    object: target.name,
    group,
    dry_run: dryRun,
  };
  const summary =
    outcome.kind === 'already_blocked'
      ? `${target.display} was already blocked (member ${target.name} of ${group}; ${where})`
      : dryRun
        ? `Dry run: would block ${target.display} (object ${target.name} in group ${group}; ${where})`
        : `Blocked ${target.display} (object ${target.name} added to group ${group}; ${where})`;
  ctx.evidence(summary, [artifactOf(target)], data);
}
