import { afterEach, describe, expect, it } from 'vitest';
import { FortiGateSimulator } from '../../../integrations/fortigate/simulator.js';

const TOKEN = 'sim-token-0123456789';
let sim: FortiGateSimulator;

interface Envelope {
  results: (Record<string, unknown> & { member: { name: string }[] })[];
  [field: string]: unknown;
}
afterEach(() => sim?.close());

async function api(
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = { authorization: `Bearer ${TOKEN}` },
) {
  const response = await fetch(`${sim.url}/api/v2/cmdb/${path}`, {
    method,
    headers: { ...headers, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, json: text ? (JSON.parse(text) as Envelope) : null };
}

describe('FortiGate simulator', () => {
  it('answers GET, write and error envelopes like FortiOS', async () => {
    sim = await FortiGateSimulator.start({ tokens: [TOKEN] });
    const list = await api('GET', 'firewall/address?vdom=root');
    expect(list.status).toBe(200);
    expect(list.json).toMatchObject({
      http_method: 'GET',
      size: 2,
      matched_count: 2,
      status: 'success',
      http_status: 200,
      vdom: 'root',
      path: 'firewall',
      name: 'address',
      serial: expect.any(String),
      version: expect.stringMatching(/^v7\./),
      build: expect.any(Number),
      revision: expect.any(String),
    });
    expect(list.json!.results[1]).toMatchObject({
      name: 'manual-bad-host',
      q_origin_key: 'manual-bad-host',
      type: 'ipmask',
      subnet: '198.51.100.77 255.255.255.255',
      uuid: expect.any(String),
    });

    const created = await api('POST', 'firewall/address', {
      name: 'x',
      subnet: '203.0.113.5/32',
    });
    expect(created).toMatchObject({
      status: 200,
      json: { http_method: 'POST', mkey: 'x', status: 'success', revision_changed: true },
    });
    const duplicate = await api('POST', 'firewall/address', {
      name: 'x',
      subnet: '203.0.113.5/32',
    });
    expect(duplicate).toMatchObject({
      status: 500,
      json: { status: 'error', http_status: 500, error: -5 },
    });
    for (const method of ['GET', 'PUT', 'DELETE']) {
      const missing = await api(method, 'firewall/address/nope', method === 'PUT' ? {} : undefined);
      expect(missing).toMatchObject({ status: 404, json: { status: 'error', http_status: 404 } });
    }
    expect(await api('POST', 'firewall/address', { name: 'y', colour: 3 })).toMatchObject({
      status: 500,
      json: { error: -651, cli_error: "unknown field 'colour'" },
    });
    expect(await api('POST', 'firewall/address', { subnet: '1.2.3.4/32' })).toMatchObject({
      status: 424,
    });
  });

  it('serves the member sub-table: members must exist, families do not mix, duplicates are -5', async () => {
    sim = await FortiGateSimulator.start({ tokens: [TOKEN] });
    const members = 'firewall/addrgrp/SOAR-Blocklist/member';
    expect(await api('POST', members, { name: 'ghost' })).toMatchObject({
      status: 500,
      json: { error: -3, cli_error: 'entry not found in datasource: ghost' },
    });
    expect(
      await api('POST', 'firewall/addrgrp6/SOAR-Blocklist6/member', { name: 'manual-bad-host' }),
    ).toMatchObject({
      status: 500,
      json: { cli_error: expect.stringMatching(/IPv4 and IPv6 addresses cannot be mixed/) },
    });
    await api('POST', 'firewall/address', { name: 'a', subnet: '203.0.113.1 255.255.255.255' });
    expect((await api('POST', members, { name: 'a' })).status).toBe(200);
    expect(await api('POST', members, { name: 'a' })).toMatchObject({
      status: 500,
      json: { error: -5 },
    });
    expect((await api('GET', `${members}/a`)).json!.results).toEqual([
      { name: 'a', q_origin_key: 'a' },
    ]);
    expect(sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host', 'a']);
    // An address in a group, or a group in a policy, cannot be deleted.
    expect(await api('DELETE', 'firewall/address/a')).toMatchObject({
      status: 500,
      json: { error: -23 },
    });
    expect((await api('DELETE', 'firewall/addrgrp/SOAR-Blocklist')).status).toBe(500);
    expect((await api('DELETE', `${members}/a`)).status).toBe(200);
    expect((await api('DELETE', `${members}/a`)).status).toBe(404);
    expect((await api('DELETE', 'firewall/address/a')).status).toBe(200);
    expect((await api('POST', 'firewall/addrgrp/Nope/member', { name: 'all' })).status).toBe(404);
  });

  it('replaces the whole member list on PUT, so two read-modify-write blockers lose a member', async () => {
    sim = await FortiGateSimulator.start({ tokens: [TOKEN] });
    await api('POST', 'firewall/address', { name: 'a', subnet: '203.0.113.1/32' });
    await api('POST', 'firewall/address', { name: 'b', subnet: '203.0.113.2/32' });
    const read = async () =>
      (await api('GET', 'firewall/addrgrp/SOAR-Blocklist')).json!.results[0]!.member.map((m) => ({
        name: m.name,
      }));
    const [first, second] = [await read(), await read()];
    await api('PUT', 'firewall/addrgrp/SOAR-Blocklist', { member: [...first, { name: 'a' }] });
    await api('PUT', 'firewall/addrgrp/SOAR-Blocklist', { member: [...second, { name: 'b' }] });
    expect(sim.members('SOAR-Blocklist')).toEqual(['manual-bad-host', 'b']);
  });

  it('filters and trims listings (filter=field=@text, format=a|b)', async () => {
    sim = await FortiGateSimulator.start({ tokens: [TOKEN] });
    await api('POST', 'firewall/address', {
      name: 'a',
      subnet: '203.0.113.1/32',
      comment: 'x [soar-run:r1]',
    });
    await api('POST', 'firewall/address', {
      name: 'b',
      subnet: '203.0.113.2/32',
      comment: 'x [soar-run:r2]',
    });
    const found = await api(
      'GET',
      `firewall/address?filter=${encodeURIComponent('comment=@[soar-run:r1]')}&format=name`,
    );
    expect(found.json).toMatchObject({ size: 4, matched_count: 1, results: [{ name: 'a' }] });
  });

  it('refuses a bad token with 401 and locks the source out after three (then even a good token fails)', async () => {
    let now = 1_000_000;
    sim = await FortiGateSimulator.start({ tokens: [TOKEN], now: () => now });
    const bad = { authorization: 'Bearer wrong-token-value' };
    expect((await api('GET', 'firewall/address', undefined, {})).status).toBe(401);
    expect((await api('GET', 'firewall/address', undefined, bad)).status).toBe(401);
    expect((await api('GET', 'firewall/address', undefined, bad)).status).toBe(401);
    expect((await api('GET', 'firewall/address', undefined, bad)).status).toBe(401);
    expect((await api('GET', 'firewall/address')).status).toBe(403);
    now += 61_000;
    expect((await api('GET', 'firewall/address')).status).toBe(200);
  });

  it('ignores ?access_token= unless enabled (off by default since 7.4.5)', async () => {
    sim = await FortiGateSimulator.start({ tokens: [TOKEN] });
    const response = await fetch(`${sim.url}/api/v2/cmdb/firewall/address?access_token=${TOKEN}`);
    expect(response.status).toBe(401);
  });

  it('logs in with a session: ccsrftoken cookie, X-CSRFTOKEN on writes, disclaimer, logout', async () => {
    sim = await FortiGateSimulator.start({
      users: { admin: 'secret-pw' },
      disclaimer: true,
      csrfCookie: 'suffixed',
    });
    const login = await fetch(`${sim.url}/logincheck`, {
      method: 'POST',
      body: new URLSearchParams({ username: 'admin', secretkey: 'secret-pw', ajax: '1' }),
    });
    const text = await login.text();
    expect(text).toMatch(/^1.*logindisclaimer/);
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]!);
    const csrf = cookies
      .find((c) => c.startsWith('ccsrftoken_'))!
      .split('=')[1]!
      .replace(/"/g, '');
    const cookie = cookies.join('; ');
    expect((await api('GET', 'firewall/address', undefined, { cookie })).status).toBe(401);
    await fetch(`${sim.url}/logindisclaimer`, {
      method: 'POST',
      headers: { cookie },
      body: new URLSearchParams({ confirm: '1' }),
    });
    expect((await api('GET', 'firewall/address', undefined, { cookie })).status).toBe(200);
    const body = { name: 'z', subnet: '203.0.113.9/32' };
    expect((await api('POST', 'firewall/address', body, { cookie })).status).toBe(403);
    expect(
      (await api('POST', 'firewall/address', body, { cookie, 'x-csrftoken': csrf })).status,
    ).toBe(200);
    expect(sim.activeSessions).toBe(1);
    await fetch(`${sim.url}/logout`, { method: 'POST', headers: { cookie } });
    expect(sim.activeSessions).toBe(0);
    expect((await api('GET', 'firewall/address', undefined, { cookie })).status).toBe(401);
  });

  it('answers logincheck 0 for bad credentials and 2 once locked out', async () => {
    sim = await FortiGateSimulator.start({ users: { admin: 'pw' } });
    const attempt = async (secretkey: string) =>
      (
        await fetch(`${sim.url}/logincheck`, {
          method: 'POST',
          body: new URLSearchParams({ username: 'admin', secretkey, ajax: '1' }),
        })
      ).text();
    expect(await attempt('nope')).toBe('0');
    expect(await attempt('nope')).toBe('0');
    expect(await attempt('nope')).toBe('2');
    expect(await attempt('pw')).toBe('2');
  });

  it('injects faults for matching requests only, as often as asked', async () => {
    sim = await FortiGateSimulator.start({ tokens: [TOKEN] });
    sim.inject({
      path: /\/firewall\/address$/,
      fault: { kind: 'rate-limit', retryAfterSeconds: 2 },
      times: 2,
    });
    sim.inject({ method: 'GET', path: '/api/v2/cmdb/firewall/addrgrp', fault: { kind: 'html' } });
    expect((await api('GET', 'firewall/addrgrp6')).status).toBe(200);
    const limited = await fetch(`${sim.url}/api/v2/cmdb/firewall/address`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    expect((await api('GET', 'firewall/address').catch(() => ({ status: 429 }))).status).toBe(429);
    expect((await api('GET', 'firewall/address')).status).toBe(200);
    const html = await fetch(`${sim.url}/api/v2/cmdb/firewall/addrgrp`);
    expect(await html.text()).toMatch(/<title>FortiGate Login<\/title>/);
    expect(sim.requests.map((r) => r.status)).toEqual([200, 429, 429, 200, 200]);
  });
});
