import { afterEach, describe, expect, it } from 'vitest';
import { fixtureMalops } from '../../integrations/cybereason/fixtures/malops.js';
import type { SimMalop } from '../../integrations/cybereason/simulator/model.js';
import { LAB_BLOCK_GROUP } from '../../src/demo/lab.js';
import { labEngine, type LabEngine } from './lab-engine.js';

let lab: LabEngine | null = null;
afterEach(async () => {
  await lab?.close();
  lab = null;
});

const POOL = ['203.0.113.10', '203.0.113.11', '203.0.113.12', '203.0.113.13', '198.51.100.14'];

/** 20 beacons built on the fixture PowerShell malop, each reaching 3 addresses of one small pool. */
function overlappingMalops(): SimMalop[] {
  const template = fixtureMalops(Date.now()).find((m) => m.guid === 'AAAA0ws7O-MUgDmB')!;
  return Array.from({ length: 20 }, (_, i) => {
    const malop = structuredClone(template);
    malop.guid = `AAAAbeacon${String(i).padStart(6, '0')}`;
    malop.displayName = `beacon-${i}.exe`;
    let n = 0;
    for (const [p, process] of malop.processes.entries()) {
      process.guid = `${malop.guid}.p${p}`;
      for (const connection of process.connections) {
        connection.guid = `${malop.guid}.c${n}`;
        connection.remoteAddress = POOL[(i + n) % POOL.length]!;
        connection.domain = null;
        connection.malicious = true;
        n++;
      }
    }
    return malop;
  });
}

describe('20 triage runs blocking overlapping addresses at once', () => {
  it('leave each address in the block group exactly once, and lose no member', async () => {
    lab = await labEngine({
      cybereason: { malops: overlappingMalops() },
      // Jitter lets the runs' FortiGate calls interleave.
      fortigate: { latencyMs: () => Math.random() * 4 },
    });
    const fetched = await lab.fetch();
    expect(fetched.created).toBe(20);
    const approvals = await Promise.all(
      fetched.runs.map(async (r) => (await lab!.engine.summary(r.run)).approvals[0]!),
    );
    expect(approvals).toHaveLength(20);
    // Every analyst approves at the same moment: the 20 block steps run concurrently.
    await Promise.all(approvals.map((a) => lab!.engine.approve(a.id, 'block', 'soc@example.com')));
    await lab.engine.idle();
    expect(lab.lab.fortigate.maxInFlight).toBeGreaterThan(1);

    const members = lab.lab.fortigate.members(LAB_BLOCK_GROUP);
    expect([...members].sort()).toEqual(
      ['manual-bad-host', ...POOL.map((a) => `soar-${a}`)].sort(),
    );
    expect(new Set(members).size).toBe(members.length);

    let blocked: string[] = [];
    for (const r of fetched.runs) {
      const summary = await lab.engine.summary(r.run);
      expect(summary.status).toBe('completed');
      const outputs = summary.outputs as { blocked: string[]; already_blocked: string[] };
      // Every address a run reached was either blocked by it or found already blocked.
      expect(outputs.blocked.length + outputs.already_blocked.length).toBe(3);
      blocked = [...blocked, ...outputs.blocked];
      expect((await lab.journal(r.incident)).verification.ok).toBe(true);
    }
    // Each address was added by exactly one of the runs.
    expect([...blocked].sort()).toEqual([...POOL].sort());
  });
});
