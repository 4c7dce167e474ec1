import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toStepError } from '../../src/integration-sdk/errors.js';
import { HttpClient, HttpError } from '../../src/integration-sdk/http.js';
import type { HttpCallRecord, HttpClientOptions } from '../../src/integration-sdk/http.js';

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

interface TestServer {
  url: string;
  port: number;
  server: Server;
  /** Requests seen, with their bodies. */
  requests: { method: string; url: string; headers: IncomingMessage['headers']; body: string }[];
}

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  // Clients first (they wait for their connections), then servers.
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function serve(handler: Handler): Promise<TestServer> {
  const requests: TestServer['requests'] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}`, port, server, requests };
}

function client(options: HttpClientOptions): HttpClient {
  const created = new HttpClient(options);
  cleanups.push(() => created.close());
  return created;
}

function json(res: ServerResponse, status: number, value: unknown, headers = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(value));
}

async function failure(promise: Promise<unknown>): Promise<HttpError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(HttpError);
    expect((error as Error).name).toBe('CommandError');
    return error as HttpError;
  }
  throw new Error('expected the request to fail');
}

describe('HttpClient: requests and responses', () => {
  it('round-trips JSON with query, json, form and raw bodies under the base path', async () => {
    const srv = await serve((req, res, body) =>
      json(
        res,
        200,
        { method: req.method, url: req.url, type: req.headers['content-type'] ?? null, body },
        { 'set-cookie': ['JSESSIONID=abc; Path=/', 'other=1'] },
      ),
    );
    const http = client({
      baseUrl: `${srv.url}/api/v2`,
      defaultHeaders: { 'X-Vendor': 'test' },
    });

    const get = await http.request<{ url: string; method: string }>({
      path: '/cmdb/firewall/address',
      query: { vdom: 'root', count: 5, skip: false, missing: undefined },
    });
    expect(get.status).toBe(200);
    expect(get.body).toMatchObject({
      method: 'GET',
      url: '/api/v2/cmdb/firewall/address?vdom=root&count=5&skip=false',
    });
    expect(get.cookies).toEqual(['JSESSIONID=abc; Path=/', 'other=1']);
    expect(get.headers['content-type']).toBe('application/json');
    expect(get.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(get.text)).toEqual(get.body);
    expect(srv.requests[0]!.headers['x-vendor']).toBe('test');
    expect(srv.requests[0]!.headers.accept).toBe('application/json');

    const post = await http.request({
      method: 'POST',
      path: 'cmdb/firewall/address',
      json: { name: 'soar-203.0.113.9', subnet: '203.0.113.9 255.255.255.255' },
    });
    expect(post.body).toEqual({
      method: 'POST',
      url: '/api/v2/cmdb/firewall/address',
      type: 'application/json',
      body: '{"name":"soar-203.0.113.9","subnet":"203.0.113.9 255.255.255.255"}',
    });

    const form = await http.request({
      method: 'POST',
      path: 'login.html',
      form: { username: 'ann', note: 'a b&c' },
    });
    expect(form.body).toMatchObject({
      type: 'application/x-www-form-urlencoded',
      body: 'username=ann&note=a+b%26c',
    });

    const raw = await http.request({
      method: 'PUT',
      path: 'raw',
      body: 'plain words',
      headers: { 'Content-Type': 'text/plain' },
    });
    expect(raw.body).toMatchObject({ method: 'PUT', type: 'text/plain', body: 'plain words' });
  });

  it('returns null for 204, text for expect text, and parses JSON for expect any only when labelled', async () => {
    const srv = await serve((req, res) => {
      if (req.url === '/none') {
        res.writeHead(204).end();
      } else if (req.url === '/text') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('1 ok');
      } else {
        json(res, 200, { ok: true });
      }
    });
    const http = client({ baseUrl: srv.url });
    expect((await http.request({ method: 'DELETE', path: '/none' })).body).toBeNull();
    expect((await http.request({ path: '/text', expect: 'text' })).body).toBe('1 ok');
    expect((await http.request({ path: '/text', expect: 'any' })).body).toBe('1 ok');
    expect((await http.request({ path: '/json', expect: 'any' })).body).toEqual({ ok: true });
    expect((await http.request({ path: '/json', expect: 'text' })).body).toBe('{"ok":true}');
  });

  it('accepts an absolute URL on the same origin and refuses any other origin', async () => {
    const srv = await serve((_req, res) => json(res, 200, { ok: true }));
    const calls: HttpCallRecord[] = [];
    const http = client({ baseUrl: `${srv.url}/base/`, onCall: (call) => calls.push(call) });
    expect((await http.request({ path: `${srv.url}/elsewhere?x=1` })).body).toEqual({ ok: true });
    expect(srv.requests[0]!.url).toBe('/elsewhere?x=1');

    for (const path of [
      'https://evil.example/steal',
      `http://localhost:${srv.port}/x`,
      '//evil.example/x',
      '\\\\evil.example/x',
      '/\\evil.example/x',
    ]) {
      const error = await failure(http.request({ path }));
      expect(error.code).toBe('ORIGIN_REFUSED');
      expect(error.retryable).toBe(false);
    }
    expect(srv.requests).toHaveLength(1);
    expect(calls.filter((call) => call.code === 'ORIGIN_REFUSED')).toHaveLength(5);
  });

  it('refuses to send two bodies at once and to be used after close', async () => {
    const srv = await serve((_req, res) => json(res, 200, {}));
    const http = new HttpClient({ baseUrl: srv.url });
    const error = await failure(
      http.request({ method: 'POST', path: 'x', json: {}, form: { a: 'b' } }),
    );
    expect(error.code).toBe('INVALID_REQUEST');
    await http.close();
    await http.close();
    expect((await failure(http.request({ path: 'x' }))).code).toBe('CLIENT_CLOSED');
  });

  it('rejects a baseUrl that is not http(s)', () => {
    expect(() => new HttpClient({ baseUrl: 'ftp://files.example/' })).toThrow(/http or https/);
    expect(
      () => new HttpClient({ baseUrl: 'not a url s3cr3t-value', secrets: ['s3cr3t-value'] }),
    ).toThrow(/invalid baseUrl '\S* ?.*\[REDACTED\]'/);
  });

  it('does not follow redirects unless the status is accepted', async () => {
    const srv = await serve((_req, res) =>
      res.writeHead(302, { location: 'https://other.example/login?token=abcdef1234' }).end(),
    );
    const http = client({ baseUrl: srv.url });
    const error = await failure(http.request({ path: 'x' }));
    expect(error.code).toBe('UNEXPECTED_REDIRECT');
    expect(error.message).toContain('token=[REDACTED]');
    expect(error.message).not.toContain('abcdef1234');
    const accepted = await http.request({ path: 'x', accept: [302] });
    expect(accepted.status).toBe(302);
    expect(accepted.headers.location).toContain('other.example');
  });
});

describe('HttpClient: status classification', () => {
  it('5xx is retryable HTTP_5XX', async () => {
    const srv = await serve((_req, res) => json(res, 502, { error: 'upstream down' }));
    const error = await failure(client({ baseUrl: srv.url }).request({ path: 'x' }));
    expect(error.code).toBe('HTTP_5XX');
    expect(error.retryable).toBe(true);
    expect(error.status).toBe(502);
    expect(error.message).toContain('HTTP 502');
    expect(error.message).toContain('upstream down');
    expect(toStepError(error)).toMatchObject({ code: 'HTTP_5XX', retryable: true });
  });

  it('408 and 503/504 are retryable', async () => {
    const srv = await serve((req, res) => res.writeHead(Number(req.url!.slice(1))).end());
    const http = client({ baseUrl: srv.url });
    for (const [status, code] of [
      [408, 'TIMEOUT'],
      [503, 'HTTP_5XX'],
      [504, 'HTTP_5XX'],
    ] as const) {
      const error = await failure(http.request({ path: String(status) }));
      expect(error).toMatchObject({ code, retryable: true, status });
    }
  });

  it('429 is RATE_LIMITED with Retry-After in delta-seconds', async () => {
    const srv = await serve((_req, res) => json(res, 429, {}, { 'retry-after': '7' }));
    const error = await failure(client({ baseUrl: srv.url }).request({ path: 'x' }));
    expect(error.code).toBe('RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.options.retryAfterMs).toBe(7000);
    expect(toStepError(error).retryAfterMs).toBe(7000);
  });

  it('429 with Retry-After as an HTTP-date, capped at an hour, or absent', async () => {
    let retryAfter: string | undefined;
    const srv = await serve((_req, res) =>
      res.writeHead(429, retryAfter === undefined ? {} : { 'retry-after': retryAfter }).end(),
    );
    const http = client({ baseUrl: srv.url });

    retryAfter = new Date(Date.now() + 120_000).toUTCString();
    const dated = await failure(http.request({ path: 'x' }));
    expect(dated.options.retryAfterMs).toBeGreaterThan(115_000);
    expect(dated.options.retryAfterMs).toBeLessThanOrEqual(120_000);

    retryAfter = '86400';
    expect((await failure(http.request({ path: 'x' }))).options.retryAfterMs).toBe(3_600_000);

    retryAfter = undefined;
    const bare = await failure(http.request({ path: 'x' }));
    expect(bare.code).toBe('RATE_LIMITED');
    expect(bare.options.retryAfterMs).toBeUndefined();
  });

  it('401 and 403 are AUTH_REFUSED and not retryable', async () => {
    const srv = await serve((req, res) =>
      json(res, req.url === '/a' ? 401 : 403, { error: 'invalid token' }),
    );
    const http = client({ baseUrl: srv.url });
    for (const [path, status] of [
      ['a', 401],
      ['b', 403],
    ] as const) {
      const error = await failure(http.request({ path }));
      expect(error).toMatchObject({ code: 'AUTH_REFUSED', retryable: false, status });
    }
  });

  it('404 is HTTP_4XX with a short single-line excerpt of the body', async () => {
    const long = `line one\nline two\r\n\t${'x'.repeat(1000)}`;
    const srv = await serve((_req, res) =>
      res.writeHead(404, { 'content-type': 'text/plain' }).end(long),
    );
    const error = await failure(client({ baseUrl: srv.url }).request({ path: 'missing' }));
    expect(error).toMatchObject({ code: 'HTTP_4XX', retryable: false, status: 404 });
    expect(error.message).toContain('HTTP 404 Not Found');
    expect(error.message).toContain('line one line two xxx');
    expect(error.message).not.toMatch(/[\r\n\t]/);
    const excerpt = error.message.slice(error.message.indexOf('line one'));
    expect(excerpt.length).toBeLessThanOrEqual(200);
  });

  it('accepted statuses come back with their parsed body (404, FortiGate 500 envelope)', async () => {
    const srv = await serve((req, res) => {
      if (req.url === '/gone') res.writeHead(404, { 'content-type': 'text/html' }).end('<h1>no');
      else if (req.url === '/empty') res.writeHead(404, { 'content-length': '0' }).end();
      else json(res, 500, { status: 'error', http_status: 500, error: -5 });
    });
    const http = client({ baseUrl: srv.url });
    const duplicate = await http.request<{ error: number }>({
      method: 'POST',
      path: 'api/v2/cmdb/firewall/address',
      json: { name: 'soar-1.2.3.4' },
      accept: [500],
    });
    expect(duplicate.status).toBe(500);
    expect(duplicate.body.error).toBe(-5);
    // An accepted error status may carry any body: unparseable means null, not a failure.
    const gone = await http.request({ path: 'gone', accept: [404] });
    expect(gone).toMatchObject({ status: 404, body: null, text: '<h1>no' });
    expect((await http.request({ path: 'empty', accept: [404] })).body).toBeNull();
  });
});

describe('HttpClient: bodies that are not what was expected', () => {
  it('an HTML login page instead of JSON is HTML_INSTEAD_OF_JSON with its title', async () => {
    const page =
      '<!DOCTYPE html>\n<html><head><title>\n  Cybereason | Login\n</title></head><body><form action="/login.html"></form></body></html>';
    const srv = await serve((req, res) => {
      // Some servers do not even label it.
      res.writeHead(200, req.url === '/bare' ? {} : { 'content-type': 'text/html;charset=UTF-8' });
      res.end(page);
    });
    const http = client({ baseUrl: srv.url });
    for (const path of ['rest/mmng/v2/malops', 'bare']) {
      const error = await failure(http.request({ method: 'POST', path, json: {} }));
      expect(error.code).toBe('HTML_INSTEAD_OF_JSON');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('HTML page');
      expect(error.message).toContain('"Cybereason | Login"');
      expect(error.message).toContain('session has expired');
    }
    // The integration can still read the page when it asks for text.
    const text = await http.request({ path: 'x', expect: 'text' });
    expect(text.body).toContain('<title>');
  });

  it('valid JSON labelled text/html is still JSON', async () => {
    const srv = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/html' }).end('{"ok":1}'),
    );
    expect((await client({ baseUrl: srv.url }).request({ path: 'x' })).body).toEqual({ ok: 1 });
  });

  it('truncated JSON is retryable BAD_JSON', async () => {
    const srv = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"results":[{"name":"a"},'),
    );
    const error = await failure(client({ baseUrl: srv.url }).request({ path: 'x' }));
    expect(error).toMatchObject({ code: 'BAD_JSON', retryable: true, status: 200 });
    expect(error.message).toContain('truncated');
  });

  it('non-JSON text is retryable BAD_JSON with an excerpt', async () => {
    const srv = await serve((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Service temporarily busy'),
    );
    const error = await failure(client({ baseUrl: srv.url }).request({ path: 'x' }));
    expect(error).toMatchObject({ code: 'BAD_JSON', retryable: true });
    expect(error.message).toContain('not JSON');
    expect(error.message).toContain('Service temporarily busy');
  });

  it('an empty 200 body is BAD_JSON unless it says Content-Length: 0', async () => {
    const srv = await serve((req, res) => {
      if (req.url === '/zero') res.writeHead(200, { 'content-length': '0' }).end();
      else {
        res.writeHead(200, {
          'content-type': 'application/json',
          'transfer-encoding': 'chunked',
        });
        res.end();
      }
    });
    const http = client({ baseUrl: srv.url });
    expect((await http.request({ path: 'zero' })).body).toBeNull();
    // Chunked and empty: some proxy cut it.
    const error = await failure(http.request({ path: 'chunked' }));
    expect(error.code).toBe('BAD_JSON');
  });

  it('__proto__ and constructor keys in response JSON are dropped and pollute nothing', async () => {
    const srv = await serve((_req, res) =>
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(
          '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"nested":{"__proto__":{"polluted":"yes"},"ok":1},"list":[{"__proto__":{"polluted":"yes"}}]}',
        ),
    );
    const http = client({ baseUrl: srv.url });
    const { body } = await http.request<Record<string, unknown>>({ path: 'x' });
    expect(Object.keys(body)).toEqual(['nested', 'list']);
    expect(Object.getPrototypeOf(body)).toBe(Object.prototype);
    expect(Object.keys(body.nested as object)).toEqual(['ok']);
    // A careless deep merge of the body stays harmless.
    const merged = Object.assign({}, body, body.nested as object);
    expect((merged as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object.prototype as Record<string, unknown>).polluted).toBeUndefined();
    const any = await http.request<Record<string, unknown>>({ path: 'x', expect: 'any' });
    expect(Object.keys(any.body)).toEqual(['nested', 'list']);
  });

  it('an oversized streamed body is cut off early: RESPONSE_TOO_LARGE', async () => {
    let serverSaw = 'open';
    const chunk = Buffer.alloc(16 * 1024, 'a');
    let written = 0;
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('["');
      const timer = setInterval(() => {
        written += chunk.length;
        res.write(chunk);
      }, 1);
      res.on('close', () => {
        clearInterval(timer);
        serverSaw = 'closed';
      });
    });
    const calls: HttpCallRecord[] = [];
    const http = client({
      baseUrl: srv.url,
      maxResponseBytes: 256 * 1024,
      timeoutMs: 20_000,
      onCall: (call) => calls.push(call),
    });
    const started = Date.now();
    const error = await failure(http.request({ path: 'feed' }));
    expect(error).toMatchObject({ code: 'RESPONSE_TOO_LARGE', retryable: false, status: 200 });
    expect(Date.now() - started).toBeLessThan(5_000);
    await expect.poll(() => serverSaw).toBe('closed');
    // The server was still streaming when the client hung up; the client kept little.
    expect(calls[0]!.bytes).toBeGreaterThan(256 * 1024);
    expect(calls[0]!.bytes).toBeLessThan(256 * 1024 + 512 * 1024);
    expect(written).toBeLessThan(50 * 1024 * 1024);
  });

  it('a declared Content-Length over the limit fails before reading', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': 10_000_000 });
      res.write('[');
    });
    const calls: HttpCallRecord[] = [];
    const http = client({ baseUrl: srv.url, maxResponseBytes: 1000, onCall: (c) => calls.push(c) });
    const error = await failure(http.request({ path: 'x' }));
    expect(error.code).toBe('RESPONSE_TOO_LARGE');
    expect(error.message).toContain('10000000');
    expect(calls[0]!.bytes).toBe(0);
  });

  it('an error status with a huge body reads only the start for the excerpt', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.write('boom ');
      const timer = setInterval(() => res.write(Buffer.alloc(16 * 1024, 'z')), 1);
      res.on('close', () => clearInterval(timer));
    });
    const error = await failure(client({ baseUrl: srv.url }).request({ path: 'x' }));
    expect(error.code).toBe('HTTP_5XX');
    expect(error.message).toContain('boom zzz');
  });
});

describe('HttpClient: time, network and cancellation', () => {
  it('a server slow to answer is a retryable TIMEOUT', async () => {
    const srv = await serve((_req, res) => {
      const timer = setTimeout(() => json(res, 200, {}), 5_000);
      res.on('close', () => clearTimeout(timer));
    });
    const calls: HttpCallRecord[] = [];
    const http = client({ baseUrl: srv.url, timeoutMs: 5_000, onCall: (c) => calls.push(c) });
    const started = Date.now();
    const error = await failure(http.request({ path: 'slow', timeoutMs: 200 }));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true });
    expect(error.message).toContain('200 ms');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(calls).toEqual([
      expect.objectContaining({ status: null, code: 'TIMEOUT', method: 'GET' }),
    ]);
  });

  it('the timeout covers the body: a trickling body times out too', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const timer = setInterval(() => res.write('1,'), 50);
      res.on('close', () => clearInterval(timer));
    });
    const http = client({ baseUrl: srv.url, timeoutMs: 300 });
    const started = Date.now();
    const error = await failure(http.request({ path: 'trickle' }));
    expect(error).toMatchObject({ code: 'TIMEOUT', retryable: true, status: 200 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('a closed port is a retryable NETWORK error with no status', async () => {
    const srv = await serve(() => undefined);
    const { port } = srv;
    await new Promise<void>((resolve) => srv.server.close(() => resolve()));
    const calls: HttpCallRecord[] = [];
    const http = client({ baseUrl: `http://127.0.0.1:${port}/`, onCall: (c) => calls.push(c) });
    const error = await failure(http.request({ path: 'x' }));
    expect(error).toMatchObject({ code: 'NETWORK', retryable: true, status: null });
    expect(error.message).toContain('connection refused');
    expect(calls[0]).toMatchObject({ status: null, code: 'NETWORK', bytes: 0 });
  });

  it('a connection reset mid-response is a retryable NETWORK error', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"a":');
      setTimeout(() => res.socket?.destroy(), 20);
    });
    const error = await failure(client({ baseUrl: srv.url }).request({ path: 'x' }));
    expect(error).toMatchObject({ code: 'NETWORK', retryable: true });
  });

  it("the step's signal aborts the request: ABORTED, one record", async () => {
    const srv = await serve((_req, res) => {
      const timer = setTimeout(() => json(res, 200, {}), 5_000);
      res.on('close', () => clearTimeout(timer));
    });
    const calls: HttpCallRecord[] = [];
    const http = client({ baseUrl: srv.url, onCall: (c) => calls.push(c) });
    const step = new AbortController();
    setTimeout(() => step.abort(), 100);
    const started = Date.now();
    const error = await failure(http.request({ path: 'x', signal: step.signal }));
    expect(error).toMatchObject({ code: 'ABORTED', retryable: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(calls).toHaveLength(1);
    expect(calls[0]).toMatchObject({ error: 'aborted', code: 'ABORTED', status: null });

    // Already aborted: nothing is sent.
    const before = srv.requests.length;
    const again = await failure(http.request({ path: 'y', signal: step.signal }));
    expect(again.code).toBe('ABORTED');
    expect(srv.requests.length).toBe(before);
    expect(calls).toHaveLength(2);
  });

  it('an abort while the body streams is ABORTED', async () => {
    const srv = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('[');
      const timer = setInterval(() => res.write('1,'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const step = new AbortController();
    const http = client({ baseUrl: srv.url });
    setTimeout(() => step.abort(), 150);
    const error = await failure(http.request({ path: 'x', signal: step.signal }));
    expect(error).toMatchObject({ code: 'ABORTED', status: 200 });
  });

  it('a finished request leaves no listener on the step signal', async () => {
    const srv = await serve((_req, res) => json(res, 200, {}));
    const http = client({ baseUrl: srv.url });
    const step = new AbortController();
    let added = 0;
    let removed = 0;
    const add = step.signal.addEventListener.bind(step.signal);
    const remove = step.signal.removeEventListener.bind(step.signal);
    step.signal.addEventListener = (...args: Parameters<typeof add>) => {
      added++;
      add(...args);
    };
    step.signal.removeEventListener = (...args: Parameters<typeof remove>) => {
      removed++;
      remove(...args);
    };
    for (let i = 0; i < 3; i++) await http.request({ path: 'x', signal: step.signal });
    expect(added).toBe(3);
    expect(removed).toBe(3);
  });
});

describe('HttpClient: call records and secrets', () => {
  it('records method, scrubbed URL, status, duration and bytes for each call', async () => {
    const srv = await serve((_req, res) => json(res, 200, { hello: 'world' }));
    const calls: HttpCallRecord[] = [];
    const http = client({
      baseUrl: srv.url,
      secrets: ['vault-k3y-value'],
      onCall: (call) => calls.push(call),
    });
    await http.request({
      path: 'api/items/vault-k3y-value',
      query: { token: 'abc123token', page: 2, filter: 'x vault-k3y-value' },
    });
    expect(calls).toHaveLength(1);
    const [call] = calls;
    expect(call).toMatchObject({ method: 'GET', status: 200, bytes: 17 });
    expect(call!.error).toBeUndefined();
    expect(call!.durationMs).toBeGreaterThanOrEqual(0);
    expect(call!.url).toContain(`${srv.url}/api/items/[REDACTED]?`);
    expect(call!.url).toContain('token=[REDACTED]');
    expect(call!.url).toContain('page=2');
    expect(call!.url).not.toContain('abc123token');
    expect(call!.url).not.toContain('vault-k3y-value');
    // The URL-encoded form of the secret in the query is gone too.
    expect(call!.url).not.toContain('vault-k3y');
  });

  it('turns credentials in the baseUrl into Basic auth and keeps them out of records', async () => {
    const srv = await serve((req, res) => json(res, 200, { auth: req.headers.authorization }));
    const calls: HttpCallRecord[] = [];
    const http = client({
      baseUrl: srv.url.replace('://', '://admin:pa55word-x@'),
      onCall: (call) => calls.push(call),
    });
    const response = await http.request<{ auth: string }>({ path: 'x' });
    expect(response.body.auth).toBe(`Basic ${Buffer.from('admin:pa55word-x').toString('base64')}`);
    expect(JSON.stringify(calls)).not.toContain('pa55word');
    expect(calls[0]!.url).toBe(`${srv.url}/x`);
  });

  it('never puts the Authorization header or a form password in errors or records', async () => {
    const secretToken = 's3cr3t-value';
    const password = 'hunter2-P@ss';
    // A hostile or careless server echoes everything back.
    const srv = await serve((req, res, body) => {
      const status = Number(req.url!.split('?')[0]!.slice(1));
      const echo = {
        message: `bad request from ${req.headers.authorization} cookie ${req.headers.cookie}`,
        got: body,
        url: `http://user:pw-in-url@127.0.0.1${req.url}`,
      };
      if (status === 200) {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end(`not json ${body} ${req.headers.authorization}`);
      } else if (status === 201) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(`<html><title>Login ${password} ${secretToken}</title></html>`);
      } else {
        json(res, status, echo);
      }
    });
    const calls: HttpCallRecord[] = [];
    const http = client({
      baseUrl: srv.url,
      defaultHeaders: { Authorization: `Bearer ${secretToken}` },
      onCall: (call) => calls.push(call),
    });
    const messages: string[] = [];
    for (const status of [400, 401, 500, 429, 200, 201]) {
      const error = await failure(
        http.request({
          method: 'POST',
          path: `${status}`,
          query: { access_token: secretToken },
          headers: { Cookie: 'JSESSIONID=sess-1d-abcdef' },
          form: { username: 'admin', password, secretkey: 'fortigate-k3y' },
        }),
      );
      messages.push(error.message);
      const step = JSON.stringify(toStepError(error));
      messages.push(step);
    }
    const everything = JSON.stringify({ messages, calls });
    expect(calls).toHaveLength(6);
    expect(everything).toContain('[REDACTED]');
    for (const secret of [
      secretToken,
      password,
      encodeURIComponent(password),
      'sess-1d-abcdef',
      'fortigate-k3y',
      'pw-in-url',
    ]) {
      expect(everything).not.toContain(secret);
    }
    // The non-secret context survives.
    expect(everything).toContain('bad request from [REDACTED] cookie [REDACTED]');
    expect(everything).toContain('admin');
  });

  it('an onCall hook that throws does not change the outcome', async () => {
    const srv = await serve((_req, res) => json(res, 200, { ok: true }));
    const http = client({
      baseUrl: srv.url,
      onCall: () => {
        throw new Error('journal down');
      },
    });
    expect((await http.request({ path: 'x' })).body).toEqual({ ok: true });
  });
});
