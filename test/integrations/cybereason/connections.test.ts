import { describe, expect, it } from 'vitest';
import { malopConnections } from '../../../integrations/cybereason/commands/malop-connections.js';
import type { Connection } from '../../../integrations/cybereason/connections.js';
import { parseEnds } from '../../../integrations/cybereason/connections.js';
import { contextFor, failure, run, simulator } from './helpers.js';

interface Out {
  remote_ips: string[];
  domains: string[];
  ports: number[];
  connections: Connection[];
  total: number;
  truncated: boolean;
}

describe('cybereason.malop_connections', () => {
  it("collects remote addresses, domains and ports of a malop's connections", async () => {
    const sim = await simulator();
    const { ctx, journal } = contextFor(sim);
    const out = await run<Out>(malopConnections, ctx, { malop_guid: 'AAAA0ws7O-MUgDmB' });
    expect(out.remote_ips).toEqual(['192.0.2.77', '203.0.113.200']);
    expect(out.domains).toEqual(['cdn-sync.example.com', 'ns1.cdn-sync.example.com']);
    expect(out.ports).toEqual([53, 443, 8443]);
    expect(out).toMatchObject({ total: 3, truncated: false });
    expect(out.connections[0]).toEqual({
      guid: '-576986290.-1122334455667788990',
      name: '10.21.2.50:56687 > 192.0.2.77:443',
      direction: 'OUTGOING',
      remote_address: '192.0.2.77',
      remote_port: 443,
      local_address: '10.21.2.50',
      local_port: 56687,
      protocol: 'TCP',
      country: 'United States',
      domain: 'cdn-sync.example.com',
      owner_machine: 'ms-dc01',
      owner_process: 'powershell.exe',
      malicious: true,
      created: expect.any(Number),
    });
    expect(journal.evidence).toHaveLength(1);
    expect(journal.evidence[0]!.artifacts).toEqual([
      { type: 'ip', value: '192.0.2.77' },
      { type: 'ip', value: '203.0.113.200' },
      { type: 'domain', value: 'cdn-sync.example.com' },
      { type: 'domain', value: 'ns1.cdn-sync.example.com' },
    ]);
  });

  it('sends the malop → suspects → process → connections path with the fields it reads', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    await run(malopConnections, ctx, { malop_guid: 'AAAA0w7GERjl3oae', limit: 50 });
    const body = JSON.parse(sim.requests.at(-1)!.body) as Record<string, unknown>;
    expect(body.queryPath).toEqual([
      {
        requestedType: 'MalopProcess',
        filters: [],
        guidList: ['AAAA0w7GERjl3oae'],
        connectionFeature: { elementInstanceType: 'MalopProcess', featureName: 'suspects' },
      },
      {
        requestedType: 'Process',
        filters: [],
        connectionFeature: { elementInstanceType: 'Process', featureName: 'connections' },
      },
      { requestedType: 'Connection', filters: [], isResult: true },
    ]);
    expect(body).toMatchObject({ totalResultLimit: 50, queryTimeout: 60_000 });
    expect(body.customFields).toContain('dnsQuery');
  });

  it('reads the remote end from the display name when serverAddress and direction are missing', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    const out = await run<Out>(malopConnections, ctx, { malop_guid: 'AAAA0w7GERjl3oae' });
    const unknown = out.connections.find((c) => c.direction === null)!;
    expect(unknown).toMatchObject({
      name: '10.20.4.23:50411 > 198.51.100.23:8080',
      remote_address: '198.51.100.23',
      remote_port: 8080,
      local_address: '10.20.4.23',
      local_port: 50411,
      malicious: false,
    });
    expect(out.remote_ips).toEqual(['203.0.113.45', '198.51.100.23', '10.20.1.5']);
  });

  it('takes the client end as remote for an incoming connection', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    const out = await run<Out>(malopConnections, ctx, { malop_guid: 'AAAA1a2RdpInc0me' });
    expect(out.connections[0]).toMatchObject({
      direction: 'INCOMING',
      remote_address: '198.51.100.99',
      remote_port: 49822,
      local_address: '10.21.2.50',
      local_port: 3389,
    });
  });

  it('keeps only malicious connections when asked', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    const out = await run<Out>(malopConnections, ctx, {
      malop_guid: 'AAAA0w7GERjl3oae',
      only_malicious: true,
    });
    expect(out.remote_ips).toEqual(['203.0.113.45']);
    expect(out.domains).toEqual(['update-cdn.example.net']);
  });

  it('says when the limit cut the answer', async () => {
    const sim = await simulator();
    const { ctx, journal } = contextFor(sim);
    const out = await run<Out>(malopConnections, ctx, { malop_guid: 'AAAA0w7GERjl3oae', limit: 2 });
    expect(out).toMatchObject({ total: 3, truncated: true });
    expect(out.connections).toHaveLength(2);
    expect(journal.notes[0]).toMatch(/2 of 3 connections returned \(limit reached\)/);
  });

  it('answers empty lists, and journals no evidence, for a malop without connections', async () => {
    const sim = await simulator();
    const { ctx, journal } = contextFor(sim);
    const out = await run<Out>(malopConnections, ctx, { malop_guid: 'AAAA0x1mKz9Qc7Tn' });
    expect(out).toEqual({
      remote_ips: [],
      domains: [],
      ports: [],
      connections: [],
      total: 0,
      truncated: false,
    });
    expect(journal.evidence).toHaveLength(0);
  });

  it('fails permanently on a refused query', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    sim.inject({
      path: '/rest/visualsearch/query/simple',
      status: 200,
      body: '{"status":"FAILURE","message":"Query is not valid"}',
    });
    const error = await failure(run(malopConnections, ctx, { malop_guid: 'AAAA0w7GERjl3oae' }));
    expect(error).toMatchObject({ code: 'VENDOR_ERROR', retryable: false });
    expect(error.message).toMatch(/Query is not valid/);
  });
});

describe('parseEnds', () => {
  it('splits a display name into client and server, IPv6 included', () => {
    expect(parseEnds('10.0.0.5:50394 > 203.0.113.9:443')).toEqual({
      client: { address: '10.0.0.5', port: 50394 },
      server: { address: '203.0.113.9', port: 443 },
    });
    expect(parseEnds('[2001:db8::5]:50394 > [2001:db8::9]:443')?.server).toEqual({
      address: '2001:db8::9',
      port: 443,
    });
    expect(parseEnds('no arrow here')).toBeNull();
    expect(parseEnds('host:1 > not-an-ip:80')?.server).toEqual({ address: null, port: 80 });
  });
});
