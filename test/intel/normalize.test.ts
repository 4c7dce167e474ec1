import { describe, expect, it } from 'vitest';
import type { IndicatorType } from '../../src/intel/model.js';
import {
  guessType,
  normalizeGuess,
  normalizeIndicator,
  parentDomains,
  urlHost,
} from '../../src/intel/normalize.js';

const SHA256 = 'E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855';

describe('normalizeIndicator', () => {
  const valid: [IndicatorType, string, IndicatorType, string][] = [
    ['ip', ' 198.51.100.7 ', 'ip', '198.51.100.7'],
    ['ip', '2001:DB8:0:0:0:0:0:1', 'ip', '2001:db8::1'],
    ['ip', '[2001:db8::1]', 'ip', '2001:db8::1'],
    ['ip', '2001:db8:0:1:0:0:0:0', 'ip', '2001:db8:0:1::'],
    ['ip', '::FFFF:192.0.2.1', 'ip', '::ffff:192.0.2.1'],
    ['ip', '::ffff:c000:0201', 'ip', '::ffff:192.0.2.1'],
    ['ip', '198.51.100.7/32', 'ip', '198.51.100.7'],
    ['cidr', '198.51.100.7/24', 'cidr', '198.51.100.0/24'],
    ['cidr', '198.51.100.7/32', 'ip', '198.51.100.7'],
    ['cidr', '2001:db8::1/128', 'ip', '2001:db8::1'],
    ['cidr', '2001:DB8:ABCD::1/48', 'cidr', '2001:db8:abcd::/48'],
    ['domain', 'Evil.EXAMPLE.', 'domain', 'evil.example'],
    ['domain', 'bücher.example', 'domain', 'xn--bcher-kva.example'],
    ['url', 'HTTP://Evil.EXAMPLE:80/A/b?Q=1#frag', 'url', 'http://evil.example/A/b?Q=1'],
    ['url', 'https://evil.example:443/x', 'url', 'https://evil.example/x'],
    ['url', 'https://evil.example:8443/x', 'url', 'https://evil.example:8443/x'],
    ['url', 'evil.example/login.php', 'url', 'http://evil.example/login.php'],
    ['url', 'http://bücher.example/', 'url', 'http://xn--bcher-kva.example/'],
    ['url', 'ftp://FILES.example/pub', 'url', 'ftp://files.example/pub'],
    ['email', 'John.Doe@Mail.EXAMPLE', 'email', 'John.Doe@mail.example'],
    ['md5', 'D41D8CD98F00B204E9800998ECF8427E', 'md5', 'd41d8cd98f00b204e9800998ecf8427e'],
    [
      'sha1',
      'DA39A3EE5E6B4B0D3255BFEF95601890AFD80709',
      'sha1',
      'da39a3ee5e6b4b0d3255bfef95601890afd80709',
    ],
    ['sha256', SHA256, 'sha256', SHA256.toLowerCase()],
  ];
  it.each(valid)('%s %j → %s %j', (type, raw, expectedType, expected) => {
    expect(normalizeIndicator(type, raw)).toEqual({
      ok: true,
      type: expectedType,
      value: expected,
    });
  });

  const invalid: [IndicatorType, string, RegExp][] = [
    ['ip', '010.0.0.1', /not a valid IPv4\/IPv6/],
    ['ip', '256.1.1.1', /not a valid/],
    ['ip', 'fe80::1%eth0', /not a valid/],
    ['cidr', '198.51.100.0/33', /not a valid/],
    ['domain', 'localhost', /not a domain name/],
    ['domain', 'bad_label-.example', /not a domain name/],
    ['domain', '1.2.3.4', /not a domain name/],
    ['url', 'javascript:alert(1)', /not a valid URL|unsupported URL scheme/],
    ['url', 'mailto://x@example.com', /unsupported URL scheme/],
    ['url', 'http://', /not a valid URL/],
    ['email', 'no-at-sign.example', /not an email address/],
    ['email', 'a b@example.com', /not an email address/],
    ['email', 'user@localhost', /not an email address/],
    ['md5', 'd41d8cd98f00b204e9800998ecf8427', /32 hex digits/],
    ['sha1', 'zz39a3ee5e6b4b0d3255bfef95601890afd80709', /40 hex digits/],
    ['sha256', '', /empty sha256/],
  ];
  it.each(invalid)('%s %j is refused', (type, raw, reason) => {
    const result = normalizeIndicator(type, raw);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toMatch(reason);
  });
});

describe('guessType', () => {
  const cases: [string, IndicatorType | null][] = [
    ['203.0.113.9', 'ip'],
    ['2001:db8::1', 'ip'],
    ['203.0.113.0/24', 'cidr'],
    ['203.0.113.9/32', 'ip'],
    ['Evil.Example', 'domain'],
    ['https://evil.example/a', 'url'],
    ['evil.example/a?b=c', 'url'],
    ['evil.example:8080/a', 'url'],
    ['someone@evil.example', 'email'],
    ['d41d8cd98f00b204e9800998ecf8427e', 'md5'],
    ['da39a3ee5e6b4b0d3255bfef95601890afd80709', 'sha1'],
    [SHA256, 'sha256'],
    ['not an indicator', null],
    ['deadbeef', null],
  ];
  it.each(cases)('%j → %s', (value, type) => {
    expect(guessType(value)).toBe(type);
  });

  it('normalizeGuess normalises what it guessed, or says why not', () => {
    expect(normalizeGuess('HTTPS://Evil.Example:443')).toEqual({
      ok: true,
      type: 'url',
      value: 'https://evil.example/',
    });
    expect(normalizeGuess('hello world')).toEqual({
      ok: false,
      reason: "'hello world' is not an IP address, CIDR, domain, URL, email or hash",
    });
  });
});

describe('url hosts and parent domains', () => {
  it('reads the host of a url as a domain or an address', () => {
    expect(urlHost('http://a.evil.example/x')).toEqual({ type: 'domain', value: 'a.evil.example' });
    expect(urlHost('http://[2001:db8::1]:8080/')).toEqual({ type: 'ip', value: '2001:db8::1' });
    expect(urlHost('http://198.51.100.7/')).toEqual({ type: 'ip', value: '198.51.100.7' });
    expect(urlHost('http://intranet/')).toBeNull();
  });

  it('lists parents down to two labels, never the top-level domain alone', () => {
    expect(parentDomains('a.b.evil.example')).toEqual(['b.evil.example', 'evil.example']);
    expect(parentDomains('evil.example')).toEqual([]);
  });
});
