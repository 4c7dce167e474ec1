import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { investigationUrl } from '../../../integrations/secdo/investigation.js';
import { ofKind, secdoHarness, type SecdoHarness } from './harness.js';

let h: SecdoHarness;
beforeEach(async () => {
  h = await secdoHarness();
});
afterEach(() => h.close());

describe('secdo.investigation_link', () => {
  it("builds the guide's network example, journals it as a link and calls nothing", async () => {
    const run = await h.step('secdo.investigation_link', {
      entity: 'network',
      attributes: { remote_ip: ['8.8.8.8', '8.8.4.4'] },
    });
    const url = `${h.sim.url}/#/investigationNG/builder?entity=network&action=outgoing_network,incoming_network,failed_network&attr=remote_ip:8.8.8.8|8.8.4.4`;
    expect(run.output).toEqual({ url });
    expect(ofKind(run.entries, 'evidence')[0]!.artifacts).toEqual([
      { type: 'link', value: url, label: 'SECDO investigation' },
    ]);
    expect(ofKind(run.entries, 'request')).toEqual([]);
    expect(h.sim.enrichments).toEqual([]);
    expect(h.sim.commands).toEqual([]);
  });

  it("builds the guide's process example with wildcards and `|` alternatives", async () => {
    const run = await h.step('secdo.investigation_link', {
      entity: 'process',
      actions: ['run'],
      attributes: { file_name: 'powershell.exe', cmd: '*download*|*encoded*' },
    });
    expect(run.output.url).toBe(
      `${h.sim.url}/#/investigationNG/builder?entity=process&action=run&attr=file_name:powershell.exe,cmd:*download*|*encoded*`,
    );
  });

  it('URL-encodes values but keeps the separators and wildcards', () => {
    expect(
      investigationUrl('https://secdo.example:8443/console/', {
        entity: 'file',
        actions: ['create_file', 'write_file'],
        attributes: [
          ['file_path', ['c:\\users\\or\\app data\\x,y.exe', '*\\temp\\*']],
          ['file_hash', ['d41d8cd98f00b204e9800998ecf8427e']],
        ],
      }),
    ).toBe(
      'https://secdo.example:8443/console/#/investigationNG/builder?entity=file&action=create_file,write_file' +
        '&attr=file_path:c%3A%5Cusers%5Cor%5Capp%20data%5Cx%2Cy.exe|*%5Ctemp%5C*,file_hash:d41d8cd98f00b204e9800998ecf8427e',
    );
  });

  it('host has no actions; numbers and closed value lists are checked', async () => {
    const host = await h.step('secdo.investigation_link', {
      entity: 'host',
      attributes: { host_name: 'WKS-FIN-*', host_ip: '10.0.0.5' },
    });
    expect(host.output.url).toBe(
      `${h.sim.url}/#/investigationNG/builder?entity=host&attr=host_name:WKS-FIN-*,host_ip:10.0.0.5`,
    );
    const signed = await h.step('secdo.investigation_link', {
      entity: 'process',
      actions: 'run, child',
      attributes: { signed: [1, 2], pid: 4242 },
    });
    expect(signed.output.url).toMatch(/action=run,child&attr=signed:1\|2,pid:4242$/);
  });

  it.each([
    [
      { entity: 'user', attributes: { username: 'x' } },
      /'entity' must be one of process, registry, file, network, host/,
    ],
    [
      { entity: 'network', actions: ['run'], attributes: { remote_ip: '1.2.3.4' } },
      /"run" is not an action of network \(expected outgoing_network, incoming_network, failed_network\)/,
    ],
    [
      { entity: 'host', actions: ['exists'], attributes: { host_name: 'x' } },
      /the host entity has no actions/,
    ],
    [
      { entity: 'process', attributes: { cgn: 'x' } },
      /'cgn' is not an attribute of process \(did you mean 'CGN'\?\)/,
    ],
    [
      { entity: 'registry', attributes: { file_name: 'x' } },
      /'file_name' is not an attribute of registry; expected key_name, key_value, thread_id, instanceId/,
    ],
    [
      { entity: 'process', attributes: { signed: 3 } },
      /attribute 'signed' must be one of 0, 1, 2, got "3"/,
    ],
    [
      { entity: 'network', attributes: { access_type: 'icmp' } },
      /attribute 'access_type' must be one of tcp, udp/,
    ],
    [
      { entity: 'network', attributes: { remote_ip: '8.8.8.8||8.8.4.4' } },
      /attribute 'remote_ip' has an empty value/,
    ],
    [{ entity: 'network', attributes: {} }, /'attributes' needs at least one filter/],
  ])('refuses %j at run time', async (args, message) => {
    const run = await h.step('secdo.investigation_link', args, { dynamic: true });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toMatch(message);
    expect(ofKind(run.entries, 'step.failed')[0]!.data).toMatchObject({
      error: { code: 'BAD_INPUT' },
    });
  });

  it('refuses an unknown entity when the playbook is validated', async () => {
    await expect(
      h.step('secdo.investigation_link', { entity: 'user', attributes: { username: 'x' } }),
    ).rejects.toThrow(/entity/);
  });
});
