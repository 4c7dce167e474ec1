import { afterEach, describe, expect, it } from 'vitest';
import { evidenceData, fortigateHarness, ofKind, type FortiGateHarness } from './harness.js';

let h: FortiGateHarness;
afterEach(() => h?.close());

describe('fortigate.block_address', () => {
  it('creates ipmask, address6 and fqdn objects and adds each to its group one member at a time', async () => {
    h = await fortigateHarness({ settings: { block_group6: 'SOAR-Blocklist6' } });
    const run = await h.run('block_address', {
      address: ['203.0.113.9', '203.0.113.77/24', '2001:db8:1::9', 'Evil.Example.COM.'],
      comment: 'malop 11.2',
    });
    expect(run.summary.status).toBe('completed');
    expect(run.output).toEqual({
      blocked: ['203.0.113.9', '203.0.113.0/24', '2001:db8:1::9', 'evil.example.com'],
      already_blocked: [],
      refused: [],
      dry_run: false,
    });
    const byName = Object.fromEntries(h.sim.addresses().map((a) => [a.name, a]));
    expect(byName['soar-203.0.113.9']).toMatchObject({
      type: 'ipmask',
      subnet: '203.0.113.9 255.255.255.255',
    });
    expect(String(byName['soar-203.0.113.9']!.comment)).toBe(`malop 11.2 [soar-run:${run.runId}]`);
    expect(byName['soar-203.0.113.0_24']).toMatchObject({ subnet: '203.0.113.0 255.255.255.0' });
    expect(byName['soar-evil.example.com']).toMatchObject({
      type: 'fqdn',
      fqdn: 'evil.example.com',
    });
    expect(h.sim.addresses('firewall/address6').map((a) => [a.name, a.ip6])).toContainEqual([
      'soar-2001:db8:1::9',
      '2001:db8:1::9/128',
    ]);
    expect(h.sim.members('SOAR-Blocklist')).toEqual([
      'manual-bad-host',
      'soar-203.0.113.9',
      'soar-203.0.113.0_24',
      'soar-evil.example.com',
    ]);
    expect(h.sim.members('SOAR-Blocklist6', 'firewall/addrgrp6')).toEqual([
      'manual-bad-host6',
      'soar-2001:db8:1::9',
    ]);
    // Members join through the sub-table; the group itself is never rewritten.
    const writes = h.sim.requests.filter((r) => r.method !== 'GET');
    expect(writes.some((r) => r.method === 'PUT')).toBe(false);
    expect(writes.filter((r) => r.path.endsWith('/member')).map((r) => r.body)).toEqual([
      { name: 'soar-203.0.113.9' },
      { name: 'soar-203.0.113.0_24' },
      { name: 'soar-2001:db8:1::9' },
      { name: 'soar-evil.example.com' },
    ]);
    expect(evidenceData(run.entries).map((d) => d.action)).toEqual([
      'blocked',
      'blocked',
      'blocked',
      'blocked',
    ]);
    expect(ofKind(run.entries, 'evidence')[3]!.artifacts).toEqual([
      { type: 'domain', value: 'evil.example.com' },
    ]);
  });

  it('is idempotent: a second run reports already_blocked and writes nothing', async () => {
    h = await fortigateHarness();
    await h.run('block_address', { address: '203.0.113.9' });
    const before = h.sim.requests.length;
    const again = await h.run('block_address', { address: '203.0.113.9' });
    expect(again.output).toMatchObject({ blocked: [], already_blocked: ['203.0.113.9'] });
    expect(h.sim.requests.slice(before).every((r) => r.method === 'GET')).toBe(true);
    expect(h.sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host', 'soar-203.0.113.9']);
  });

  it('takes "already exists" (-5, HTTP 500) as success and repairs an object whose value differs', async () => {
    h = await fortigateHarness({
      simulator: {
        seed: {
          vdoms: {
            root: {
              'firewall/address': [
                { name: 'keep', subnet: '198.51.100.1 255.255.255.255' },
                // Someone edited the object by hand: the name says .9, the subnet says .10.
                { name: 'soar-203.0.113.9', subnet: '203.0.113.10 255.255.255.255' },
              ],
              'firewall/addrgrp': [{ name: 'SOAR-Blocklist', member: [{ name: 'keep' }] }],
            },
          },
        },
      },
    });
    const run = await h.run('block_address', { address: '203.0.113.9' });
    expect(run.output).toMatchObject({ blocked: ['203.0.113.9'], refused: [] });
    const create = h.sim.requests.find(
      (r) => r.method === 'POST' && r.path === '/api/v2/cmdb/firewall/address',
    );
    expect(create?.status).toBe(500);
    expect(h.sim.addresses().find((a) => a.name === 'soar-203.0.113.9')?.subnet).toBe(
      '203.0.113.9 255.255.255.255',
    );
    expect(h.sim.members('SOAR-Blocklist')).toEqual(['keep', 'soar-203.0.113.9']);
  });

  it.each([-5, -15])(
    'takes "already a member" (error %i, HTTP 500) as success when another blocker added it first',
    async (code) => {
      h = await fortigateHarness();
      h.sim.inject({
        method: 'POST',
        path: '/api/v2/cmdb/firewall/addrgrp/SOAR-Blocklist/member',
        fault: {
          kind: 'status',
          status: 500,
          body: { http_method: 'POST', status: 'error', http_status: 500, error: code },
        },
      });
      const run = await h.run('block_address', { address: '192.0.2.50' });
      expect(run.output).toMatchObject({ blocked: [], already_blocked: ['192.0.2.50'] });
      expect(evidenceData(run.entries)[0]).toMatchObject({ action: 'already_blocked' });
    },
  );

  it('refuses protected addresses, journals each refusal as evidence, and blocks the rest', async () => {
    h = await fortigateHarness({
      settings: { never_block: ['198.51.100.0/24', 'corp.example', '2001:db8:ffff::/48'] },
    });
    const run = await h.run('block_address', {
      address: [
        '10.1.2.3',
        '192.168.0.0/16',
        '127.0.0.1',
        '169.254.10.10',
        '224.0.0.251',
        'fe80::1',
        'fd00::5',
        '::1',
        '0.0.0.0/0',
        '198.51.100.200',
        'mail.corp.example',
        'printer.local',
        '2001:db8:ffff::1',
        '2001:db8:ffff::1',
        'not an address',
        '203.0.113.5',
      ],
    });
    expect(run.output.blocked).toEqual(['203.0.113.5']);
    const refused = run.output.refused as { address: string; reason: string }[];
    expect(refused.map((r) => r.address)).toEqual([
      '10.1.2.3',
      '192.168.0.0/16',
      '127.0.0.1',
      '169.254.10.10',
      '224.0.0.251',
      'fe80::1',
      'fd00::5',
      '::1',
      '0.0.0.0/0',
      '198.51.100.200',
      'mail.corp.example',
      'printer.local',
      '2001:db8:ffff::1',
      'not an address',
    ]);
    expect(refused[0]!.reason).toBe('never-block: private range 10.0.0.0/8');
    expect(refused[8]!.reason).toMatch(/^never-block: /);
    expect(refused[9]!.reason).toBe('never-block: on the never_block list (198.51.100.0/24)');
    expect(refused[10]!.reason).toBe('never-block: on the never_block list (corp.example)');
    expect(refused[13]!.reason).toMatch(/not an IP address, CIDR or domain/);
    const evidence = ofKind(run.entries, 'evidence').filter(
      (e) => (e.data as { action: string }).action === 'refused',
    );
    expect(evidence).toHaveLength(14);
    expect(evidence[0]).toMatchObject({
      summary: 'Refused to block 10.1.2.3: never-block: private range 10.0.0.0/8',
      artifacts: [{ type: 'ip', value: '10.1.2.3' }],
    });
    // Nothing refused reached the firewall.
    expect(h.sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host', 'soar-203.0.113.5']);
  });

  it("refuses the firewall's own address taken from the instance url", async () => {
    h = await fortigateHarness();
    const run = await h.run('block_address', { address: '127.0.0.0/30' });
    expect((run.output.refused as { reason: string }[])[0]!.reason).toMatch(/loopback/);
  });

  it('refuses IPv6 without block_group6 instead of mixing families', async () => {
    h = await fortigateHarness();
    const run = await h.run('block_address', { address: '2001:db8::77' });
    expect(run.output.refused).toEqual([
      { address: '2001:db8::77', reason: expect.stringMatching(/block_group6/) },
    ]);
    expect(h.sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
  });

  it('in a dry run reads but writes nothing, and journals what it would do', async () => {
    h = await fortigateHarness({ dryRun: true });
    const run = await h.run('block_address', {
      address: ['203.0.113.9', '198.51.100.77', '10.0.0.1'],
      dry_run: false,
    });
    // 198.51.100.77 is in the group already as manual-bad-host, not as soar-198.51.100.77.
    expect(run.output).toEqual({
      blocked: ['203.0.113.9', '198.51.100.77'],
      already_blocked: [],
      refused: [{ address: '10.0.0.1', reason: 'never-block: private range 10.0.0.0/8' }],
      dry_run: true,
    });
    expect(h.sim.requests.filter((r) => r.method !== 'GET')).toEqual([]);
    expect(ofKind(run.entries, 'evidence').map((e) => e.summary)).toEqual([
      expect.stringMatching(/^Dry run: would block 203\.0\.113\.9 /),
      expect.stringMatching(/^Dry run: would block 198\.51\.100\.77 /),
      'Refused to block 10.0.0.1: never-block: private range 10.0.0.0/8',
    ]);
  });

  it('a dry_run input makes one call dry on a live instance', async () => {
    h = await fortigateHarness();
    const run = await h.run('block_address', { address: '203.0.113.9', dry_run: true });
    expect(run.output).toMatchObject({ blocked: ['203.0.113.9'], dry_run: true });
    expect(h.sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host']);
  });

  it('stops at max_blocks_per_run new blocks, counting by run', async () => {
    h = await fortigateHarness({ settings: { max_blocks_per_run: 2 } });
    await h.run('block_address', { address: '203.0.113.1' });
    const run = await h.run('block_address', {
      address: ['203.0.113.1', '203.0.113.2', '203.0.113.3', '203.0.113.4'],
    });
    // .1 was blocked by an earlier run: already blocked costs nothing.
    expect(run.output).toMatchObject({
      blocked: ['203.0.113.2', '203.0.113.3'],
      already_blocked: ['203.0.113.1'],
      refused: [{ address: '203.0.113.4', reason: 'per-run cap reached: max_blocks_per_run is 2' }],
    });
  });

  it('holds the cap across concurrent foreach items of one run', async () => {
    h = await fortigateHarness({
      settings: { max_blocks_per_run: 3 },
      simulator: { latencyMs: () => Math.random() * 4 },
    });
    const id = await h.playbook('fortigate.block_address', {}, { foreach: { concurrency: 8 } });
    const items = Array.from({ length: 10 }, (_, i) => `203.0.113.${i + 1}`);
    const engine = h.newEngine();
    const runId = await engine.start(id, { args: {}, items }, null);
    await engine.idle();
    const run = await h.collect(engine, runId);
    const outputs = run.output as unknown as { blocked: string[] }[];
    expect(outputs.flatMap((o) => o.blocked)).toHaveLength(3);
    expect(h.sim.members('SOAR-Blocklist')).toHaveLength(4);
  });

  it('fails clearly when the block group does not exist', async () => {
    h = await fortigateHarness({ settings: { block_group: 'No-Such-Group' } });
    const run = await h.run('block_address', { address: '203.0.113.9' });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toMatch(/block group 'No-Such-Group' does not exist in vdom 'root'/);
  });

  it('rejects input an expression turned into the wrong type', async () => {
    h = await fortigateHarness();
    const run = await h.run('block_address', { address: 42 });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toMatch(/fortigate\.block_address: invalid input/);
  });
});
