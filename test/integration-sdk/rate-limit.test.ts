import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/integration-sdk/config.js';
import { HttpClient } from '../../src/integration-sdk/http.js';
import { Instances } from '../../src/integration-sdk/instances.js';
import { RateLimiter } from '../../src/integration-sdk/rate-limit.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import { builtinIntegrations } from '../../integrations/index.js';

let server: Server | null = null;
afterEach(async () => {
  await new Promise((resolve) => (server ? server.close(resolve) : resolve(undefined)));
  server = null;
});

/** A server that answers after `delayMs` and counts how many requests it holds at once. */
async function slowServer(delayMs: number) {
  const seen = { inFlight: 0, max: 0, count: 0 };
  server = createServer((_req, res) => {
    seen.count++;
    seen.max = Math.max(seen.max, ++seen.inFlight);
    setTimeout(() => {
      seen.inFlight--;
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    }, delayMs);
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

describe('an instance rate limit', () => {
  it('keeps at most `concurrency` requests in flight', async () => {
    const { url, seen } = await slowServer(30);
    const client = new HttpClient({ baseUrl: url, rateLimit: { concurrency: 2 } });
    await Promise.all(Array.from({ length: 10 }, () => client.request({ path: 'x' })));
    await client.close();
    expect(seen).toMatchObject({ count: 10, max: 2 });
  });

  it('lets a burst of `per_second` through, then spaces requests at the rate', async () => {
    const { url, seen } = await slowServer(0);
    const client = new HttpClient({ baseUrl: url, rateLimit: { perSecond: 20 } });
    const started = performance.now();
    await Promise.all(Array.from({ length: 30 }, () => client.request({ path: 'x' })));
    const elapsed = performance.now() - started;
    await client.close();
    expect(seen.count).toBe(30);
    // 20 at once, then 10 more at 20 per second: about half a second, never much less.
    expect(elapsed).toBeGreaterThanOrEqual(450);
    expect(elapsed).toBeLessThan(2000);
  });

  it('gives up waiting for a slot when the step is cancelled, and frees nothing it did not take', async () => {
    const limiter = new RateLimiter({ concurrency: 1 });
    const held = await limiter.acquire();
    const cancel = new AbortController();
    const waiting = limiter.acquire(cancel.signal);
    cancel.abort(new Error('step timed out'));
    await expect(waiting).rejects.toThrow('step timed out');
    held();
    held(); // a second release of the same slot is ignored
    const next = await limiter.acquire();
    const third = limiter.acquire(AbortSignal.timeout(50));
    await expect(third).rejects.toBeDefined();
    next();
  });

  it('is read from soar.config.yaml for the instance', () => {
    const parsed = parseConfig(
      'soar.config.yaml',
      'instances:\n  fw:\n    integration: fortigate\n    url: https://192.0.2.1\n    rate_limit: { per_second: 5, concurrency: 2 }\n    settings: { block_group: G }\n',
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    const instances = new Instances(parsed.config, new Registry(builtinIntegrations), {
      env: {},
      readFile: () => '',
    });
    expect(instances.get('fw').rateLimit).toEqual({ perSecond: 5, concurrency: 2 });
  });
});
