import { afterEach, describe, expect, it } from 'vitest';
import { defaultSeed } from '../../../integrations/fortigate/fixtures/default.js';
import type { CmdbSeed } from '../../../integrations/fortigate/simulator-cmdb.js';
import { fortigateHarness, ofKind, type FortiGateHarness } from './harness.js';

let h: FortiGateHarness;
afterEach(() => h?.close());

/** The default device plus two overflow groups that the deny policy also uses. */
function seedWithOverflow(): CmdbSeed {
  const seed = structuredClone(defaultSeed);
  const root = seed.vdoms.root!;
  root['firewall/addrgrp']!.push(
    { name: 'SOAR-Blocklist-2', member: [], comment: 'overflow' },
    { name: 'SOAR-Blocklist-3', member: [], comment: 'overflow' },
  );
  root['firewall/policy']![0]!.dstaddr = [
    { name: 'SOAR-Blocklist' },
    { name: 'SOAR-Blocklist-2' },
    { name: 'SOAR-Blocklist-3' },
  ];
  return seed;
}

const ADDRESSES = ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4', '203.0.113.5'];

describe('fortigate block group rollover', () => {
  it('fills the block group, then each overflow group in order, and says when it rolls over', async () => {
    h = await fortigateHarness({
      simulator: { seed: seedWithOverflow(), cmdb: { maxGroupMembers: 2 } },
      settings: { overflow_groups: ['SOAR-Blocklist-2', 'SOAR-Blocklist-3'] },
    });
    const run = await h.run('block_address', { address: ADDRESSES });
    expect(run.summary.status).toBe('completed');
    expect(run.output.blocked).toEqual(ADDRESSES);
    // The block group already held manual-bad-host: one more fits, then two per overflow group.
    expect(h.sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host', 'soar-203.0.113.1']);
    expect(h.sim.members('SOAR-Blocklist-2')).toEqual(['soar-203.0.113.2', 'soar-203.0.113.3']);
    expect(h.sim.members('SOAR-Blocklist-3')).toEqual(['soar-203.0.113.4', 'soar-203.0.113.5']);
    const notes = ofKind(run.entries, 'note').map((e) => e.summary);
    expect(notes).toEqual([
      expect.stringMatching(
        /^Block group 'SOAR-Blocklist' refused a member .*rolling over to 'SOAR-Blocklist-2'$/,
      ),
      expect.stringMatching(
        /^Block group 'SOAR-Blocklist-2' refused .*rolling over to 'SOAR-Blocklist-3'$/,
      ),
    ]);
    // Evidence names the group each address went to.
    const groups = ofKind(run.entries, 'evidence').map((e) => e.data?.group);
    expect(groups).toEqual([
      'SOAR-Blocklist',
      'SOAR-Blocklist-2',
      'SOAR-Blocklist-2',
      'SOAR-Blocklist-3',
      'SOAR-Blocklist-3',
    ]);

    // A later block of an address held by an overflow group is "already blocked", no write.
    const writes = h.sim.requests.filter((r) => r.method !== 'GET').length;
    const again = await h.run('block_address', { address: '203.0.113.4' });
    expect(again.output).toMatchObject({ blocked: [], already_blocked: ['203.0.113.4'] });
    expect(h.sim.requests.filter((r) => r.method !== 'GET').length).toBe(writes);

    // list_blocked and unblock_address see every group.
    const listed = await h.run('list_blocked', {});
    expect((listed.output as { count: number }).count).toBe(6);
    const unblock = await h.run('unblock_address', { address: '203.0.113.5' });
    expect(unblock.output).toMatchObject({ unblocked: ['203.0.113.5'], not_blocked: [] });
    expect(h.sim.members('SOAR-Blocklist-3')).toEqual(['soar-203.0.113.4']);
  });

  it('fails clearly when every group is full, keeping what it blocked', async () => {
    h = await fortigateHarness({
      simulator: { seed: seedWithOverflow(), cmdb: { maxGroupMembers: 2 } },
      settings: { overflow_groups: ['SOAR-Blocklist-2'] },
    });
    const run = await h.run('block_address', { address: ADDRESSES });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toContain('every block group refused soar-203.0.113.4');
    expect(run.summary.error).toContain('settings.overflow_groups');
    expect(h.sim.members('SOAR-Blocklist-2')).toEqual(['soar-203.0.113.2', 'soar-203.0.113.3']);
    // The three addresses blocked before the failure are journaled as evidence.
    expect(ofKind(run.entries, 'evidence')).toHaveLength(3);
  });

  it('without overflow groups, a full group fails the step with the device error as before', async () => {
    h = await fortigateHarness({ simulator: { cmdb: { maxGroupMembers: 1 } } });
    const run = await h.run('block_address', { address: '203.0.113.9' });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toContain('maximum of 1 members');
  });

  it('refuses overflow_groups6 without block_group6', async () => {
    h = await fortigateHarness({ settings: { overflow_groups6: ['X6'] } });
    const run = await h.run('block_address', { address: '203.0.113.9' });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toContain('overflow_groups6 needs settings.block_group6');
  });
});
