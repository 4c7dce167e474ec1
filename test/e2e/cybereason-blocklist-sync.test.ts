import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { registry } from '../../src/cli/local-context.js';
import { PlaybookLibrary } from '../../src/runtime/playbook-library.js';
import { LAB_BLOCK_GROUP } from '../../src/demo/lab.js';
import { labEngine, type LabEngine } from './lab-engine.js';

let lab: LabEngine | null = null;
afterEach(async () => {
  await lab?.close();
  lab = null;
});

/**
 * Live blocklist entries (IPs and domains) and the malicious remote ends of active malops (the
 * remediated RDP malop's 198.51.100.99 is not among them).
 */
const BLOCKLIST = ['203.0.113.45', '198.51.100.7', 'cdn-sync.example.com'];
const FROM_MALOPS = [
  '203.0.113.45',
  'update-cdn.example.net',
  '192.0.2.77',
  '203.0.113.200',
  'cdn-sync.example.com',
  'ns1.cdn-sync.example.com',
];

describe('playbooks/cybereason-blocklist-sync.yaml against the simulators', () => {
  it("puts the blocklist and recent malops' malicious ends in the block group, once", async () => {
    lab = await labEngine();
    const first = await lab.engine.start('cybereason-blocklist-sync', {}, null);
    await lab.engine.idle();
    const summary = await lab.engine.summary(first);
    expect(summary.status).toBe('completed');
    const expected = [...new Set([...BLOCKLIST, ...FROM_MALOPS])];
    expect([...(summary.outputs.blocked as string[])].sort()).toEqual([...expected].sort());
    expect(summary.outputs).toMatchObject({ blocklisted: 3, already_blocked: [], refused: [] });
    // The expired entry (192.0.2.200) and the allowlisted domain stay off the firewall.
    const members = lab.lab.fortigate.members(LAB_BLOCK_GROUP);
    expect([...members].sort()).toEqual(
      ['manual-bad-host', ...expected.map((a) => `soar-${a}`)].sort(),
    );
    expect(members).not.toContain('soar-192.0.2.200');
    expect(members).not.toContain('soar-intranet.example.org');
    expect(members).not.toContain('soar-198.51.100.99');

    // The next tick finds everything already there: nothing added, nothing lost.
    const second = await lab.engine.start('cybereason-blocklist-sync', {}, null);
    await lab.engine.idle();
    const again = await lab.engine.summary(second);
    expect(again.outputs.blocked).toEqual([]);
    expect([...(again.outputs.already_blocked as string[])].sort()).toEqual([...expected].sort());
    expect(lab.lab.fortigate.members(LAB_BLOCK_GROUP)).toEqual(members);

    const { verification, entries, text } = await lab.journal(second);
    expect(verification.ok).toBe(true);
    expect(entries.filter((e) => e.kind === 'step.completed').map((e) => e.step)).toEqual([
      'blocklist',
      'recent_malops',
      'connections',
      'targets',
      'anything_to_block',
      'block',
      'synced',
    ]);
    for (const secret of lab.secrets) expect(text).not.toContain(secret);
  });

  it('stops at the per-run cap and lists the rest as refused', async () => {
    lab = await labEngine({ fortigateSettings: { max_blocks_per_run: 2 } });
    const run = await lab.engine.start('cybereason-blocklist-sync', {}, null);
    await lab.engine.idle();
    const { outputs } = await lab.engine.summary(run);
    expect(outputs.blocked).toHaveLength(2);
    expect((outputs.refused as { reason: string }[]).length).toBe(5);
    expect((outputs.refused as { reason: string }[])[0]!.reason).toMatch(/max_blocks_per_run|cap/);
    expect(lab.lab.fortigate.members(LAB_BLOCK_GROUP)).toHaveLength(3);
  });

  it('is declared as a scheduled playbook', async () => {
    const library = new PlaybookLibrary(resolve('playbooks'), registry());
    const { playbook } = await library.get('cybereason-blocklist-sync');
    expect(playbook.trigger?.schedule).toBe('*/15 * * * *');
  });
});
