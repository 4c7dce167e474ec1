import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SIM_PASSWORD,
  SIM_USER,
  startCybereasonSimulator,
  type CybereasonSimulator,
} from '../../integrations/cybereason/simulator/server.js';
import { BIN, soarFinished, tempDir } from './cli-helpers.js';

const TRIAGE = `id: malop-note
name: Note a malop
trigger:
  incident_types: [cybereason.malop]
start: note
steps:
  note:
    uses: core.log
    with: { message: "malop \${{ incident.fields.guid }} (\${{ incident.severity }})" }
    next: done
  done:
    type: end
    outputs: { guid: "\${{ incident.fields.guid }}" }
`;

let sim: CybereasonSimulator | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

interface FetchResult {
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  watermark: string;
  runs: { run: string; incident: string; playbook: string; status: string }[];
}

describe('soar fetch', () => {
  it('creates one incident per malop, starts its playbook, and dedups a re-fetch', async () => {
    sim = await startCybereasonSimulator();
    const dir = tempDir();
    const playbooks = join(dir, 'playbooks');
    mkdirSync(playbooks);
    writeFileSync(join(playbooks, 'malop-note.yaml'), TRIAGE);
    const config = join(dir, 'soar.config.yaml');
    writeFileSync(
      config,
      `instances:\n  cr:\n    integration: cybereason\n    url: ${sim.url}\n    credentials:\n      username: "\${env:CR_USER}"\n      password: "\${env:CR_PASSWORD}"\n`,
    );
    // The simulator runs in this process, so the CLI must not block it: spawn asynchronously.
    const fetch = async (): Promise<FetchResult> => {
      const { code, stdout, stderr } = await soarFinished(
        [
          'fetch',
          'cr',
          '--config',
          config,
          '--playbooks',
          playbooks,
          '--data-dir',
          join(dir, 'data'),
          '--json',
        ],
        { CR_USER: SIM_USER, CR_PASSWORD: SIM_PASSWORD },
      );
      expect(stderr).toBe('');
      expect(code).toBe(0);
      return JSON.parse(stdout) as FetchResult;
    };

    const first = await fetch();
    expect(first.fetched).toBeGreaterThan(0);
    expect(first.created).toBe(first.fetched);
    expect(first.runs).toHaveLength(first.created);
    expect(first.runs.every((r) => r.status === 'completed' && r.playbook === 'malop-note')).toBe(
      true,
    );

    // A malop changes at the vendor: the next fetch updates its incident, starts nothing new.
    const changed = [...sim.state.malops.values()].find(
      (m) => m.lastUpdateTime <= Number(first.watermark),
    )!;
    changed.severity = 'Low';
    changed.lastUpdateTime = Number(first.watermark) + 1000;
    sim.state.addMalops([changed]);
    const second = await fetch();
    expect(second.created).toBe(0);
    expect(second.updated).toBe(1);
    expect(second.runs).toEqual([]);
    expect(Number(second.watermark)).toBe(changed.lastUpdateTime);

    const incident = first.runs[0]!;
    expect(incident.incident).toMatch(/^inc-[0-9a-f]{24}$/);
    const show = spawnSync(
      process.execPath,
      [BIN, 'journal', 'verify', incident.incident, '--data-dir', join(dir, 'data')],
      { encoding: 'utf8' },
    );
    expect(show.status).toBe(0);
  });
});
