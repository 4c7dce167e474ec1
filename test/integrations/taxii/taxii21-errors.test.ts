import { describe, expect, it } from 'vitest';
import {
  SIM_INDICATORS_COLLECTION,
  SIM_PASSWORD,
  SIM_RESTRICTED_COLLECTION,
} from '../../../integrations/taxii/taxii21/simulator.js';
import { clientFor, expectTaxiiError, simulator } from './taxii21-harness.js';

const OBJECTS = `/api1/collections/${SIM_INDICATORS_COLLECTION}/objects/`;
const RESTRICTED = `/api1/collections/${SIM_RESTRICTED_COLLECTION}/objects/`;

describe('TAXII 2.1 error bodies', () => {
  it('reads the spec error resource (403 on an unreadable collection)', async () => {
    const sim = await simulator({ errorShape: 'taxii' });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(
      taxii.pollObjects({ root: 'api1', collection: SIM_RESTRICTED_COLLECTION }),
    );

    expect(error.code).toBe('TAXII_FORBIDDEN');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(403);
    expect(error.path).toBe(RESTRICTED);
    expect(error.message).toContain(`GET ${RESTRICTED}: HTTP 403 Forbidden`);
    expect(error.message).toContain(`Forbidden to read collection '${SIM_RESTRICTED_COLLECTION}'`);
    expect(error.server).toMatchObject({ title: 'Forbidden', errorCode: 'FORBIDDEN' });
    expect(error.server?.errorId).toMatch(/^sim-error-/);
  });

  it('reads the {code, name, description} shape (404 on an unknown collection)', async () => {
    const sim = await simulator({ errorShape: 'code-name' });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(taxii.pollObjects({ root: 'api1', collection: 'nope' }));

    expect(error.code).toBe('TAXII_NOT_FOUND');
    expect(error.retryable).toBe(false);
    expect(error.message).toContain('GET /api1/collections/nope/objects/: HTTP 404 Not Found');
    expect(error.message).toContain("Not Found: Collection 'nope' not found in API root 'api1'");
    expect(error.server).toMatchObject({ title: 'Not Found', errorCode: '404' });
  });

  it.each(['taxii', 'code-name'] as const)(
    'turns a %s 401 into TAXII_UNAUTHORIZED, not retryable',
    async (errorShape) => {
      const sim = await simulator({ errorShape });
      const { taxii } = clientFor(sim, { password: 'wrong-password-1' });

      const error = await expectTaxiiError(taxii.discover());

      expect(error.code).toBe('TAXII_UNAUTHORIZED');
      expect(error.retryable).toBe(false);
      expect(error.message).toContain('GET /taxii2/: HTTP 401 Unauthorized');
      expect(error.message).toContain('The client needs to authenticate');
      expect(error.message).not.toContain('wrong-password-1');
    },
  );

  it('turns an HTML 401 page into TAXII_UNAUTHORIZED with the page title', async () => {
    const sim = await simulator({ unauthorizedHtml: true });
    const { taxii } = clientFor(sim, { password: 'wrong-password-2' });

    const error = await expectTaxiiError(taxii.collections('api1'));

    expect(error.code).toBe('TAXII_UNAUTHORIZED');
    expect(error.retryable).toBe(false);
    expect(error.server).toMatchObject({ html: true, title: '401 Authorization Required' });
    expect(error.message).toContain(
      'GET /api1/collections/: HTTP 401 Unauthorized: HTML page "401 Authorization Required"',
    );
  });
});

describe('the Accept header', () => {
  it.each([
    'application/taxii+json',
    'application/taxii+json; version=2.1',
    'application/taxii+json;version=2.1;q=0.9',
    'application/json',
  ])('a strict server answers 406 to Accept: %s', async (accept) => {
    const sim = await simulator({ acceptCheck: 'exact' });
    const { taxii } = clientFor(sim, {
      rewrite: (req) => ({ ...req, headers: { ...req.headers, accept } }),
    });

    const error = await expectTaxiiError(taxii.discover());

    expect(sim.requests[0]!.headers.accept).toBe(accept);
    expect(error.code).toBe('TAXII_NOT_ACCEPTABLE');
    expect(error.retryable).toBe(false);
    expect(error.status).toBe(406);
    expect(error.message).toContain('Media type in the Accept header is invalid or not found');
  });

  it('the client passes the same strict server', async () => {
    const sim = await simulator({ acceptCheck: 'exact' });
    const { taxii } = clientFor(sim);

    const result = await taxii.pollObjects({ root: 'api1', collection: SIM_INDICATORS_COLLECTION });

    expect(result.objects).toBeGreaterThan(0);
    expect(sim.requests[0]!.headers.accept).toBe('application/taxii+json;version=2.1');
  });
});

describe('retryable and permanent failures', () => {
  it('429 with Retry-After is TAXII_RATE_LIMITED, retryable, with the delay', async () => {
    const sim = await simulator();
    sim.inject({
      path: OBJECTS,
      status: 429,
      headers: { 'retry-after': '7' },
      body: '{"title": "Too Many Requests", "description": "Slow down"}',
    });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(
      taxii.pollObjects({ root: 'api1', collection: SIM_INDICATORS_COLLECTION }),
    );

    expect(error.code).toBe('TAXII_RATE_LIMITED');
    expect(error.retryable).toBe(true);
    expect(error.retryAfterMs).toBe(7000);
    expect(error.message).toContain(`GET ${OBJECTS}: HTTP 429 Too Many Requests: Slow down`);
  });

  it.each([
    [500, 'TAXII_SERVER_ERROR', true],
    [503, 'TAXII_SERVER_ERROR', true],
    [400, 'TAXII_BAD_REQUEST', false],
    [413, 'TAXII_TOO_LARGE', false],
    [415, 'TAXII_UNSUPPORTED_MEDIA_TYPE', false],
    [422, 'TAXII_BAD_REQUEST', false],
  ])('HTTP %i is %s (retryable: %s)', async (status, code, retryable) => {
    const sim = await simulator();
    sim.inject({ path: '/taxii2/', status, body: '{"title": "Refused", "http_status": "x"}' });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(taxii.discover());

    expect([error.code, error.retryable, error.status]).toEqual([code, retryable, status]);
  });

  it('a timeout is TAXII_TIMEOUT, retryable', async () => {
    const sim = await simulator();
    sim.inject({ path: '/taxii2/', delayMs: 300, status: 200, body: '{}' });
    const { taxii } = clientFor(sim, { timeoutMs: 50 });

    const error = await expectTaxiiError(taxii.discover());

    expect(error.code).toBe('TAXII_TIMEOUT');
    expect(error.retryable).toBe(true);
    expect(error.message).toMatch(/^TAXII GET \/taxii2\/: /);
  });

  it('a reset connection is TAXII_NETWORK, retryable', async () => {
    const sim = await simulator();
    sim.inject({ path: '/taxii2/', reset: true });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(taxii.discover());

    expect([error.code, error.retryable]).toEqual(['TAXII_NETWORK', true]);
  });

  it('a body cut short is retryable', async () => {
    const sim = await simulator();
    sim.inject({
      path: OBJECTS,
      status: 200,
      truncate: true,
      body: '{"more": false, "objects": []}',
    });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(
      taxii.pollObjects({ root: 'api1', collection: SIM_INDICATORS_COLLECTION }),
    );

    expect(['TAXII_NETWORK', 'TAXII_BAD_RESPONSE']).toContain(error.code);
    expect(error.retryable).toBe(true);
  });

  it.each([
    ['an HTML page on 200', '<html><head><title>Sign in</title></head></html>', 'text/html'],
    ['objects that are not a list', '{"more": false, "objects": {"id": "x"}}', undefined],
    ['an object without type and id', '{"objects": [{"value": "198.51.100.1"}]}', undefined],
    ['"more" without "next"', '{"more": true, "objects": []}', undefined],
  ])('%s is TAXII_BAD_RESPONSE, not retryable', async (_what, body, contentType) => {
    const sim = await simulator();
    sim.inject({ path: OBJECTS, status: 200, body, ...(contentType ? { contentType } : {}) });
    const { taxii } = clientFor(sim);

    const error = await expectTaxiiError(
      taxii.pollObjects({ root: 'api1', collection: SIM_INDICATORS_COLLECTION }),
    );

    expect([error.code, error.retryable]).toEqual(['TAXII_BAD_RESPONSE', false]);
    expect(error.message).toContain(OBJECTS);
  });
});

describe('the password', () => {
  it('never appears in error messages or in the HTTP call records', async () => {
    const sim = await simulator({ unauthorizedHtml: true });
    const token = Buffer.from(`feed-reader:${SIM_PASSWORD}`).toString('base64');
    const echo = `{"title": "Bad credentials ${SIM_PASSWORD}", "description": "got Basic ${token}"}`;
    sim.inject({ path: '/api1/', status: 400, body: echo });
    sim.inject({
      path: '/api2/',
      status: 500,
      contentType: 'text/plain',
      body: `pw=${SIM_PASSWORD}`,
    });
    const good = clientFor(sim);
    const wrong = clientFor(sim, { password: `${SIM_PASSWORD}-old` });

    const errors = [
      await expectTaxiiError(good.taxii.apiRoot('api1')),
      await expectTaxiiError(good.taxii.apiRoot('api2')),
      await expectTaxiiError(wrong.taxii.discover()),
      await expectTaxiiError(
        good.taxii.pollObjects({ root: 'api1', collection: SIM_RESTRICTED_COLLECTION }),
      ),
    ];
    await good.taxii.pollObjects({ root: 'api1', collection: SIM_INDICATORS_COLLECTION });

    expect(errors.map((error) => error.code)).toEqual([
      'TAXII_BAD_REQUEST',
      'TAXII_SERVER_ERROR',
      'TAXII_UNAUTHORIZED',
      'TAXII_FORBIDDEN',
    ]);
    expect(errors[0]!.message).toContain('Bad credentials');
    const everything = JSON.stringify([
      errors.map((error) => [error.message, error.server, error.stack]),
      good.calls,
      wrong.calls,
    ]);
    expect(good.calls.length).toBeGreaterThan(3);
    expect(everything).not.toContain(SIM_PASSWORD);
    expect(everything).not.toContain(token);
  });
});
