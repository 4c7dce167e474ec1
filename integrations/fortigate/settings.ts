import { Type, type Static } from '@sinclair/typebox';
import type { InstanceContext } from '../../src/integration-sdk/define.js';
import { permanentError } from '../../src/integration-sdk/index.js';
import { NeverBlock } from './never-block.js';

const OBJECT_NAME = { minLength: 1, maxLength: 79, pattern: '^[^/"\\\\]+$' };

/** `settings:` of a fortigate instance in soar.config.yaml. */
export const FortiGateSettings = Type.Object(
  {
    block_group: Type.String({
      ...OBJECT_NAME,
      description:
        'The IPv4 address group (firewall/addrgrp) that a deny policy uses; blocked IPv4 addresses, prefixes and domains join it. Prepared on the device beforehand.',
    }),
    block_group6: Type.Optional(
      Type.String({
        ...OBJECT_NAME,
        description:
          'The IPv6 address group (firewall/addrgrp6) for IPv6 blocks; FortiOS does not mix families in one group. Without it IPv6 blocks are refused.',
      }),
    ),
    overflow_groups: Type.Optional(
      Type.Array(Type.String(OBJECT_NAME), {
        maxItems: 20,
        uniqueItems: true,
        description:
          'IPv4 groups to roll over to, in order, when the block group (then each of these) refuses another member because it is full. Prepared on the device and used by the same deny policy.',
      }),
    ),
    overflow_groups6: Type.Optional(
      Type.Array(Type.String(OBJECT_NAME), {
        maxItems: 20,
        uniqueItems: true,
        description: 'The same for block_group6.',
      }),
    ),
    vdom: Type.Optional(
      Type.String({ minLength: 1, maxLength: 31, description: 'The VDOM (default root).' }),
    ),
    never_block: Type.Optional(
      Type.Array(Type.String({ minLength: 1, maxLength: 260 }), {
        maxItems: 10_000,
        description:
          'IPs, CIDRs and domains that must never be blocked, in addition to private, reserved, loopback, link-local and multicast ranges and the FortiGate itself. A domain covers its subdomains.',
      }),
    ),
    max_blocks_per_run: Type.Optional(
      Type.Integer({
        minimum: 1,
        maximum: 100_000,
        description: 'At most this many new blocks per playbook run (default 50).',
      }),
    ),
  },
  { additionalProperties: false },
);

export interface Settings {
  blockGroup: string;
  blockGroup6: string | undefined;
  /** The block group then its overflow groups: where IPv4 blocks go, in order. */
  blockGroups: string[];
  /** The same for IPv6; empty without block_group6. */
  blockGroups6: string[];
  vdom: string;
  neverBlock: NeverBlock;
  maxBlocksPerRun: number;
}

export const DEFAULT_MAX_BLOCKS_PER_RUN = 50;

const cache = new WeakMap<InstanceContext, Settings>();

/** The instance's settings with defaults applied; the never-block list is parsed once per instance. */
export function readSettings(instance: InstanceContext): Settings {
  const cached = cache.get(instance);
  if (cached) return cached;
  const raw = instance.settings as Partial<Static<typeof FortiGateSettings>>;
  if (typeof raw.block_group !== 'string' || raw.block_group === '') {
    throw permanentError(
      `instance '${instance.id}': settings.block_group is required`,
      'BAD_INSTANCE',
    );
  }
  let neverBlock: NeverBlock;
  try {
    neverBlock = NeverBlock.build(raw.never_block ?? [], instance.url);
  } catch (error) {
    throw permanentError(`instance '${instance.id}': ${(error as Error).message}`, 'BAD_INSTANCE');
  }
  if (raw.overflow_groups6?.length && raw.block_group6 === undefined) {
    throw permanentError(
      `instance '${instance.id}': settings.overflow_groups6 needs settings.block_group6`,
      'BAD_INSTANCE',
    );
  }
  const settings: Settings = {
    blockGroup: raw.block_group,
    blockGroup6: raw.block_group6,
    blockGroups: [raw.block_group, ...(raw.overflow_groups ?? [])],
    blockGroups6:
      raw.block_group6 === undefined ? [] : [raw.block_group6, ...(raw.overflow_groups6 ?? [])],
    vdom: raw.vdom ?? 'root',
    neverBlock,
    maxBlocksPerRun: raw.max_blocks_per_run ?? DEFAULT_MAX_BLOCKS_PER_RUN,
  };
  cache.set(instance, settings);
  return settings;
}
