import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../../integrations/index.js';
import {
  SIM_PASSWORD,
  SIM_USER,
  type CybereasonSimulator,
} from '../../../integrations/cybereason/simulator/server.js';
import { parseConfig } from '../../../src/integration-sdk/config.js';
import { Instances } from '../../../src/integration-sdk/instances.js';
import { Registry } from '../../../src/integration-sdk/registry.js';
import { FileJournalStore } from '../../../src/journal/file-store.js';
import { LocalEngine } from '../../../src/runtime/local/local-engine.js';
import { MemoryRunStore } from '../../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../../src/runtime/playbook-library.js';
import { simulator } from './helpers.js';

/** The seed article's flow: blocklisted IPs and domains plus the malicious connections of recent malops. */
const SEED_FLOW = `
id: block-candidates
name: Addresses to block, from Cybereason
start: malops
steps:
  malops:
    uses: cybereason.fetch_malops
    with: { status: [Active] }
    retry: { max: 3, delay: 10ms }
    next: connections
  connections:
    type: foreach
    items: "\${{ steps.malops.output.malops.guid }}"
    concurrency: 3
    do:
      uses: cybereason.malop_connections
      with: { malop_guid: "\${{ item }}", only_malicious: true }
    next: blocked
  blocked:
    uses: cybereason.blocklist
    next: done
  done:
    type: end
    outputs:
      ips: "\${{ $distinct($append(steps.blocked.output.ips, steps.connections.output.remote_ips)) }}"
      domains: "\${{ $distinct($append(steps.blocked.output.domains, steps.connections.output.domains)) }}"
`;

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/**
 * Runs playbooks in a real local engine against the simulator, credentials from the
 * environment as a user would configure them, into a file journal that does NOT redact:
 * whatever the integration lets through would be on disk.
 */
async function harness(sim: CybereasonSimulator, password = SIM_PASSWORD) {
  const dir = await mkdtemp(join(tmpdir(), 'soar-cybereason-'));
  dirs.push(dir);
  await writeFile(join(dir, 'flow.yaml'), SEED_FLOW);
  const registry = new Registry(builtinIntegrations);
  const parsed = parseConfig(
    'soar.config.yaml',
    `instances:\n  cr:\n    integration: cybereason\n    url: ${sim.url}\n    credentials:\n      username: "\${env:CR_USER}"\n      password: "\${env:CR_PASSWORD}"\n`,
  );
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  const instances = new Instances(parsed.config, registry, {
    env: { CR_USER: SIM_USER, CR_PASSWORD: password },
    readFile: () => '',
  });
  const journalDir = join(dir, 'journal');
  return async () => {
    const journal = new FileJournalStore(journalDir);
    const engine = new LocalEngine({
      registry,
      journal,
      store: new MemoryRunStore(),
      library: new PlaybookLibrary(dir, registry),
      instances,
    });
    const runId = await engine.start('block-candidates', {}, null);
    await engine.idle();
    const summary = await engine.summary(runId);
    await engine.close();
    await journal.close();
    const entries = await new FileJournalStore(journalDir).read(runId);
    const stored = await readFile(join(journalDir, `${runId}.jsonl`), 'utf8');
    return { summary, entries, stored };
  };
}

describe('a playbook over the cybereason integration', () => {
  it('runs the seed flow in one session, journaling evidence and no credentials', async () => {
    const sim = await simulator();
    const run = await harness(sim);
    const first = await run();
    expect(first.summary).toMatchObject({
      status: 'completed',
      outputs: {
        ips: ['203.0.113.45', '198.51.100.7', '192.0.2.77', '203.0.113.200'],
        domains: ['cdn-sync.example.com', 'update-cdn.example.net', 'ns1.cdn-sync.example.com'],
      },
    });
    expect(sim.state.logins).toBe(1);
    const artifacts = first.entries
      .filter((e) => e.kind === 'evidence')
      .flatMap((e) => e.artifacts ?? []);
    expect(artifacts).toContainEqual({ type: 'ip', value: '192.0.2.77' });
    expect(artifacts).toContainEqual({ type: 'domain', value: 'update-cdn.example.net' });
    expect(first.entries.filter((e) => e.kind === 'request').map((e) => e.summary)).toContainEqual(
      expect.stringMatching(/^POST http:\/\/127\.0\.0\.1:\d+\/login\.html → 302/),
    );

    // The server ended its sessions: the next run logs in again, once, and completes.
    sim.expireSessions();
    const second = await run();
    expect(second.summary.status).toBe('completed');
    expect(sim.state.logins).toBe(2);

    for (const stored of [first.stored, second.stored]) {
      expect(stored).not.toContain(SIM_PASSWORD);
      expect(stored).not.toContain(SIM_USER);
      for (const session of sim.state.sessions.keys()) expect(stored).not.toContain(session);
    }
  });

  it('fails at once, without retrying, when the login is refused', async () => {
    const sim = await simulator();
    const wrong = 'Wrong-Password-77aa';
    const run = await harness(sim, wrong);
    const { summary, entries, stored } = await run();
    expect(summary).toMatchObject({ status: 'failed' });
    expect(summary.error).toMatch(/refused the login/);
    expect(entries.filter((e) => e.kind === 'step.retried')).toHaveLength(0);
    expect(sim.state.logins).toBe(1);
    expect(stored).not.toContain(wrong);
  });
});
