import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../../integrations/index.js';
import { Registry } from '../../../src/integration-sdk/registry.js';
import { ExclusionList } from '../../../src/intel/exclusions.js';
import { LocalIndicatorStore } from '../../../src/intel/local-store.js';
import { IntelService } from '../../../src/intel/service.js';
import { MemoryJournalStore } from '../../../src/journal/memory-store.js';
import { LocalEngine } from '../../../src/runtime/local/local-engine.js';
import { MemoryRunStore } from '../../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../../src/runtime/playbook-library.js';

let dir: string;
let intel: IntelService;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'soar-intel-'));
  intel = new IntelService({
    openStore: () => LocalIndicatorStore.open(dir),
    exclusions: ExclusionList.build(['corp.example', '198.51.100.0/28']),
    watermarks: { load: () => Promise.resolve(null), save: () => Promise.resolve() },
  });
  await intel.ingest('otx', 'user_AlienVault', [
    {
      type: 'cidr',
      value: '203.0.113.0/24',
      facts: { confidence: 80, tlp: 'amber', stix_id: 'indicator--1' },
    },
    { type: 'domain', value: 'evil.example.net', facts: { confidence: 40, tlp: 'green' } },
    { type: 'domain', value: 'corp.example', facts: { confidence: 95 } },
  ]);
});
afterEach(async () => {
  await intel.close();
  await rm(dir, { recursive: true, force: true });
});

/** Runs one step of `uses` with `args` in a playbook on a local engine that has `intel`. */
async function step(uses: string, args: Record<string, unknown>, withIntel = true) {
  await writeFile(
    join(dir, 'p.yaml'),
    `id: p\nname: P\ninputs:\n  args: { type: object }\nstart: s\nsteps:\n  s:\n    uses: ${uses}\n    with: ${JSON.stringify(Object.fromEntries(Object.keys(args).map((k) => [k, `\${{ inputs.args.${k} }}`])))}\n    next: done\n  done:\n    type: end\n    outputs: { out: '\${{ steps.s.output }}' }\n`,
  );
  const registry = new Registry(builtinIntegrations);
  const journal = new MemoryJournalStore();
  const engine = new LocalEngine({
    registry,
    journal,
    store: new MemoryRunStore(),
    library: new PlaybookLibrary(dir, registry),
    ...(withIntel ? { intel } : {}),
  });
  const run = await engine.start('p', { args }, null);
  await engine.idle();
  const summary = await engine.summary(run);
  const entries = await journal.read(run);
  await engine.close();
  return { summary, out: summary.outputs.out as Record<string, unknown>, entries };
}

describe('intel.lookup', () => {
  it('gives a verdict per value with its sources, and journals the malicious ones', async () => {
    const { out, entries } = await step('intel.lookup', {
      value: [
        '203.0.113.9',
        'www.evil.example.net',
        'vpn.corp.example',
        '192.0.2.1',
        'hxxp://evil[.]example[.]net/x',
      ],
    });
    expect(out).toMatchObject({
      malicious: ['203.0.113.9'],
      // A defanged URL is looked up refanged: its host is a subdomain of a listed domain.
      suspicious: ['www.evil.example.net', 'hxxp://evil[.]example[.]net/x'],
      excluded: ['vpn.corp.example'],
      unknown: ['192.0.2.1'],
    });
    const results = out.results as {
      value: string;
      verdict: string;
      reasons: { matched_by: string; feed: string; tlp?: string }[];
    }[];
    expect(results[0]).toMatchObject({ type: 'ip', verdict: 'malicious', tlp: 'amber' });
    expect(results[0]!.reasons[0]).toMatchObject({
      feed: 'otx',
      indicator: '203.0.113.0/24',
      matched_by: 'containing-cidr',
      confidence: 80,
    });
    expect(results[2]).toMatchObject({ verdict: 'excluded', excluded_by: 'corp.example' });
    const evidence = entries.filter((e) => e.kind === 'evidence');
    expect(evidence.map((e) => e.summary)).toEqual([
      '203.0.113.9 is malicious according to otx (TLP:AMBER)',
      'www.evil.example.net is suspicious according to otx (TLP:GREEN)',
      'hxxp://evil[.]example[.]net/x is suspicious according to otx (TLP:GREEN)',
    ]);
    expect(evidence[0]!.artifacts).toEqual([
      { type: 'ip', value: '203.0.113.9', label: 'malicious' },
    ]);
  });

  it('fails the step clearly without threat intelligence in the runtime', async () => {
    const { summary } = await step('intel.lookup', { value: '203.0.113.9' }, false);
    expect(summary.status).toBe('failed');
    expect(summary.error).toContain('threat intelligence is not available in this runtime');
  });
});

describe('intel.extract', () => {
  it('finds defanged IOCs in text, normalised and deduplicated, and journals them', async () => {
    const { out, entries } = await step('intel.extract', {
      text: 'Beacon to hxxps://Update-CDN.example[.]net/a?b=1 from 10.1.2.3; payload report.pdf md5 D41D8CD98F00B204E9800998ECF8427E, again 10.1.2.3, mail bad[at]evil.example.org',
    });
    expect(out).toMatchObject({
      ips: ['10.1.2.3'],
      urls: ['https://update-cdn.example.net/a?b=1'],
      hashes: ['d41d8cd98f00b204e9800998ecf8427e'],
      emails: ['bad@evil.example.org'],
    });
    expect(out.domains).not.toContain('report.pdf');
    const evidence = entries.find((e) => e.kind === 'evidence')!;
    expect(evidence.artifacts).toContainEqual({
      type: 'hash',
      value: 'd41d8cd98f00b204e9800998ecf8427e',
    });
  });

  it('refuses text over 1 MiB', async () => {
    const { summary } = await step('intel.extract', { text: 'x'.repeat(1024 * 1024 + 1) });
    expect(summary.status).toBe('failed');
    expect(summary.error).toMatch(/over the \d+-byte limit/);
  });
});
