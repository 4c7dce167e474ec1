import { afterEach, describe, expect, it } from 'vitest';
import type { JournalEntry } from '../../src/journal/entry.js';
import { LAB_BLOCK_GROUP } from '../../src/demo/lab.js';
import { SIM_INDICATORS_COLLECTION } from '../../integrations/taxii/taxii21/simulator.js';
import { labEngine, type LabEngine } from './lab-engine.js';

const AASIAPP = 'AAAA0w7GERjl3oae';
const POWERSHELL = 'AAAA0ws7O-MUgDmB';
const RDP = 'AAAA1a2RdpInc0me';
const EPP = '11.-6236127207710541535';

let lab: LabEngine | null = null;
afterEach(async () => {
  await lab?.close();
  lab = null;
});

function completedSteps(entries: JournalEntry[], run: string): string[] {
  return entries.filter((e) => e.run === run && e.kind === 'step.completed').map((e) => e.step!);
}

describe('playbooks/cybereason-malop-triage.yaml against the simulators', () => {
  it('triages every fetched malop: blocks what the analyst approves, annotates the rest', async () => {
    lab = await labEngine();
    const fetched = await lab.fetch();
    expect(fetched).toMatchObject({ fetched: 4, created: 4 });
    const runOf = new Map<string, { run: string; incident: string }>();
    for (const r of fetched.runs) {
      const summary = await lab.engine.summary(r.run);
      const incident = await lab.local.store.loadIncident(r.incident);
      runOf.set(String(incident!.fields.guid), r);
      // Only the malop with nothing to block finishes without an analyst.
      expect(summary.status).toBe(incident!.fields.guid === EPP ? 'completed' : 'waiting');
    }

    const approvalOf = async (guid: string) =>
      (await lab!.engine.summary(runOf.get(guid)!.run)).approvals[0]!;
    expect((await approvalOf(POWERSHELL)).prompt).toBe(
      'Cybereason malop "powershell.exe" (high) reached 192.0.2.77, 203.0.113.200, ' +
        'cdn-sync.example.com, ns1.cdn-sync.example.com. Block these on the FortiGate?',
    );
    await lab.engine.approve((await approvalOf(AASIAPP)).id, 'block', 'ana@example.com');
    await lab.engine.approve((await approvalOf(POWERSHELL)).id, 'block', 'ana@example.com');
    await lab.engine.approve((await approvalOf(RDP)).id, 'skip', 'ben@example.com');
    await lab.engine.idle();

    // The FortiGate: the approved malops' addresses and domains, each once; the declined one absent.
    const members = lab.lab.fortigate.members(LAB_BLOCK_GROUP);
    expect([...members].sort()).toEqual(
      [
        'manual-bad-host',
        'soar-192.0.2.77',
        'soar-203.0.113.200',
        'soar-203.0.113.45',
        'soar-cdn-sync.example.com',
        'soar-ns1.cdn-sync.example.com',
        'soar-update-cdn.example.net',
      ].sort(),
    );
    const objects = lab.lab.fortigate.addresses();
    expect(objects.find((o) => o.name === 'soar-203.0.113.45')).toMatchObject({
      subnet: '203.0.113.45 255.255.255.255',
      comment: expect.stringContaining(`Cybereason malop ${AASIAPP}`),
    });
    expect(objects.find((o) => o.name === 'soar-update-cdn.example.net')).toMatchObject({
      type: 'fqdn',
      fqdn: 'update-cdn.example.net',
    });

    // Cybereason: status and a comment that says what happened, on every malop.
    const cr = lab.lab.cybereason.state;
    expect(cr.crimeStatus(AASIAPP)).toBe('OPEN');
    expect(cr.crimeStatus(POWERSHELL)).toBe('OPEN');
    expect(cr.crimeStatus(RDP)).toBe('TODO');
    expect(cr.crimeStatus(EPP)).toBe('TODO');
    expect(cr.comments(POWERSHELL)).toEqual([
      `SOAR run ${runOf.get(POWERSHELL)!.run}: blocked on the FortiGate: 192.0.2.77, ` +
        '203.0.113.200, cdn-sync.example.com, ns1.cdn-sync.example.com; already blocked: none.',
    ]);
    expect(cr.comments(RDP)).toEqual([
      `SOAR run ${runOf.get(RDP)!.run}: nothing blocked: the analyst declined the block of 198.51.100.99.`,
    ]);
    expect(cr.comments(EPP)).toEqual([
      `SOAR run ${runOf.get(EPP)!.run}: nothing blocked: the malop has no malicious connection to block.`,
    ]);

    // SECDO saw each malicious connection once, the incoming one the right way round.
    const sent = lab.lab.secdo.enrichments.map((e) => e.body as Record<string, string>);
    expect(sent).toHaveLength(5);
    expect(sent.find((b) => b.event_id === '-576986290.-9988776655443322110')).toMatchObject({
      type: 'IncomingConnectionEvent',
      source_ip: '198.51.100.99',
      source_port: '49822',
      destination_ip: '10.21.2.50',
      destination_port: '3389',
      vendor: 'Cybereason',
      severity: 'MEDIUM',
    });

    const powershell = await lab.engine.summary(runOf.get(POWERSHELL)!.run);
    expect(powershell).toMatchObject({ status: 'completed' });
    expect(powershell.outputs).toMatchObject({
      malop: POWERSHELL,
      blocked: ['192.0.2.77', '203.0.113.200', 'cdn-sync.example.com', 'ns1.cdn-sync.example.com'],
      already_blocked: [],
      refused: [],
      enriched: 3,
      investigation: expect.stringContaining('remote_ip:192.0.2.77|203.0.113.200'),
    });

    // The journal: verifies, one completion per step taken, the decision and its analyst, no secret.
    const { text, verification, entries } = await lab.journal(runOf.get(POWERSHELL)!.incident);
    expect(verification.ok).toBe(true);
    const steps = completedSteps(entries, runOf.get(POWERSHELL)!.run);
    expect(steps).toEqual([
      'connections',
      'targets',
      'anything_found',
      'reputation',
      'enrich',
      'investigation_link',
      'by_severity',
      'approve',
      'block',
      'comment_blocked',
      'mark_open',
      'contained',
    ]);
    const decided = entries.find((e) => e.kind === 'approval.decided')!;
    expect(decided.actor).toEqual({ kind: 'user', id: 'ana@example.com' });
    expect(entries.filter((e) => e.kind === 'request').length).toBeGreaterThanOrEqual(20);
    const artifacts = entries.flatMap((e) => e.artifacts ?? []);
    expect(artifacts).toContainEqual({ type: 'ip', value: '203.0.113.200' });
    expect(artifacts.some((a) => a.type === 'link' && a.value.includes('investigationNG'))).toBe(
      true,
    );
    for (const secret of lab.secrets) expect(text).not.toContain(secret);

    // A re-fetch sees the malops the triage changed: it updates their incidents, starts nothing.
    const again = await lab.fetch();
    expect(again.created).toBe(0);
    expect(again.updated).toBeGreaterThanOrEqual(1);
    expect(again.runs).toEqual([]);
  });

  it('auto_approve blocks at once; a dry run changes nothing on the FortiGate', async () => {
    lab = await labEngine();
    const { incident } = await lab.engine.ingest(
      'cybereason',
      {
        key: POWERSHELL,
        type: 'cybereason.malop',
        name: 'powershell.exe',
        severity: 'high',
        fields: { guid: POWERSHELL, updated: Date.now() },
      },
      'test',
    );
    const before = lab.lab.fortigate.members(LAB_BLOCK_GROUP);
    const run = await lab.engine.start(
      'cybereason-malop-triage',
      { auto_approve: true, dry_run: true },
      incident,
    );
    await lab.engine.idle();
    const summary = await lab.engine.summary(run);
    expect(summary.status).toBe('completed');
    expect(summary.outputs).toMatchObject({
      dry_run: true,
      blocked: ['192.0.2.77', '203.0.113.200', 'cdn-sync.example.com', 'ns1.cdn-sync.example.com'],
    });
    expect(lab.lab.fortigate.members(LAB_BLOCK_GROUP)).toEqual(before);
    expect(lab.lab.fortigate.requests.every((r) => r.method === 'GET')).toBe(true);
    expect(lab.lab.cybereason.state.comments(POWERSHELL)[0]).toContain(
      '(dry run, nothing changed)',
    );
    const { entries } = await lab.journal(incident.id);
    expect(entries.some((e) => e.kind === 'approval.requested')).toBe(false);
  });

  it("refuses the FortiGate's never-block entries and says so on the malop", async () => {
    lab = await labEngine({ fortigateSettings: { never_block: ['cdn-sync.example.com'] } });
    const { incident } = await lab.engine.ingest(
      'cybereason',
      {
        key: POWERSHELL,
        type: 'cybereason.malop',
        name: 'powershell.exe',
        severity: 'critical',
        fields: { guid: POWERSHELL },
      },
      'test',
    );
    const run = await lab.engine.start('cybereason-malop-triage', { auto_approve: true }, incident);
    await lab.engine.idle();
    const summary = await lab.engine.summary(run);
    expect(summary.outputs.blocked).toEqual(['192.0.2.77', '203.0.113.200']);
    expect(summary.outputs.refused).toEqual([
      { address: 'cdn-sync.example.com', reason: expect.stringContaining('never_block') },
      { address: 'ns1.cdn-sync.example.com', reason: expect.stringContaining('never_block') },
    ]);
    expect(lab.lab.fortigate.members(LAB_BLOCK_GROUP)).not.toContain('soar-cdn-sync.example.com');
    expect(lab.lab.cybereason.state.comments(POWERSHELL)[0]).toMatch(
      /; refused: cdn-sync\.example\.com \(.*never_block.*\), ns1\.cdn-sync\.example\.com \(/,
    );
  });

  it('asks the threat-intel feeds, and honours the shared exclusion list when blocking', async () => {
    lab = await labEngine({ exclusions: ['ns1.cdn-sync.example.com'] });
    lab.lab.taxii.addObjects(SIM_INDICATORS_COLLECTION, [
      {
        type: 'indicator',
        spec_version: '2.1',
        id: 'indicator--0a6b4c61-6b7e-4b53-8a51-3c8f0f9d2e11',
        created: '2026-11-01T00:00:00.000Z',
        modified: '2026-11-01T00:00:00.000Z',
        pattern:
          "[ipv4-addr:value = '203.0.113.200'] OR [domain-name:value = 'ns1.cdn-sync.example.com']",
        pattern_type: 'stix',
        valid_from: '2026-11-01T00:00:00.000Z',
        confidence: 90,
      },
    ]);
    await lab.pollFeed('cti');
    const { incident } = await lab.engine.ingest(
      'cybereason',
      {
        key: POWERSHELL,
        type: 'cybereason.malop',
        name: 'powershell.exe',
        severity: 'high',
        fields: { guid: POWERSHELL },
      },
      'test',
    );
    const run = await lab.engine.start('cybereason-malop-triage', {}, incident);
    await lab.engine.idle();
    const waiting = await lab.engine.summary(run);
    // The excluded domain is not "known malicious", whatever the feed says.
    expect(waiting.approvals[0]!.prompt).toContain(
      '(known malicious to threat-intel feeds: 203.0.113.200)',
    );
    await lab.engine.approve(waiting.approvals[0]!.id, 'block', 'ana@example.com');
    await lab.engine.idle();
    const done = await lab.engine.summary(run);
    expect(done.outputs.known_malicious).toEqual(['203.0.113.200']);
    expect(done.outputs.refused).toEqual([
      {
        address: 'ns1.cdn-sync.example.com',
        reason: 'on the shared exclusion list (intel.exclusions[0] ns1.cdn-sync.example.com)',
      },
    ]);
    const { entries } = await lab.journal(incident.id);
    // The feed also lists 203.0.113.0/24 at TLP:AMBER: the verdict carries the strictest TLP.
    expect(entries.map((e) => e.summary)).toContain(
      '203.0.113.200 is malicious according to cti (TLP:AMBER)',
    );
  });

  it('blocks nothing for a low-severity malop and leaves it to an analyst', async () => {
    lab = await labEngine();
    const { incident } = await lab.engine.ingest(
      'cybereason',
      {
        key: POWERSHELL,
        type: 'cybereason.malop',
        name: 'powershell.exe',
        severity: 'low',
        fields: { guid: POWERSHELL },
      },
      'test',
    );
    const run = await lab.engine.start('cybereason-malop-triage', { auto_approve: true }, incident);
    await lab.engine.idle();
    const summary = await lab.engine.summary(run);
    expect(summary).toMatchObject({
      status: 'completed',
      outputs: { reason: 'its severity is low, below the block threshold (medium)' },
    });
    expect(lab.lab.fortigate.requests).toEqual([]);
    expect(lab.lab.cybereason.state.crimeStatus(POWERSHELL)).toBe('TODO');
    expect(lab.lab.cybereason.state.comments(POWERSHELL)).toEqual([
      `SOAR run ${run}: nothing blocked: its severity is low, below the block threshold (medium).`,
    ]);
  });

  it('carries on to the block decision when SECDO refuses the enrichment', async () => {
    lab = await labEngine();
    lab.lab.secdo.inject(
      { kind: 'status', status: 400, body: '{"error":"bad request"}' },
      { times: 10 },
    );
    const { incident } = await lab.engine.ingest(
      'cybereason',
      {
        key: AASIAPP,
        type: 'cybereason.malop',
        name: 'aasiapp.pdf.exe',
        severity: 'high',
        fields: { guid: AASIAPP },
      },
      'test',
    );
    const run = await lab.engine.start('cybereason-malop-triage', { auto_approve: true }, incident);
    await lab.engine.idle();
    const summary = await lab.engine.summary(run);
    expect(summary.status).toBe('completed');
    expect(summary.outputs.blocked).toEqual(['203.0.113.45', 'update-cdn.example.net']);
    const { entries } = await lab.journal(incident.id);
    const steps = completedSteps(entries, run);
    expect(steps).toContain('enrichment_failed');
    expect(entries.some((e) => e.kind === 'step.failed' && e.step === 'enrich')).toBe(true);
  });
});
