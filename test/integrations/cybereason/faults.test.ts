import { describe, expect, it } from 'vitest';
import { fetchMalops } from '../../../integrations/cybereason/commands/fetch-malops.js';
import { malopConnections } from '../../../integrations/cybereason/commands/malop-connections.js';
import { contextFor, failure, run, simulator } from './helpers.js';

const MALOPS = '/rest/mmng/v2/malops';

describe('cybereason vendor faults', () => {
  it('classifies each fault as retryable or not', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim);
    const cases: [Parameters<typeof sim.inject>[0], string, boolean][] = [
      [{ path: MALOPS, status: 429, headers: { 'retry-after': '7' } }, 'RATE_LIMITED', true],
      [
        { path: MALOPS, status: 502, contentType: 'text/html', body: '<h1>Bad Gateway</h1>' },
        'HTTP_5XX',
        true,
      ],
      [{ path: MALOPS, reset: true }, 'NETWORK', true],
      [
        { path: MALOPS, status: 200, body: '{"status":"SUCCESS","data":{"data":[', truncate: true },
        'NETWORK',
        true,
      ],
      [{ path: MALOPS, status: 200, body: '{"status":"SUCCESS","data":' }, 'BAD_JSON', true],
      [{ path: MALOPS, status: 200, body: '{"status":"SUCCESS"}' }, 'BAD_RESPONSE', true],
      [
        {
          path: MALOPS,
          status: 200,
          contentType: 'text/html',
          body: '<html><title>Maintenance</title></html>',
        },
        'HTML_INSTEAD_OF_JSON',
        false,
      ],
      [
        { path: MALOPS, status: 403, body: '{"status":"FAILURE","message":"Forbidden"}' },
        'AUTH_REFUSED',
        false,
      ],
      [{ path: MALOPS, status: 422, body: '{"status":"FAILURE"}' }, 'HTTP_4XX', false],
      [
        { path: MALOPS, status: 200, body: '{"status":"FAILURE","message":"Invalid range"}' },
        'VENDOR_ERROR',
        false,
      ],
    ];
    for (const [fault, code, retryable] of cases) {
      sim.inject(fault);
      const error = await failure(run(fetchMalops, ctx, {}));
      expect({ code: error.code, retryable: error.retryable }, JSON.stringify(fault)).toEqual({
        code,
        retryable,
      });
    }
    const limited = (sim.inject({ path: MALOPS, status: 429, headers: { 'retry-after': '7' } }),
    await failure(run(fetchMalops, ctx, {}))) as unknown as { options: { retryAfterMs?: number } };
    expect(limited.options.retryAfterMs).toBe(7000);
    // After all that, the same session still works.
    await run(fetchMalops, ctx, {});
    expect(sim.state.logins).toBe(1);
  });

  it('gives a visual search more time than the server gives the query', async () => {
    const sim = await simulator();
    const { ctx } = contextFor(sim, { timeoutMs: 200 });
    // An instance timeout shorter than the query's would resend a query the server still runs.
    sim.inject({ path: '/rest/visualsearch/query/simple', delayMs: 400 });
    await run(malopConnections, ctx, { malop_guid: 'AAAA0w7GERjl3oae' });
  });
});
