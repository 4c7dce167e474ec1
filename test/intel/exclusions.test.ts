import { describe, expect, it } from 'vitest';
import { ExclusionList, InvalidExclusionError } from '../../src/intel/exclusions.js';

const list = ExclusionList.build([
  '203.0.113.0/24',
  { value: '2001:db8:1::/48', reason: 'our IPv6 block' },
  '198.51.100.10',
  'Corp.Example.',
  '*.cdn.example',
]);

describe('ExclusionList.match', () => {
  it('excludes addresses inside a configured prefix, v4 and v6', () => {
    expect(list.match('ip', '203.0.113.77')).toEqual({
      entry: '203.0.113.0/24',
      index: 0,
      reason: 'on the exclusion list (203.0.113.0/24): covers 203.0.113.0/24',
    });
    expect(list.match('ip', '2001:DB8:1:ffff::9')).toEqual({
      entry: '2001:db8:1::/48',
      index: 1,
      reason: 'our IPv6 block: covers 2001:db8:1::/48',
    });
    expect(list.match('ip', '198.51.100.10')?.index).toBe(2);
    expect(list.match('ip', '198.51.100.11')).toBeNull();
    expect(list.match('ip', '2001:db8:2::1')).toBeNull();
  });

  it('excludes a prefix that overlaps an entry, as the never-block guard does', () => {
    expect(list.match('cidr', '203.0.0.0/16')?.index).toBe(0);
    expect(list.match('cidr', '203.0.113.128/25')?.index).toBe(0);
    expect(list.match('cidr', '203.0.114.0/24')).toBeNull();
  });

  it('excludes a domain and its subdomains, not look-alikes', () => {
    expect(list.match('domain', 'corp.example')?.index).toBe(3);
    expect(list.match('domain', 'VPN.corp.example')).toEqual({
      entry: 'Corp.Example.',
      index: 3,
      reason: 'on the exclusion list (Corp.Example.): covers corp.example and its subdomains',
    });
    expect(list.match('domain', 'img.cdn.example')?.index).toBe(4);
    expect(list.match('domain', 'cdn.example')?.index).toBe(4);
    expect(list.match('domain', 'evilcorp.example')).toBeNull();
    expect(list.match('domain', 'corp.example.evil')).toBeNull();
  });

  it('judges urls and emails by their host', () => {
    expect(list.match('url', 'https://sso.corp.example/login')?.index).toBe(3);
    expect(list.match('url', 'http://203.0.113.5:8080/x')?.index).toBe(0);
    expect(list.match('url', 'https://evil.example/corp.example')).toBeNull();
    expect(list.match('email', 'ceo@corp.example')?.index).toBe(3);
    expect(list.match('email', 'corp.example@evil.example')).toBeNull();
  });

  it('never excludes hashes or values that do not parse', () => {
    expect(list.match('md5', 'd41d8cd98f00b204e9800998ecf8427e')).toBeNull();
    expect(list.match('ip', 'not-an-ip')).toBeNull();
  });

  it('has no built-in entries', () => {
    const empty = ExclusionList.build([]);
    expect(empty.size).toBe(0);
    expect(empty.match('ip', '10.0.0.1')).toBeNull();
    expect(empty.match('domain', 'localhost.localdomain')).toBeNull();
  });
});

describe('ExclusionList.build', () => {
  it.each([
    [['203.0.113.0/24', 'not a domain!'], 1, "'not a domain!'"],
    [['010.0.0.1'], 0, "'010.0.0.1'"],
    [['198.51.100.0/33'], 0, "'198.51.100.0/33'"],
    [['ok.example', { value: '' }], 1, "''"],
  ])('names the bad entry of %j', (entries, index, quoted) => {
    let error: unknown;
    try {
      ExclusionList.build(entries, 'settings.intel.exclusions');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(InvalidExclusionError);
    expect((error as InvalidExclusionError).index).toBe(index);
    expect((error as InvalidExclusionError).code).toBe('INVALID_EXCLUSION');
    expect((error as Error).message).toBe(
      `settings.intel.exclusions[${index}]: ${quoted} is not an IP address, CIDR or domain name`,
    );
  });
});
