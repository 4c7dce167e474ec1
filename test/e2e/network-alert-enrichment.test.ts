import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startLab, type Lab } from '../../src/demo/lab.js';
import { soarFinished, tempDir } from '../cli/cli-helpers.js';

const ALERT = 'playbooks/alerts/pan-os-proxy-alert.json';

let lab: Lab | null = null;
afterEach(async () => {
  await lab?.close();
  lab = null;
});

/** The CLI in a child process; asynchronous, because the simulators answer from this one. */
const soar = soarFinished;

describe('playbooks/network-alert-enrichment.yaml, run from the CLI on the seed alert', () => {
  it('sends the PAN-OS alert to SECDO, finds the endpoint and links both investigations', async () => {
    lab = await startLab();
    const dir = tempDir('soar-e2e-');
    const config = join(dir, 'soar.config.yaml');
    await writeFile(config, lab.config);
    const dataDir = join(dir, 'data');
    const run = await soar(
      [
        'run',
        'playbooks/network-alert-enrichment.yaml',
        '--incident',
        ALERT,
        '--config',
        config,
        '--data-dir',
        dataDir,
        '--json',
      ],
      lab.env,
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout) as {
      run: string;
      incident: string;
      status: string;
      outputs: Record<string, unknown>;
    };
    expect(result.status).toBe('completed');
    expect(result.outputs).toMatchObject({
      alert: 'PAN-OS blocked a connection to an online proxy service',
      sent_to_secdo: true,
      endpoint: 'WKS-FIN-017',
      agent_id: 'a7f3c2e1-0001',
      agents_found: 1,
    });
    expect(result.outputs.connection_investigation).toBe(
      `${lab.secdo.url}/#/investigationNG/builder?entity=network` +
        '&action=outgoing_network,incoming_network,failed_network' +
        '&attr=remote_ip:66.186.100.181,local_ip:192.168.204.133',
    );
    expect(result.outputs.host_investigation).toBe(
      `${lab.secdo.url}/#/investigationNG/builder?entity=host&attr=host_ip:192.168.204.133`,
    );

    // SECDO received the seed's example, field for field.
    expect(lab.secdo.enrichments).toHaveLength(1);
    expect(lab.secdo.enrichments[0]!.body).toEqual({
      company: 'acme',
      apikey: lab.env.SOAR_LAB_SECDO_APIKEY,
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
    });

    // The journal has the links as artifacts and verifies; the API key is nowhere in it.
    const verify = await soar(['journal', 'verify', result.incident, '--data-dir', dataDir], {});
    expect(verify.code).toBe(0);
    const journal = await readFile(join(dataDir, 'journal', `${result.incident}.jsonl`), 'utf8');
    expect(journal).not.toContain(lab.env.SOAR_LAB_SECDO_APIKEY);
    const links = journal
      .trim()
      .split('\n')
      .flatMap((line) => (JSON.parse(line) as { artifacts?: { type: string }[] }).artifacts ?? [])
      .filter((a) => a.type === 'link');
    expect(links).toHaveLength(2);

    const report = await soar(['report', result.incident, '--data-dir', dataDir], {});
    expect(report.code).toBe(0);
    expect(report.stdout).toContain('SECDO investigation of host where host_ip=192.168.204.133');
  });
});
