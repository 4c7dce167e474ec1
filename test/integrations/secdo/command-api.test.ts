import { afterEach, describe, expect, it } from 'vitest';
import { HttpClients } from '../../../src/runtime/http-clients.js';
import { secdo } from '../../../integrations/secdo/index.js';
import { ofKind, secdoHarness, type SecdoHarness } from './harness.js';

let h: SecdoHarness | undefined;
afterEach(() => h?.close());

describe('secdo command API', () => {
  it('get_agents posts the company with COMMAND-NAME and API-KEY headers and filters by host', async () => {
    h = await secdoHarness();
    const all = await h.step('secdo.get_agents', {});
    expect(all.output.count).toBe(3);
    expect(h.sim.commands[0]).toMatchObject({
      command: 'get_agents',
      apiKeyHeader: h.apikey,
      body: { company: 'acme' },
      status: 200,
    });
    expect(ofKind(all.entries, 'request')[0]!.summary).toMatch(
      /^POST http:\/\/127\.0\.0\.1:\d+\/publicapiv2\/run\/command\/ → 200 /,
    );
    for (const host of ['wks-fin-017', '192.168.204.133', 'a7f3c2e1-0001']) {
      const one = await h.step('secdo.get_agents', { host });
      expect(one.output).toEqual({
        agents: [
          {
            agentId: 'a7f3c2e1-0001',
            hostName: 'WKS-FIN-017',
            interfaces: ['192.168.204.133'],
            agentState: 'Connected',
          },
        ],
        count: 1,
      });
    }
    expect(all.stored).not.toContain(h.apikey);
  });

  it('get_agents fails clearly on an answer without an agents list', async () => {
    h = await secdoHarness();
    h.sim.inject({ kind: 'body', json: { reply: 'ok' } });
    const run = await h.step('secdo.get_agents', {});
    expect(run.summary.error).toMatch(/SECDO get_agents: unexpected response \{"reply":"ok"\}/);
  });

  it('a refused key is an error with the body as its message', async () => {
    h = await secdoHarness({ apikey: 'not-the-key-42424242' });
    const run = await h.step('secdo.get_agents', {}, { retry: 2 });
    expect(run.summary.error).toMatch(
      /HTTP 403 Forbidden: \{"detail":"Invalid API key or company\."\}/,
    );
    expect(h.sim.commands).toHaveLength(1);
    expect(run.stored).not.toContain('not-the-key-42424242');
  });

  it('isolate_host isolates, journals the host, and fails with SECDO’s reason when refused', async () => {
    h = await secdoHarness();
    const run = await h.step('secdo.isolate_host', { host_name: 'SRV-WEB-02' });
    expect(run.output).toMatchObject({ isolated: true, dry_run: false, host_name: 'SRV-WEB-02' });
    expect(run.output.comment).toMatch(/^Isolated by SOAR run run-.*, step s$/);
    expect(h.sim.isolated).toEqual(['SRV-WEB-02']);
    expect(h.sim.commands[0]!.body).toEqual({
      company: 'acme',
      host_name: 'SRV-WEB-02',
      comment: run.output.comment,
    });
    expect(ofKind(run.entries, 'evidence')[0]!.artifacts).toEqual([
      { type: 'host', value: 'SRV-WEB-02' },
    ]);
    const refused = await h.step(
      'secdo.isolate_host',
      { host_name: 'NO-SUCH-HOST', comment: 'IR-1' },
      { retry: 2 },
    );
    expect(refused.summary.error).toBe(
      "step 's' failed: SECDO refused to isolate NO-SUCH-HOST: No agent found for host NO-SUCH-HOST",
    );
    expect(ofKind(refused.entries, 'step.failed')[0]!.data).toMatchObject({
      error: { code: 'SECDO_REFUSED', retryable: false },
    });
  });

  it('isolate_host in dry-run mode sends nothing and says so', async () => {
    h = await secdoHarness({ dryRun: true });
    const run = await h.step('secdo.isolate_host', { host_name: 'SRV-WEB-02' });
    expect(run.output).toMatchObject({ isolated: false, dry_run: true });
    expect(ofKind(run.entries, 'note')[0]!.summary).toBe(
      'dry run: would isolate SRV-WEB-02 with SECDO',
    );
    expect(h.sim.commands).toEqual([]);
  });

  it('load_ioc sends the IOC and journals it; a reason is a refusal', async () => {
    h = await secdoHarness();
    const run = await h.step('secdo.load_ioc', {
      ioc_data: '66.186.100.181',
      artifacts_type: 'dest_ip',
      operations: 'ICEBLOCK',
      severity: 'HIGH',
      comment: 'from PAN-OS alert 871151',
    });
    expect(run.output).toMatchObject({ loaded: true, source: 'SOAR' });
    expect(h.sim.iocs).toEqual([
      {
        severity: 'HIGH',
        ioc_data: '66.186.100.181',
        source: 'SOAR',
        operations: 'ICEBLOCK',
        artifacts_type: 'dest_ip',
        comment: 'from PAN-OS alert 871151',
      },
    ]);
    expect(h.sim.commands[0]).toMatchObject({ command: 'load_ioc', apiKeyHeader: h.apikey });
    expect(ofKind(run.entries, 'evidence')[0]!.artifacts).toEqual([
      { type: 'ip', value: '66.186.100.181' },
    ]);
    h.sim.inject({ kind: 'body', json: { reason: 'IOC already exists' } });
    const refused = await h.step('secdo.load_ioc', {
      ioc_data: '66.186.100.181',
      artifacts_type: 'dest_ip',
      operations: 'ICEBLOCK',
      severity: 'HIGH',
    });
    expect(refused.summary.error).toMatch(
      /SECDO refused the IOC 66\.186\.100\.181: IOC already exists/,
    );
  });

  it('load_ioc checks its enums at run time', async () => {
    h = await secdoHarness();
    const run = await h.step(
      'secdo.load_ioc',
      { ioc_data: 'x', artifacts_type: 'sha256', operations: 'CASE', severity: 'HIGH' },
      { dynamic: true },
    );
    expect(run.summary.error).toMatch(/argument 'artifacts_type' must be one of hostname, md5hash/);
    expect(h.sim.commands).toEqual([]);
  });

  it('the connectivity check lists agents and reports a refused key', async () => {
    h = await secdoHarness();
    const clients = new HttpClients();
    const instance = h.instances.get('secdo-lab');
    const ctx = {
      signal: AbortSignal.timeout(5000),
      instance,
      get http() {
        return clients.forInstance(instance);
      },
      log: { info: () => undefined, warn: () => undefined },
      evidence: () => undefined,
      note: () => undefined,
    };
    await expect(secdo.test!(ctx)).resolves.toEqual({
      detail: 'SECDO answered get_agents with 3 agent(s)',
    });
    const wrong = { ...ctx, instance: { ...instance, credentials: { apikey: 'nope-nope-nope' } } };
    await expect(secdo.test!(wrong)).rejects.toThrow(/HTTP 403/);
    await clients.close();
  });
});
