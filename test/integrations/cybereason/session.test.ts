import { afterEach, describe, expect, it, vi } from 'vitest';
import { cybereason } from '../../../integrations/cybereason/index.js';
import { blocklist } from '../../../integrations/cybereason/commands/blocklist.js';
import { fetchMalops } from '../../../integrations/cybereason/commands/fetch-malops.js';
import { getMalop } from '../../../integrations/cybereason/commands/get-malop.js';
import { SIM_PASSWORD } from '../../../integrations/cybereason/simulator/server.js';
import { contextFor, failure, run, simulator } from './helpers.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('cybereason session', () => {
  it('renews a session before the server would end it (7.5 of its 8 hours)', async () => {
    const sim = await simulator({ sessionTtlMs: Number.MAX_SAFE_INTEGER });
    const { ctx, journal } = contextFor(sim);
    vi.useFakeTimers({ toFake: ['Date'] });
    await run(blocklist, ctx, {});
    vi.setSystemTime(Date.now() + 7 * 3600_000);
    await run(blocklist, ctx, {});
    expect(sim.state.logins).toBe(1);
    vi.setSystemTime(Date.now() + 3600_000);
    await run(blocklist, ctx, {});
    expect(sim.state.logins).toBe(2);
    // Renewed up front: no call was wasted on a login page.
    expect(journal.requests.map((r) => new URL(r.url).pathname)).toEqual([
      '/login.html',
      '/rest/classification/download',
      '/rest/classification/download',
      '/login.html',
      '/rest/classification/download',
    ]);
  });

  it('checks an instance for `soar integrations test`', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    expect(await cybereason.test!(ctx)).toEqual({
      detail: 'logged in; 4 malops updated in the last 24 hours',
    });
    const old = await simulator({ managementApi: false });
    expect((await cybereason.test!(contextFor(old).ctx)).detail).toMatch(/no malop management API/);
  });

  it('logs in once and keeps the session across commands of the same instance', async () => {
    const sim = await simulator();
    for (let i = 0; i < 3; i++) {
      const { ctx } = contextFor(sim);
      await run(blocklist, ctx, {});
      await run(getMalop, ctx, { malop_guid: 'AAAA0w7GERjl3oae' });
    }
    expect(sim.state.logins).toBe(1);
    const login = sim.requests.find((r) => r.path === '/login.html')!;
    expect(login.body).toContain('username=soar-api%40example.com');
    expect(sim.requests.filter((r) => r.path.startsWith('/rest/')).every((r) => r.session)).toBe(
      true,
    );
  });

  it('keeps one session per instance', async () => {
    const sim = await simulator();
    await run(blocklist, contextFor(sim, { id: 'a' }).ctx, {});
    await run(blocklist, contextFor(sim, { id: 'b' }).ctx, {});
    await run(blocklist, contextFor(sim, { id: 'a' }).ctx, {});
    expect(sim.state.logins).toBe(2);
  });

  it('shares one login between concurrent calls', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    await Promise.all(Array.from({ length: 8 }, () => run(blocklist, ctx, {})));
    expect(sim.state.logins).toBe(1);
  });

  it('reports a refused login (HTTP 200 with the login page) as a permanent AUTH error', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim, {
      credentials: { username: 'soar-api@example.com', password: 'wrong' },
    });
    const error = await failure(run(blocklist, ctx, {}));
    expect(error).toMatchObject({ code: 'AUTH', retryable: false });
    expect(error.message).toMatch(/refused the login/);
    expect(error.message).not.toContain('wrong');
    // A refused login is not cached: the next call tries again.
    await failure(run(blocklist, ctx, {}));
    expect(sim.state.logins).toBe(2);
  });

  it('logs in again once when the session has expired, then repeats the call', async () => {
    const sim = await simulator();
    const { ctx, journal } = contextFor(sim);
    await run(blocklist, ctx, {});
    sim.expireSessions();
    const output = await run<{ ips: string[] }>(blocklist, ctx, {});
    expect(output.ips).toContain('203.0.113.45');
    expect(sim.state.logins).toBe(2);
    expect(
      journal.requests.map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`),
    ).toEqual([
      'POST /login.html 302',
      'GET /rest/classification/download 200',
      'GET /rest/classification/download 200', // the login page
      'POST /login.html 302',
      'GET /rest/classification/download 200',
    ]);
  });

  it('renews an expired session once for concurrent callers', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    await run(blocklist, ctx, {});
    sim.expireSessions();
    await Promise.all(Array.from({ length: 6 }, () => run(blocklist, ctx, {})));
    expect(sim.state.logins).toBe(2);
  });

  it('fails clearly when the login page comes back right after a fresh login', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    await run(blocklist, ctx, {});
    sim.expireSessions();
    // The next two answers to the download are the login page, whatever the session.
    sim.inject({
      path: '/rest/classification/download',
      times: 2,
      status: 200,
      contentType: 'text/html',
      body: '<html><head><title>Cybereason | Login</title></head></html>',
    });
    const error = await failure(run(blocklist, ctx, {}));
    expect(error).toMatchObject({ code: 'SESSION_REJECTED', retryable: false });
    expect(error.message).toMatch(/login page again right after a fresh login/);
    expect(sim.state.logins).toBe(2);
    // The refused session is dropped: the next command logs in anew and works.
    await run(blocklist, ctx, {});
    expect(sim.state.logins).toBe(3);
  });

  it('understands a redirect to the login page as an ended session', async () => {
    const sim = await simulator({ noSession: 'redirect', loginSuccess: 'page' });
    const { ctx } = contextFor(sim);
    await run(fetchMalops, ctx, {});
    sim.expireSessions();
    const output = await run<{ total: number }>(fetchMalops, ctx, {});
    expect(output.total).toBeGreaterThan(0);
    expect(sim.state.logins).toBe(2);
  });

  it('accepts a login answered with the console page (HTTP 200) rather than a redirect', async () => {
    const sim = await simulator({ loginSuccess: 'page' });
    const { ctx } = contextFor(sim);
    await run(blocklist, ctx, {});
    expect(sim.state.logins).toBe(1);
  });

  it('keeps the password and the session cookie out of what it journals', async () => {
    const sim = await simulator();
    const { ctx, journal } = contextFor(sim);
    await run(fetchMalops, ctx, {});
    const session = [...sim.state.sessions.keys()][0]!;
    const text = JSON.stringify(journal);
    expect(text).not.toContain(SIM_PASSWORD);
    expect(text).not.toContain(session);
  });

  it('treats a 5xx on login as transient', async () => {
    const sim = await simulator();
    sim.inject({ path: '/login.html', status: 503, body: 'busy' });
    const { ctx } = contextFor(sim);
    const error = await failure(run(blocklist, ctx, {}));
    expect(error).toMatchObject({ code: 'HTTP_5XX', retryable: true });
    await run(blocklist, ctx, {});
  });
});
