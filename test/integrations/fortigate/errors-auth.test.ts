import { afterEach, describe, expect, it } from 'vitest';
import { fortigate } from '../../../integrations/fortigate/index.js';
import { fortigateHarness, ofKind, TOKEN, USER, type FortiGateHarness } from './harness.js';

let h: FortiGateHarness;
afterEach(() => h?.close());

const ADDRESSES = '/api/v2/cmdb/firewall/address';

describe('fortigate auth', () => {
  it('sends the token as a Bearer header, never in the URL', async () => {
    h = await fortigateHarness();
    await h.run('block_address', { address: '203.0.113.9' });
    expect(h.sim.requests.every((r) => r.auth === 'token' && !('access_token' in r.query))).toBe(
      true,
    );
  });

  it('fails a refused token at once, without retrying into a lockout', async () => {
    h = await fortigateHarness({ token: 'not-the-right-token-1234' });
    const run = await h.run('block_address', { address: '203.0.113.9' }, { retry: 5 });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toMatch(/FortiGate refused the API token .*HTTP 401.*lock/);
    expect(h.sim.requests).toHaveLength(1);
    expect(ofKind(run.entries, 'step.retried')).toHaveLength(0);
  });

  it('logs in, sends X-CSRFTOKEN on writes and logs out, with the FortiOS 7 cookie name and a disclaimer', async () => {
    h = await fortigateHarness({
      auth: 'session',
      simulator: { disclaimer: true, csrfCookie: 'suffixed' },
    });
    const run = await h.run('block_address', { address: '203.0.113.9' });
    expect(run.output).toMatchObject({ blocked: ['203.0.113.9'] });
    expect(h.sim.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /logincheck',
      'POST /logindisclaimer',
      'GET /api/v2/cmdb/firewall/addrgrp/SOAR-Blocklist/member/soar-203.0.113.9',
      'GET /api/v2/cmdb/firewall/address',
      'POST /api/v2/cmdb/firewall/address',
      'POST /api/v2/cmdb/firewall/addrgrp/SOAR-Blocklist/member',
      'POST /logout',
    ]);
    expect(h.sim.activeSessions).toBe(0);
  });

  it('logs the session out when the command fails', async () => {
    h = await fortigateHarness({ auth: 'session' });
    h.sim.inject({
      method: 'POST',
      path: ADDRESSES,
      fault: {
        kind: 'status',
        status: 500,
        body: {
          status: 'error',
          http_status: 500,
          error: -61,
          cli_error: 'Command fail. Return code -61',
        },
      },
    });
    const run = await h.run('block_address', { address: '203.0.113.9' });
    expect(run.summary.status).toBe('failed');
    expect(run.summary.error).toMatch(
      /error -61 \(command error\) "Command fail\. Return code -61"/,
    );
    expect(h.sim.requests.at(-1)?.path).toBe('/logout');
    expect(h.sim.activeSessions).toBe(0);
  });

  it('reports a bad password as refused and a locked-out source as locked out', async () => {
    h = await fortigateHarness({ auth: 'session', password: 'wrong-password-123' });
    const first = await h.run('list_blocked', {});
    expect(first.summary.error).toMatch(
      /refused the username or password \(logincheck answered 0\)/,
    );
    await h.run('list_blocked', {});
    const third = await h.run('list_blocked', {});
    expect(third.summary.error).toMatch(/locked this source out/);
  });
});

describe('fortigate vendor faults', () => {
  it('retries a 5xx without a FortiOS envelope, and a 429', async () => {
    h = await fortigateHarness();
    h.sim.inject({
      method: 'POST',
      path: ADDRESSES,
      fault: { kind: 'status', status: 502, body: 'Bad Gateway' },
    });
    h.sim.inject({
      method: 'POST',
      path: ADDRESSES,
      fault: { kind: 'rate-limit', retryAfterSeconds: 0 },
    });
    const run = await h.run('block_address', { address: '203.0.113.9' }, { retry: 3 });
    expect(run.summary.status).toBe('completed');
    expect(run.output).toMatchObject({ blocked: ['203.0.113.9'] });
    expect(ofKind(run.entries, 'step.retried')).toHaveLength(2);
    expect(h.sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host', 'soar-203.0.113.9']);
  });

  it('a retry after a crash between create and member add finishes the block', async () => {
    h = await fortigateHarness();
    h.sim.inject({
      method: 'POST',
      path: '/api/v2/cmdb/firewall/addrgrp/SOAR-Blocklist/member',
      fault: { kind: 'reset' },
    });
    const run = await h.run('block_address', { address: '203.0.113.9' }, { retry: 2 });
    expect(run.output).toMatchObject({ blocked: ['203.0.113.9'] });
    expect(h.sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host', 'soar-203.0.113.9']);
  });

  it('does not retry an HTML login page or a FortiOS parameter error', async () => {
    h = await fortigateHarness();
    h.sim.inject({ fault: { kind: 'html' } });
    const html = await h.run('list_blocked', {}, { retry: 3 });
    expect(html.summary.error).toMatch(/HTML page titled "FortiGate Login"/);
    expect(ofKind(html.entries, 'step.retried')).toHaveLength(0);
  });

  it('never writes a secret to the stored journal', async () => {
    h = await fortigateHarness({ auth: 'session' });
    const run = await h.run('block_address', { address: ['203.0.113.9', '10.0.0.1'] });
    expect(run.stored).not.toContain(USER.password);
    expect(run.stored).not.toContain(TOKEN);
    expect(run.stored).not.toMatch(/APSCOOKIE|ccsrftoken=/);
    expect(ofKind(run.entries, 'request').length).toBeGreaterThan(3);
  });

  it('keeps the evidence of addresses blocked before a later one failed the step', async () => {
    h = await fortigateHarness();
    h.sim.inject({
      method: 'GET',
      path: '/api/v2/cmdb/firewall/addrgrp/SOAR-Blocklist/member/soar-203.0.113.9',
      fault: {
        kind: 'status',
        status: 500,
        body: { status: 'error', http_status: 500, error: -61 },
      },
    });
    const run = await h.run('block_address', { address: ['203.0.113.8', '203.0.113.9'] });
    expect(run.summary.status).toBe('failed');
    expect(ofKind(run.entries, 'evidence').map((e) => e.summary)).toEqual([
      expect.stringMatching(/^Blocked 203\.0\.113\.8 /),
    ]);
  });
});

describe('soar integrations test', () => {
  it('connects and reads both block groups', async () => {
    h = await fortigateHarness({ settings: { block_group6: 'SOAR-Blocklist6' } });
    const ctx = h.context();
    await expect(
      fortigate.test!({ ...ctx, log: { info() {}, warn() {} }, evidence() {}, note() {} }),
    ).resolves.toEqual({
      detail:
        "connected; in vdom 'root', block group 'SOAR-Blocklist' has 1, 'SOAR-Blocklist6' has 1 members",
    });
    await ctx.http.close();
  });

  it('names an overflow group that does not exist on the device', async () => {
    h = await fortigateHarness({ settings: { overflow_groups: ['SOAR-Blocklist-2'] } });
    const ctx = h.context();
    await expect(
      fortigate.test!({ ...ctx, log: { info() {}, warn() {} }, evidence() {}, note() {} }),
    ).rejects.toThrow("the block group 'SOAR-Blocklist-2' (firewall/addrgrp) does not exist");
    await ctx.http.close();
  });
});
