/*
 * `soar demo` (npm run demo): the main job end to end on a fresh machine, with no Redis and
 * no configuration. Vendor simulators start on loopback, Cybereason holds one realistic malop;
 * `fetch` turns it into an incident, the triage playbook runs against the simulators, an
 * analyst approves the block, and the demo prints the timeline, what each vendor now holds,
 * where the report is, and the journal's verification.
 */
import { existsSync } from 'node:fs';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fixtureMalops } from '../../integrations/cybereason/fixtures/malops.js';
import { TLP_MARKING_IDS } from '../../integrations/taxii/fixtures/tlp-markings.js';
import type { StixObject } from '../../integrations/taxii/taxii21/resources.js';
import { SIM_INDICATORS_COLLECTION } from '../../integrations/taxii/taxii21/simulator.js';
import { hookContext } from '../runtime/hook-context.js';
import { pollFeed } from '../intel/feed-poll.js';
import { openLocal, registry } from '../cli/local-context.js';
import type { JournalEntry } from '../journal/entry.js';
import { renderReport } from '../journal/report.js';
import { verifyEntries } from '../journal/verify.js';
import { fetchIncidentsOnce } from '../runtime/fetch-incidents.js';
import { HttpClients } from '../runtime/http-clients.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { LAB_BLOCK_GROUP, startLab } from './lab.js';

/** The PowerShell beacon: high severity, two malicious remote addresses and their domains. */
export const DEMO_MALOP = 'AAAA0ws7O-MUgDmB';
/** Written into the demo's data dir, so a re-run knows the folder is its own to clear. */
const MARKER = '.soar-demo';
const ANALYST = 'demo-analyst@example.com';

/** The data dir holds something other than an earlier demo's output. */
export class DemoFolderError extends Error {
  override readonly name = 'DemoFolderError';
}

export interface DemoOptions {
  dataDir: string;
  playbooks: string;
  write: (text: string) => void;
}

export interface DemoResult {
  incident: string;
  run: string;
  status: string;
  report: string;
  verified: boolean;
  groupMembers: string[];
  malopStatus: string | undefined;
  comments: string[];
}

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const dir = resolve(options.dataDir);
  await prepareDataDir(dir);
  const say = options.write;
  const lab = await startLab({
    cybereason: { malops: fixtureMalops(Date.now()).filter((m) => m.guid === DEMO_MALOP) },
  });
  const configFile = join(dir, 'soar.config.yaml');
  await writeFile(configFile, lab.config);
  // The config refers to credentials by ${env:…}, as a real one must; this process supplies them.
  Object.assign(process.env, lab.env);
  const reg = registry();
  const library = new PlaybookLibrary(resolve(options.playbooks), reg);
  const local = await openLocal(join(dir, 'data'), library, 'soar demo', {
    registry: reg,
    config: configFile,
  });
  const clients = new HttpClients();
  try {
    say(
      `Simulators on loopback: Cybereason ${lab.cybereason.url}, SECDO ${lab.secdo.url}, FortiGate ${lab.fortigate.url}, TAXII 2.1 ${lab.taxii.url}\n`,
    );
    say(`Configuration: ${configFile}\n\n`);
    const { instances } = local;
    // The threat-intel feed knows the beacon's command-and-control server.
    lab.taxii.addObjects(SIM_INDICATORS_COLLECTION, [demoIndicator()]);
    const taxii = reg.list().find((i) => i.id === 'taxii')!;
    const polled = await pollFeed(
      hookContext(instances.get('cti'), clients, 60_000, local.intel),
      taxii,
    );
    say(
      `soar feeds poll cti: ${polled.objects} STIX objects, ${polled.indicators} indicators (${polled.added} new), ${polled.unsupported} patterns that are not plain IOCs counted\n`,
    );
    const cybereason = reg.list().find((i) => i.id === 'cybereason')!;
    const fetched = await fetchIncidentsOnce(
      { engine: local.engine, store: local.store, library, instances, clients },
      cybereason,
      'cybereason',
    );
    say(
      `soar fetch cybereason: ${fetched.fetched} malop fetched, ${fetched.created} incident created\n`,
    );
    const started = fetched.runs[0];
    if (!started) throw new Error('the fetch started no playbook run');
    say(`  ${started.incident} → ${started.playbook} (run ${started.run}): ${started.status}\n`);

    const waiting = await local.engine.summary(started.run);
    for (const approval of waiting.approvals) {
      say(`\nApproval ${approval.id} asks: ${approval.prompt}\n`);
      say(`  ${ANALYST} answers "block" (soar approve ${approval.id} block --as ${ANALYST})\n`);
      await local.engine.approve(approval.id, 'block', ANALYST, 'Beaconing confirmed in SECDO');
    }
    await local.engine.idle();
    const summary = await local.engine.summary(started.run);

    const entries = await local.journal.read(started.incident);
    say(`\nTimeline of ${started.incident}:\n${timeline(entries)}\n`);
    say(`Outputs: ${JSON.stringify(summary.outputs, null, 2)}\n\n`);

    const groupMembers = lab.fortigate.members(LAB_BLOCK_GROUP);
    const malopStatus = lab.cybereason.state.crimeStatus(DEMO_MALOP);
    const comments = lab.cybereason.state.comments(DEMO_MALOP);
    say('What the vendors now hold:\n');
    say(`  FortiGate group ${LAB_BLOCK_GROUP}: ${groupMembers.join(', ')}\n`);
    say(`  Cybereason malop ${DEMO_MALOP}: status ${malopStatus}; comment "${comments.at(-1)}"\n`);
    say(`  SECDO: ${lab.secdo.enrichments.length} network events received for investigation\n\n`);

    const verification = verifyEntries(entries);
    const report = join(dir, `report-${started.incident}.md`);
    await writeFile(
      report,
      renderReport(entries, 'md', {
        title: `Incident report: ${started.incident}`,
        journal: started.incident,
        verification,
      }),
    );
    say(`Report: ${report}\n`);
    say(
      verification.ok
        ? `Journal: ${verification.count} entries, hash chain verified (head ${verification.head})\n`
        : `Journal: BROKEN (${verification.firstBroken.reason})\n`,
    );
    say(
      `Look again with: npx soar journal show ${started.incident} --data-dir ${join(dir, 'data')}\n`,
    );
    return {
      incident: started.incident,
      run: started.run,
      status: summary.status,
      report,
      verified: verification.ok,
      groupMembers,
      malopStatus,
      comments,
    };
  } finally {
    await clients.close();
    await local.close();
    await lab.close();
  }
}

/** A STIX 2.1 indicator for the demo malop's command-and-control address. */
function demoIndicator(): StixObject {
  const now = new Date().toISOString();
  return {
    type: 'indicator',
    spec_version: '2.1',
    id: 'indicator--6f1c2a5e-8d3b-4c7a-9e21-0b5d4f3a2c19',
    created: now,
    modified: now,
    name: 'Cobalt Strike team server',
    indicator_types: ['malicious-activity'],
    pattern: "[ipv4-addr:value = '203.0.113.200']",
    pattern_type: 'stix',
    valid_from: now,
    confidence: 85,
    object_marking_refs: [TLP_MARKING_IDS.amber],
  };
}

/** A fresh folder each time: the demo's own earlier output is cleared, anything else refused. */
async function prepareDataDir(dir: string): Promise<void> {
  if (existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes(MARKER)) {
      throw new DemoFolderError(
        `${dir} exists and is not a demo folder; choose another --data-dir`,
      );
    }
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(
    join(dir, MARKER),
    'Output of `soar demo`; the next demo run clears this folder.\n',
  );
}

/** Kinds left out of the timeline: each step's start, and its vendor calls (counted instead). */
const QUIET_KINDS = new Set(['step.started', 'request']);

/**
 * One line per journal entry that tells the story: seconds since the first entry, kind, step,
 * summary. A step's vendor calls are counted on its completion line; `soar journal show`
 * lists every entry.
 */
export function timeline(entries: readonly JournalEntry[]): string {
  const start = entries[0] ? Date.parse(entries[0].at) : 0;
  const calls = new Map<string, number>();
  const lines: string[] = [];
  for (const e of entries) {
    const step = e.step ?? '';
    if (e.kind === 'request') calls.set(step, (calls.get(step) ?? 0) + 1);
    if (QUIET_KINDS.has(e.kind)) continue;
    const made = e.kind === 'step.completed' || e.kind === 'step.failed' ? calls.get(step) : 0;
    if (made) calls.delete(step);
    const offset = ((Date.parse(e.at) - start) / 1000).toFixed(3).padStart(7);
    const suffix = made ? ` (${made} vendor call${made === 1 ? '' : 's'})` : '';
    lines.push(`  +${offset}s  ${e.kind.padEnd(18)} ${step.padEnd(19)} ${e.summary}${suffix}`);
  }
  return lines.join('\n');
}
