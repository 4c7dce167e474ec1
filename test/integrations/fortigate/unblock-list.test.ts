import { afterEach, describe, expect, it } from 'vitest';
import { evidenceData, fortigateHarness, type FortiGateHarness } from './harness.js';

let h: FortiGateHarness;
afterEach(() => h?.close());

describe('fortigate.unblock_address', () => {
  it('removes the member through the sub-table, then deletes the object; missing is success', async () => {
    h = await fortigateHarness({ settings: { block_group6: 'SOAR-Blocklist6' } });
    await h.run('block_address', { address: ['203.0.113.9', '2001:db8:1::9', 'evil.example.com'] });
    const run = await h.run('unblock_address', {
      address: ['203.0.113.9', '2001:db8:1::9', 'evil.example.com', '203.0.113.200', 'bad input!'],
    });
    expect(run.output).toEqual({
      unblocked: ['203.0.113.9', '2001:db8:1::9', 'evil.example.com'],
      not_blocked: ['203.0.113.200'],
      kept_objects: [],
      refused: [{ address: 'bad input!', reason: expect.stringMatching(/not an IP address/) }],
      dry_run: false,
    });
    expect(h.sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host']);
    expect(h.sim.members('SOAR-Blocklist6', 'firewall/addrgrp6')).toEqual(['manual-bad-host6']);
    expect(h.sim.addresses().map((a) => a.name)).toEqual(['all', 'manual-bad-host']);
    expect(h.sim.requests.filter((r) => r.method === 'PUT')).toEqual([]);
    expect(evidenceData(run.entries).map((d) => d.action)).toEqual([
      'unblocked',
      'unblocked',
      'unblocked',
      'not_blocked',
      'refused',
    ]);
  });

  it('keeps an object that something else still uses, and says so', async () => {
    h = await fortigateHarness();
    await h.run('block_address', { address: '203.0.113.9' });
    // An administrator also put the object in another group.
    await fetch(`${h.sim.url}/api/v2/cmdb/firewall/addrgrp`, {
      method: 'POST',
      headers: { authorization: 'Bearer fgt-token-5f4dcc3b5aa765d61d8327deb882cf99' },
      body: JSON.stringify({ name: 'Other', member: [{ name: 'soar-203.0.113.9' }] }),
    });
    const run = await h.run('unblock_address', { address: '203.0.113.9' });
    expect(run.output).toMatchObject({
      unblocked: ['203.0.113.9'],
      kept_objects: [{ address: '203.0.113.9', reason: expect.stringMatching(/error -23/) }],
    });
    expect(h.sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host']);
  });

  it('in a dry run only reads', async () => {
    h = await fortigateHarness();
    await h.run('block_address', { address: '203.0.113.9' });
    const before = h.sim.requests.length;
    const run = await h.run('unblock_address', {
      address: ['203.0.113.9', '203.0.113.10'],
      dry_run: true,
    });
    expect(run.output).toMatchObject({
      unblocked: ['203.0.113.9'],
      not_blocked: ['203.0.113.10'],
      dry_run: true,
    });
    expect(h.sim.requests.slice(before).every((r) => r.method === 'GET')).toBe(true);
  });
});

describe('fortigate.list_blocked', () => {
  it('lists the members of both groups with the address each object stands for', async () => {
    h = await fortigateHarness({ settings: { block_group6: 'SOAR-Blocklist6' } });
    await h.run('block_address', {
      address: ['203.0.113.0/24', 'evil.example.com', '2001:db8:1::/64'],
      comment: 'case 7',
    });
    const run = await h.run('list_blocked', {});
    expect(run.output.count).toBe(5);
    expect(run.output.members).toEqual([
      {
        name: 'manual-bad-host',
        address: '198.51.100.77',
        type: 'ipmask',
        group: 'SOAR-Blocklist',
        comment: 'added by hand',
        managed: false,
      },
      expect.objectContaining({
        name: 'soar-203.0.113.0_24',
        address: '203.0.113.0/24',
        managed: true,
        comment: expect.stringMatching(/^case 7 \[soar-run:/),
      }),
      expect.objectContaining({
        name: 'soar-evil.example.com',
        address: 'evil.example.com',
        type: 'fqdn',
      }),
      expect.objectContaining({
        name: 'manual-bad-host6',
        address: '2001:db8:bad::1',
        group: 'SOAR-Blocklist6',
      }),
      expect.objectContaining({
        name: 'soar-2001:db8:1::_64',
        address: '2001:db8:1::/64',
        type: 'ipprefix',
      }),
    ]);
    // One read of each address table, not one per member.
    const reads = h.sim.requests.filter(
      (r) => /firewall\/address6?$/.test(r.path) && r.method === 'GET',
    );
    expect(reads.slice(-2).map((r) => r.query.format)).toEqual([
      expect.stringContaining('subnet'),
      expect.stringContaining('ip6'),
    ]);
  });
});
