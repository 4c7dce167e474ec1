import { describe, expect, it } from 'vitest';
import {
  bodyExcerpt,
  headerSecrets,
  htmlTitle,
  networkError,
  parseRetryAfter,
  payloadSecrets,
  Scrubber,
  statusError,
} from '../../src/integration-sdk/http-errors.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('2025-01-01T00:00:00Z');
  it('reads delta-seconds and HTTP-dates, capped at one hour', () => {
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(' 30 ', now)).toBe(30_000);
    expect(parseRetryAfter('999999', now)).toBe(3_600_000);
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:02:00 GMT', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 31 Dec 2024 23:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('Thu, 02 Jan 2025 00:00:00 GMT', now)).toBe(3_600_000);
  });
  it('ignores what it cannot read', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('-3', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
  });
});

describe('Scrubber', () => {
  it('removes secrets in plain, URL-encoded and JSON-escaped forms, and URL credentials', () => {
    const scrubber = new Scrubber(['p@ss w/rd"x']);
    const text = [
      'plain p@ss w/rd"x',
      `url ${encodeURIComponent('p@ss w/rd"x')}`,
      'form p%40ss+w%2Frd%22x',
      `json ${JSON.stringify('p@ss w/rd"x')}`,
      'https://u:pw@host/x?api_key=abc&page=1',
      'Authorization: Bearer eyJhbGciOi.J9xx',
    ].join(' | ');
    const out = scrubber.text(text);
    expect(out).not.toMatch(/p@ss|p%40ss|w\/rd|pw@|abc|eyJhbGciOi/);
    expect(out).toContain('page=1');
    expect(out).toContain('Bearer [REDACTED]');
  });

  it('leaves ordinary prose alone', () => {
    expect(new Scrubber().text('Basic authentication required')).toBe(
      'Basic authentication required',
    );
  });

  it('finds secrets in headers and payloads by name', () => {
    const basic = `Basic ${Buffer.from('ann:pw-1234').toString('base64')}`;
    expect(
      headerSecrets({ Authorization: basic, Cookie: 'a=one1; JSESSIONID=two2', 'X-Trace': 'z' }),
    ).toEqual(expect.arrayContaining([basic, 'ann:pw-1234', 'pw-1234', 'one1', 'two2']) as unknown);
    expect(headerSecrets({ 'X-Trace': 'visible' })).toEqual([]);
    expect(
      payloadSecrets(
        { access_token: 'qtok', page: 1 },
        { username: 'ann', secretkey: 'fgkey', password: 'pw' },
        { nested: [{ apiKey: 'jk' }], name: 'n' },
      ),
    ).toEqual(['qtok', 'fgkey', 'pw', 'jk']);
  });
});

describe('body excerpts and titles', () => {
  const scrubber = new Scrubber(['topsecret']);
  it('redacts JSON structurally and HTML to its title', () => {
    expect(
      bodyExcerpt('{"error":"nope","password":"x","token":"y"}', 'application/json', scrubber),
    ).toBe('{"error":"nope","password":"[REDACTED]","token":"[REDACTED]"}');
    expect(bodyExcerpt('<html><title>A &amp; B</title>', 'text/html', scrubber)).toBe(
      'HTML page "A & B"',
    );
    expect(bodyExcerpt('<p>no title', '', scrubber)).toBe('HTML page');
    expect(bodyExcerpt('  ', '', scrubber)).toBe('');
    expect(htmlTitle('<title>topsecret Login</title>', scrubber)).toBe('[REDACTED] Login');
  });

  it('is single-line and at most 200 characters, scrubbed before being cut', () => {
    const excerpt = bodyExcerpt(`${'a '.repeat(95)}topsecret${'b'.repeat(500)}`, '', scrubber);
    expect(excerpt.length).toBeLessThanOrEqual(200);
    expect(excerpt).not.toContain('top');
    expect(excerpt).not.toMatch(/\n/);
  });
});

describe('statusError and networkError', () => {
  const base = {
    method: 'GET',
    url: 'https://h/x',
    headers: {},
    text: '',
    scrubber: new Scrubber(),
  };
  it('maps statuses to codes', () => {
    const cases: [number, string, boolean][] = [
      [400, 'HTTP_4XX', false],
      [401, 'AUTH_REFUSED', false],
      [403, 'AUTH_REFUSED', false],
      [404, 'HTTP_4XX', false],
      [408, 'TIMEOUT', true],
      [422, 'HTTP_4XX', false],
      [429, 'RATE_LIMITED', true],
      [500, 'HTTP_5XX', true],
      [502, 'HTTP_5XX', true],
      [503, 'HTTP_5XX', true],
      [504, 'HTTP_5XX', true],
      [301, 'UNEXPECTED_REDIRECT', false],
    ];
    for (const [status, code, retryable] of cases) {
      expect(statusError({ ...base, status })).toMatchObject({ code, retryable, status });
    }
    const busy = statusError({ ...base, status: 503, headers: { 'retry-after': '5' } });
    expect(busy.options.retryAfterMs).toBe(5000);
  });

  it('maps socket errors to codes', () => {
    const scrubber = new Scrubber();
    const withCode = (code: string): Error => Object.assign(new Error(`failed ${code}`), { code });
    const wrapped = new Error('fetch failed', { cause: withCode('ECONNRESET') });
    expect(networkError(withCode('ECONNREFUSED'), 'GET', 'u', scrubber)).toMatchObject({
      code: 'NETWORK',
      retryable: true,
    });
    expect(networkError(withCode('ENOTFOUND'), 'GET', 'u', scrubber).message).toContain('DNS');
    expect(networkError(wrapped, 'GET', 'u', scrubber).message).toContain('connection reset');
    expect(networkError(withCode('UND_ERR_CONNECT_TIMEOUT'), 'GET', 'u', scrubber).code).toBe(
      'TIMEOUT',
    );
    expect(networkError(withCode('CERT_HAS_EXPIRED'), 'GET', 'u', scrubber)).toMatchObject({
      code: 'TLS_REFUSED',
      retryable: false,
    });
  });
});
