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
  groupOf,
} from '../common.js';
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
      for (const address of addressList(input.address)) {
        const outcome = await blockOne(fortigate, settings, address, {
          dryRun,
          comment,
          loadBudget,
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

async function blockOne(
  fortigate: FortiGate,
  settings: Settings,
  address: string,
  options: { dryRun: boolean; comment: string; loadBudget: () => Promise<RunBudget> },
): Promise<Outcome> {
  const target = parseTarget(address);
  if (typeof target === 'string') return { kind: 'refused', address, reason: target };
  const protectedBy = settings.neverBlock.refusal(target);
  if (protectedBy) return { kind: 'refused', address, reason: protectedBy, target };
  const { group, memberPath } = groupOf(settings, target);
  if (group === undefined) return { kind: 'refused', address, reason: NO_GROUP6, target };

  // Reading first keeps a repeated block free of writes, and lets a dry run tell the two apart.
  if ((await fortigate.get(memberPath, target.name)) !== null) {
    return { kind: 'already_blocked', target, group };
  }
  const budget = await options.loadBudget();
  if (!budget.take(target.name)) {
    const reason = `per-run cap reached: max_blocks_per_run is ${budget.cap}`;
    return { kind: 'refused', address, reason, target };
  }
  if (options.dryRun) return { kind: 'blocked', target, group };

  // A member must exist before it joins; if it vanishes in between (a concurrent unblock
  // deleted it), create it again once.
  for (let attempt = 1; ; attempt++) {
    await ensureObject(fortigate, target, options.comment);
    try {
      const added = await fortigate.create(memberPath, { name: target.name });
      return { kind: added === 'created' ? 'blocked' : 'already_blocked', target, group };
    } catch (error) {
      if (!(error instanceof FortiGateError)) throw error;
      if (error.httpStatus === 404) {
        throw permanentError(
          `the block group '${group}' does not exist in vdom '${fortigate.vdom}' (${groupTableOf(target)}): create it, and the deny policy that uses it, on the FortiGate first`,
          'GROUP_MISSING',
        );
      }
      if (error.fortiosError !== FortiOsError.NOT_FOUND) throw error;
      if (attempt >= 2) {
        throw transientError(
          `${target.name} disappeared twice before it could join '${group}': ${error.message}`,
          'CONFLICT',
        );
      }
    }
  }
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
