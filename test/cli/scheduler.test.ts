import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  SIM_PASSWORD,
  SIM_USER,
  startCybereasonSimulator,
  type CybereasonSimulator,
} from '../../integrations/cybereason/simulator/server.js';
import { soar, soarFinished, tempDir } from './cli-helpers.js';

const TRIAGE = `id: malop-note
name: Note a malop
trigger:
  incident_types: [cybereason.malop]
start: done
steps:
  done:
    type: end
    outputs: { guid: "\${{ incident.fields.guid }}" }
`;

let sim: CybereasonSimulator | null = null;
afterEach(async () => {
  await sim?.close();
  sim = null;
});

function schedulerOnce(dir: string) {
  return soarFinished(
    [
      'scheduler',
      '--local',
      '--once',
      '--json',
      '--config',
      join(dir, 'soar.config.yaml'),
      '--playbooks',
      join(dir, 'playbooks'),
      '--data-dir',
      join(dir, 'data'),
    ],
    { CR_USER: SIM_USER, CR_PASSWORD: SIM_PASSWORD },
  );
}

describe('soar scheduler --local', () => {
  it('three schedulers on one data dir fetch an instance once per interval', async () => {
    sim = await startCybereasonSimulator();
    const dir = tempDir();
    mkdirSync(join(dir, 'playbooks'));
    writeFileSync(join(dir, 'playbooks', 'malop-note.yaml'), TRIAGE);
    writeFileSync(
      join(dir, 'soar.config.yaml'),
      `instances:\n  cr:\n    integration: cybereason\n    url: ${sim.url}\n    fetch_interval: 1h\n    credentials:\n      username: "\${env:CR_USER}"\n      password: "\${env:CR_PASSWORD}"\n`,
    );
    const results = await Promise.all([schedulerOnce(dir), schedulerOnce(dir), schedulerOnce(dir)]);
    for (const r of results) {
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
    }
    const fired = results.flatMap(
      (r) => (JSON.parse(r.stdout) as { fired: { key: string; result: string }[] }).fired,
    );
    expect(fired).toHaveLength(1);
    expect(fired[0]).toMatchObject({
      key: 'fetch.cr',
      result: '4 fetched, 4 new, 0 updated; 4 run(s) started',
    });
    // One management API fetch (its pages) in all: the other two schedulers found the tick taken.
    const fetches = sim.requests.filter((r) => r.path.startsWith('/rest/mmng/v2/malops'));
    expect(fetches).toHaveLength(1);
  });

  it('refuses a fetch_interval on an integration that neither fetches incidents nor polls a feed', () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'playbooks'));
    writeFileSync(
      join(dir, 'soar.config.yaml'),
      'instances:\n  fw:\n    integration: fortigate\n    url: https://192.0.2.1\n    fetch_interval: 5m\n    settings: { block_group: G }\n',
    );
    const run = soar([
      'scheduler',
      '--local',
      '--once',
      '--config',
      join(dir, 'soar.config.yaml'),
      '--playbooks',
      join(dir, 'playbooks'),
      '--data-dir',
      join(dir, 'data'),
    ]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "instance 'fw' has a fetch_interval, but 'fortigate' neither fetches incidents nor polls a feed",
    );
  });

  it('says how to run it without Redis when Redis does not answer', () => {
    const run = soar(['scheduler', '--redis', 'redis://127.0.0.1:1']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('cannot reach Redis at redis://127.0.0.1:1');
    expect(run.stderr).toContain('--local');
  });
});
