import { describe, expect, it } from 'vitest';
import { CIRCULAR, REDACTED, createRedactor } from '../../src/journal/index.js';

describe('createRedactor: known secret values', () => {
  it('replaces every occurrence of a secret inside any string, at any depth', () => {
    const redactor = createRedactor({ secretValues: ['s3cr3t-value'] });
    const out = redactor.redact({
      msg: 'login with s3cr3t-value failed (s3cr3t-value)',
      nested: [{ text: 'x s3cr3t-value y' }],
    });
    expect(out).toEqual({
      msg: `login with ${REDACTED} failed (${REDACTED})`,
      nested: [{ text: `x ${REDACTED} y` }],
    });
  });

  it('learns secrets added later, and ignores values shorter than 4 characters', () => {
    const redactor = createRedactor();
    redactor.addSecret('abc');
    redactor.addSecret('hunter2');
    expect(redactor.redact('abc hunter2')).toBe(`abc ${REDACTED}`);
  });

  it('removes a secret containing another as a whole, with regexp characters taken literally', () => {
    const redactor = createRedactor({ secretValues: ['pass', 'pass.word+1'] });
    expect(redactor.redact('pass.word+1 / passXword+1')).toBe(`${REDACTED} / ${REDACTED}Xword+1`);
  });

  it('redacts secrets in object keys too', () => {
    const redactor = createRedactor({ secretValues: ['tok-123456'] });
    expect(redactor.redact({ 'tok-123456': 1 })).toEqual({ [REDACTED]: 1 });
  });
});

describe('createRedactor: credential key names', () => {
  const redactor = createRedactor();

  it.each([
    'password',
    'Passwd',
    'secret',
    'client_secret',
    'token',
    'access_token',
    'X-Auth-Token',
    'api_key',
    'apikey',
    'API-KEY',
    'apiKey',
    'Authorization',
    'cookie',
    'Set-Cookie',
    'credential',
    'credentials',
    'private_key',
    'privateKey',
    'JSESSIONID',
    'PHPSESSID',
    'session_id',
    'ASP.NET_SessionId',
  ])('redacts the value of %s whatever its type', (key) => {
    for (const value of ['v4lue', 42, { nested: 'x' }, ['a'], null]) {
      expect(redactor.redact({ [key]: value })).toEqual({ [key]: REDACTED });
    }
  });

  it.each(['user', 'token_type', 'password_policy', 'sort_key', 'keyboard', 'session', 'sid'])(
    'leaves %s visible (evidence, not a credential)',
    (key) => {
      expect(redactor.redact({ [key]: 'visible' })).toEqual({ [key]: 'visible' });
    },
  );

  it('applies inside arrays and nested objects', () => {
    const out = redactor.redact({ hosts: [{ name: 'a', auth: { password: 'p' } }] });
    expect(out).toEqual({ hosts: [{ name: 'a', auth: { password: REDACTED } }] });
  });
});

describe('createRedactor: URLs', () => {
  const redactor = createRedactor();

  it('redacts the password in userinfo, and a bare userinfo entirely', () => {
    expect(redactor.redact('see https://alice:pa55@example.com/x?q=1 now')).toBe(
      `see https://alice:${REDACTED}@example.com/x?q=1 now`,
    );
    expect(redactor.redact('https://ghp_abcdef@github.com/o/r.git')).toBe(
      `https://${REDACTED}@github.com/o/r.git`,
    );
  });

  it('redacts credential-like query parameters and keeps the rest of the URL as written', () => {
    const url =
      'https://api.example.com/v1/x?token=t0k&apikey=k&password=p&key=AIza&sig=abc%2F&page=2&q=a%20b';
    expect(redactor.redact(url)).toBe(
      `https://api.example.com/v1/x?token=${REDACTED}&apikey=${REDACTED}&password=${REDACTED}` +
        `&key=${REDACTED}&sig=${REDACTED}&page=2&q=a%20b`,
    );
  });

  it('redacts tokens carried in the fragment and in URL objects', () => {
    expect(redactor.redact('https://app/cb#access_token=abc&state=s')).toBe(
      `https://app/cb#access_token=${REDACTED}&state=s`,
    );
    expect(redactor.redact({ link: new URL('https://u:p@h.example/?token=1') })).toEqual({
      link: `https://u:${REDACTED}@h.example/?token=${REDACTED}`,
    });
  });

  it('leaves URLs without credentials untouched', () => {
    const text = 'http://evil.example/payload.exe?id=7 and ftp://mirror/file';
    expect(redactor.redact(text)).toBe(text);
  });
});

describe('createRedactor: structure', () => {
  it('returns a deep copy and never mutates its input', () => {
    const redactor = createRedactor({ secretValues: ['topsecret'] });
    const input = { password: 'x', list: ['topsecret'], when: new Date(0), nested: { n: 1 } };
    const snapshot = structuredClone(input);
    const out = redactor.redact(input);
    expect(input).toEqual(snapshot);
    expect(out.nested).not.toBe(input.nested);
    expect(out.when).not.toBe(input.when);
    expect(out.when).toEqual(new Date(0));
  });

  it('replaces a cycle with [Circular] but copies shared (acyclic) references', () => {
    const shared = { v: 1 };
    const cyclic: Record<string, unknown> = { shared, again: shared, list: [] as unknown[] };
    cyclic.self = cyclic;
    (cyclic.list as unknown[]).push(cyclic);
    expect(createRedactor().redact(cyclic)).toEqual({
      shared: { v: 1 },
      again: { v: 1 },
      list: [CIRCULAR],
      self: CIRCULAR,
    });
  });

  it('does not let a "__proto__" key change the prototype of the copy', () => {
    const input = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const out = createRedactor().redact(input);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.keys(out)).toEqual(['__proto__']);
  });
});

describe('redactJson', () => {
  it('equals a JSON round trip of redact, for every kind of value', () => {
    const redactor = createRedactor({ secretValues: ['s3cret-value'] });
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const samples: unknown[] = [
      'plain',
      'Bearer s3cret-value',
      42,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      -0,
      true,
      null,
      [1, undefined, () => 1, Symbol('s'), 'https://u:p@host/x?token=abc'],
      {
        a: undefined,
        b: () => 1,
        password: undefined,
        token: 'x',
        nested: { api_key: 'k', list: [{ cookie: 'c' }] },
      },
      { when: new Date('2026-01-02T03:04:05Z'), bad: new Date(Number.NaN) },
      { url: new URL('https://user:pw@example.com/p?apikey=1') },
      { toJSON: () => ({ secret: 'from toJSON', text: 's3cret-value' }) },
      cyclic,
      { ['__proto__']: 'kept as data' },
      [],
      {},
    ];
    for (const sample of samples) {
      expect(redactor.redactJson(sample)).toEqual(
        JSON.parse(JSON.stringify(redactor.redact(sample))) as unknown,
      );
    }
    expect(redactor.redactJson(undefined)).toBeUndefined();
    expect(() => redactor.redactJson({ n: 1n })).toThrow(/BigInt/);
  });
});
