import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SecdoSimulator } from '../../../integrations/secdo/simulator.js';
import { BIN, tempDir } from '../../cli/cli-helpers.js';
import { secdoHarness, type SecdoHarness } from './harness.js';

const FIXTURES = join(import.meta.dirname, 'fixtures');

let h: SecdoHarness | undefined;
let sim: SecdoSimulator | undefined;
afterEach(async () => {
  await h?.close();
  await sim?.close();
});

describe('the SECDO API key', () => {
  it('never reaches the stored journal, even one that does not know it is a secret', async () => {
    h = await secdoHarness({ redactSecrets: false });
    const event = {
      timestamp: 1490209247000,
      vendor: 'Palo Alto Networks',
      product: 'PAN-OS',
      source_ip: '192.168.204.133',
      destination_ip: '66.186.100.181',
      destination_port: 9000,
    };
    // Success, a refusal whose body echoes the key, a 200 that is not `true` and echoes it.
    const runs = [await h.step('secdo.enrich_network_event', event)];
    h.sim.inject({
      kind: 'status',
      status: 400,
      contentType: 'application/json',
      body: JSON.stringify({ detail: `bad request from key ${h.apikey}`, apikey: h.apikey }),
    });
    runs.push(await h.step('secdo.enrich_network_event', event));
    h.sim.inject({ kind: 'body', json: { echoed: h.apikey } });
    runs.push(await h.step('secdo.enrich_network_event', event));
    runs.push(await h.step('secdo.get_agents', { host: 'SRV-WEB-02' }));
    h.sim.inject({ kind: 'status', status: 500, body: `Traceback: API-KEY=${h.apikey}` });
    runs.push(await h.step('secdo.isolate_host', { host_name: 'SRV-WEB-02' }));
    expect(runs.map((r) => r.summary.status)).toEqual([
      'completed',
      'failed',
      'failed',
      'completed',
      'failed',
    ]);
    expect(
      h.sim.enrichments.every((e) => (e.body as { apikey: string }).apikey === h!.apikey),
    ).toBe(true);
    for (const run of runs) {
      expect(run.stored).not.toContain(h.apikey);
      expect(JSON.stringify(run.summary)).not.toContain(h.apikey);
    }
  });

  it('stays out of the journal files of a `soar run` of a playbook with an incident', async () => {
    sim = await SecdoSimulator.start();
    const dir = tempDir('soar-secdo-cli-');
    const config = join(dir, 'soar.config.yaml');
    writeFileSync(
      config,
      [
        'instances:',
        '  secdo-prod:',
        '    integration: secdo',
        `    url: ${sim.url}`,
        '    credentials: { apikey: "${env:SECDO_APIKEY}" }',
        '    settings: { company: acme }',
        '',
      ].join('\n'),
    );
    const data = join(dir, 'data');
    const result = await runCli(
      [
        'run',
        join(FIXTURES, 'secdo-network-alert.yaml'),
        '--incident',
        join(FIXTURES, 'pan-alert.json'),
        '--config',
        config,
        '--data-dir',
        data,
        '--json',
      ],
      { ...process.env, SECDO_APIKEY: sim.apikey },
    );
    expect(result.stderr).toBe('');
    const summary = JSON.parse(result.stdout) as {
      status: string;
      outputs: Record<string, unknown>;
    };
    expect(summary.status).toBe('completed');
    expect(sim.accepted()).toEqual([
      {
        company: 'acme',
        apikey: sim.apikey,
        timestamp: '1490209247000',
        vendor: 'Palo Alto Networks',
        product: 'PAN-OS',
        source_port: '59661',
        destination_ip: '66.186.100.181',
        source_ip: '192.168.204.133',
        destination_port: '9000',
        type: 'OutgoingConnectionEvent',
        severity: 'LOW',
        event_id: '871151',
      },
    ]);
    expect(summary.outputs.pivot).toBe(
      `${sim.url}/#/investigationNG/builder?entity=network&action=outgoing_network,incoming_network,failed_network&attr=remote_ip:66.186.100.181`,
    );
    const files = readdirSync(join(data, 'journal')).filter((f) => f.endsWith('.jsonl'));
    expect(files.length).toBeGreaterThan(0);
    const stored = files.map((f) => readFileSync(join(data, 'journal', f), 'utf8')).join('');
    expect(stored).toContain('"type":"link"');
    expect(stored).toContain('"value":"66.186.100.181"');
    expect(stored).not.toContain(sim.apikey);
    expect(result.stdout).not.toContain(sim.apikey);
  });
});

/** The simulator runs in this process, so the CLI must not block it (no spawnSync). */
function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
