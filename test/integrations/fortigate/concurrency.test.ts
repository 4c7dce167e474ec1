import { afterEach, describe, expect, it } from 'vitest';
import { fortigateHarness, type FortiGateHarness } from './harness.js';

let h: FortiGateHarness;
afterEach(() => h?.close());

const POOL = [
  '203.0.113.1',
  '203.0.113.2',
  '203.0.113.3',
  '203.0.113.64/26',
  '198.51.100.9',
  '198.51.100.10',
  'evil.example.com',
  'c2.example.net',
  '2001:db8:1::1',
  '2001:db8:1::2',
];

/** Run i blocks five pool addresses starting at i: every address is wanted by several runs. */
function addressesOf(run: number): string[] {
  return Array.from({ length: 5 }, (_, k) => POOL[(run + k) % POOL.length]!);
}

interface BlockOutput {
  blocked: string[];
  already_blocked: string[];
  refused: unknown[];
}

describe('20 concurrent block_address runs with overlapping addresses', () => {
  it.each(['token', 'session'] as const)(
    'leave each address in its group exactly once and lose no member (%s auth)',
    async (auth) => {
      h = await fortigateHarness({
        auth,
        settings: { block_group6: 'SOAR-Blocklist6' },
        // Random latency per request interleaves the runs' reads and writes.
        simulator: { latencyMs: () => Math.random() * 5 },
      });
      const id = await h.playbook('fortigate.block_address', {}, { foreach: { concurrency: 3 } });
      const engine = h.newEngine();
      const runIds = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          engine.start(id, { args: {}, items: addressesOf(i) }, null),
        ),
      );
      await engine.idle();
      const runs = await Promise.all(runIds.map((runId) => h.collect(engine, runId)));

      expect(runs.map((r) => r.summary.status)).toEqual(Array(20).fill('completed'));
      expect(h.sim.maxInFlight).toBeGreaterThan(5);

      const v4 = h.sim.members('SOAR-Blocklist');
      const v6 = h.sim.members('SOAR-Blocklist6', 'firewall/addrgrp6');
      expect(v4).toHaveLength(new Set(v4).size);
      expect(v6).toHaveLength(new Set(v6).size);
      expect(v4.sort()).toEqual(
        [
          'manual-bad-host',
          'soar-203.0.113.1',
          'soar-203.0.113.2',
          'soar-203.0.113.3',
          'soar-203.0.113.64_26',
          'soar-198.51.100.9',
          'soar-198.51.100.10',
          'soar-evil.example.com',
          'soar-c2.example.net',
        ].sort(),
      );
      expect(v6.sort()).toEqual(['manual-bad-host6', 'soar-2001:db8:1::1', 'soar-2001:db8:1::2']);
      const objects = h.sim.addresses().map((a) => a.name);
      expect(objects).toHaveLength(new Set(objects).size);

      // Exactly one run added each address; every other run that wanted it found it there.
      const outputs = runs.flatMap((r) => r.output as unknown as BlockOutput[]);
      expect(outputs.flatMap((o) => o.refused)).toEqual([]);
      const blockedBy = new Map<string, number>();
      for (const o of outputs)
        for (const a of o.blocked) blockedBy.set(a, (blockedBy.get(a) ?? 0) + 1);
      expect([...blockedBy.keys()].sort()).toEqual([...POOL].sort());
      expect([...blockedBy.values()]).toEqual(Array(POOL.length).fill(1));
      expect(outputs.flatMap((o) => o.already_blocked)).toHaveLength(100 - POOL.length);

      // The runs did race: some creates and member adds met "already exists" (-5, HTTP 500).
      const duplicates = h.sim.requests.filter((r) => r.method === 'POST' && r.status === 500);
      expect(duplicates.filter((r) => r.path.endsWith('/member')).length).toBeGreaterThan(0);

      // Members only ever joined through the sub-table: the group was never rewritten.
      expect(h.sim.requests.filter((r) => r.method === 'PUT')).toEqual([]);
      if (auth === 'session') expect(h.sim.activeSessions).toBe(0);
    },
  );
});
