import { describe, expect, it } from 'vitest';
import { blocklist } from '../../../integrations/cybereason/commands/blocklist.js';
import { setReputation } from '../../../integrations/cybereason/commands/set-reputation.js';
import { parseCsv, readReputationCsv } from '../../../integrations/cybereason/reputations.js';
import { contextFor, failure, run, simulator } from './helpers.js';

interface Blocklist {
  ips: string[];
  domains: string[];
  hashes: string[];
  entries: { key: string; comment: string | null; expiration: number | null; prevent: boolean }[];
  expired: number;
}

describe('cybereason.blocklist', () => {
  it('lists blocklisted IPs, domains and hashes, leaving out allowlisted and expired entries', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    const out = await run<Blocklist>(blocklist, ctx, {});
    expect(out.ips).toEqual(['203.0.113.45', '198.51.100.7']);
    expect(out.domains).toEqual(['cdn-sync.example.com']);
    expect(out.hashes).toEqual(['e930b05efe23891d19bc354a4209be3e']);
    expect(out.expired).toBe(1);
    expect(out.entries.find((e) => e.key === '198.51.100.7')).toMatchObject({
      comment: 'scanner, "seen twice", blocked',
      expiration: expect.any(Number),
    });
    expect(out.entries.find((e) => e.key === '203.0.113.45')!.expiration).toBeNull();
    const withExpired = await run<Blocklist>(blocklist, ctx, { include_expired: true });
    expect(withExpired.ips).toContain('192.0.2.200');
  });

  it('fails clearly when the CSV has no key column', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    sim.inject({
      path: '/rest/classification/download',
      status: 200,
      contentType: 'text/csv',
      body: 'a,b\r\n1,2\r\n',
    });
    const error = await failure(run(blocklist, ctx, {}));
    expect(error).toMatchObject({ code: 'CSV_FORMAT', retryable: false });
    expect(error.message).toMatch(/columns: a, b/);
  });
});

describe('reputation CSV', () => {
  it('parses quotes, doubled quotes, line breaks in fields, CRLF and a BOM', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, ""y""","multi\nline"\r\nlast,')).toEqual([
      ['a', 'b'],
      ['x, "y"', 'multi\nline'],
      ['last', ''],
    ]);
  });

  it('finds columns by name, in any order and spelling', () => {
    const csv = 'Comment,Expiration Time,reputation,KEY\r\nbad,None,Blacklist,Evil.Example.COM\r\n';
    expect(readReputationCsv(csv).entries).toEqual([
      {
        key: 'evil.example.com',
        type: 'DOMAIN',
        reputation: 'blacklist',
        prevent: false,
        comment: 'bad',
        expiration: null,
      },
    ]);
  });
});

describe('cybereason.set_reputation', () => {
  it('upserts lower-cased keys and shows up in the blocklist', async () => {
    const sim = await simulator();
    const { ctx, journal } = contextFor(sim);
    const out = await run(setReputation, ctx, {
      keys: ['Evil.Example.NET', 'evil.example.net', 'c2.example.org'],
      type: 'DOMAIN',
      comment: 'from malop AAAA0ws7O-MUgDmB',
    });
    expect(out).toEqual({
      keys: ['evil.example.net', 'c2.example.org'],
      type: 'DOMAIN',
      reputation: 'blacklist',
      removed: false,
      dry_run: false,
    });
    expect(JSON.parse(sim.requests.at(-1)!.body)).toEqual([
      {
        keys: ['evil.example.net', 'c2.example.org'],
        maliciousType: 'blacklist',
        prevent: false,
        remove: false,
        reputationType: 'DOMAIN',
        comment: 'from malop AAAA0ws7O-MUgDmB',
      },
    ]);
    expect(sim.state.reputation('evil.example.net')).toMatchObject({
      reputationType: 'DOMAIN',
      maliciousType: 'blacklist',
    });
    expect(journal.evidence[0]!.artifacts).toEqual([
      { type: 'domain', value: 'evil.example.net' },
      { type: 'domain', value: 'c2.example.org' },
    ]);
    // Repeating it changes nothing (an upsert by key).
    await run(setReputation, ctx, { keys: ['evil.example.net'], type: 'DOMAIN' });
    expect((await run<Blocklist>(blocklist, ctx, {})).domains).toEqual([
      'cdn-sync.example.com',
      'evil.example.net',
      'c2.example.org',
    ]);
  });

  it('removes keys', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    await run(setReputation, ctx, { keys: ['203.0.113.45'], type: 'IP', remove: true });
    expect(sim.state.reputation('203.0.113.45')).toBeUndefined();
  });

  it('refuses keys that do not fit the type, and prevent for anything but files', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    expect(
      await failure(run(setReputation, ctx, { keys: ['not-an-ip'], type: 'IP' })),
    ).toMatchObject({
      code: 'BAD_INPUT',
      message: "key 'not-an-ip' is not an IP address (type IP)",
    });
    expect(await failure(run(setReputation, ctx, { keys: ['zz'], type: 'FILE' }))).toMatchObject({
      code: 'BAD_INPUT',
    });
    expect(
      await failure(run(setReputation, ctx, { keys: ['192.0.2.1'], type: 'IP', prevent: true })),
    ).toMatchObject({ code: 'BAD_INPUT', message: 'prevent applies to files only (type FILE)' });
    expect(await failure(run(setReputation, ctx, { keys: [], type: 'IP' }))).toMatchObject({
      code: 'BAD_INPUT',
    });
    expect(sim.requests).toHaveLength(0);
  });

  it('treats anything but {"outcome":"success","data":"true"} as a failure', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    sim.inject({
      path: '/rest/classification/update',
      status: 200,
      body: '{"outcome":"success","data":"false"}',
    });
    expect(
      await failure(run(setReputation, ctx, { keys: ['192.0.2.1'], type: 'IP' })),
    ).toMatchObject({ code: 'REJECTED', retryable: false });
    expect(sim.state.reputation('192.0.2.1')).toBeUndefined();
  });

  it('only journals what it would do in dry-run mode', async () => {
    const sim = await simulator();
    const { ctx, journal } = contextFor(sim, { dryRun: true });
    const out = await run(setReputation, ctx, { keys: ['192.0.2.1'], type: 'IP' });
    expect(out).toMatchObject({ dry_run: true });
    expect(sim.requests).toHaveLength(0);
    expect(journal.evidence[0]!.summary).toMatch(/^dry run: 1 IP keys would be set to blacklist/);
  });
});
