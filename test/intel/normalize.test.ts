import { describe, expect, it } from 'vitest';
import type { IndicatorType } from '../../src/intel/model.js';
import { parseCidr } from '../../src/net/ip.js';
import {
  ADDRESS_BITS,
  formatNetwork,
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

describe('addresses', () => {
  /** What net/ip makes of a value: the reading normalizeIndicator must agree with. */
  function viaNetIp(text: string): { type: IndicatorType; value: string } | null {
    const cidr = parseCidr(text.trim().replace(/^\[(.*)\]$/, '$1'));
    if (!cidr) return null;
    const type = cidr.prefix === ADDRESS_BITS[cidr.version] ? 'ip' : 'cidr';
    return { type, value: formatNetwork(cidr) };
  }

  /** Address-like text of every shape, valid or not, the same on every run. */
  function* candidates(): Generator<string> {
    const octets = ['0', '00', '01', '7', '10', '99', '100', '199', '249', '250', '255', '256'];
    const groups = ['0', '0000', '1', '00ff', 'ABCD', 'abc', 'ffff', '12345', 'g', ''];
    const suffixes = ['', '/0', '/00', '/1', '/8', '/17', '/24', '/31', '/32', '/33', '/48'];
    const more = ['/64', '/96', '/127', '/128', '/129', '/', '/024', '/x'];
    let n = 0;
    const pick = <T>(list: readonly T[], salt: number): T => list[(n * salt) % list.length]!;
    for (n = 0; n < 4000; n++) {
      const quad = [7, 11, 13, 17].map((salt) => pick(octets, salt + n)).join('.');
      const hex = Array.from({ length: 1 + (n % 9) }, (_, i) => pick(groups, 3 + i * 5)).join(':');
      const six =
        n % 5 === 0
          ? hex.replace(/:/, '::')
          : n % 7 === 0
            ? `${pick(['::ffff:', '::', '64:ff9b::', '1:2:3:4:5:6:'], 3)}${quad}`
            : hex;
      const suffix = pick([...suffixes, ...more], 19);
      for (const text of [`${quad}${suffix}`, `${six}${suffix}`]) {
        yield n % 11 === 0 ? `[${text}]` : n % 13 === 0 ? ` ${text} ` : text;
      }
    }
  }

  it('reads every address and prefix as net/ip does, and refuses what it refuses', () => {
    let valid = 0;
    for (const text of candidates()) {
      const expected = viaNetIp(text);
      for (const type of ['ip', 'cidr'] as const) {
        const result = normalizeIndicator(type, text);
        if (expected === null) expect(result.ok, text).toBe(false);
        else expect(result, text).toEqual({ ok: true, ...expected });
      }
      if (expected) {
        valid++;
        expect(guessType(text), text).toBe(expected.type);
      }
    }
    // The generator must reach both sides of the parser, not only its refusals.
    expect(valid).toBeGreaterThan(1000);
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
