import { describe, expect, it } from 'vitest';
import { parsePattern, reducePattern, type PatternIoc } from '../../../src/intel/stix/index.js';

const MD5 = '900150983cd24fb0d6963f7d28e17f72';
const SHA1 = 'a9993e364706816aba3e25717850c26c9cd0d89d';
const SHA256 = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';

const reduce = (pattern: string) => reducePattern(parsePattern(pattern));
const iocsOf = (pattern: string): PatternIoc[] => {
  const reduction = reduce(pattern);
  if (!reduction.reducible) throw new Error(reduction.reason);
  return reduction.iocs;
};
const reasonOf = (pattern: string): string => {
  const reduction = reduce(pattern);
  if (reduction.reducible) throw new Error(`reduced: ${JSON.stringify(reduction.iocs)}`);
  return reduction.reason;
};

describe('reducePattern: each IOC path', () => {
  it.each<[string, PatternIoc]>([
    ["[ipv4-addr:value = '198.51.100.7']", { type: 'ip', value: '198.51.100.7' }],
    ["[ipv4-addr:value = '198.51.100.7/32']", { type: 'ip', value: '198.51.100.7' }],
    ["[ipv4-addr:value = '198.51.100.0/24']", { type: 'cidr', value: '198.51.100.0/24' }],
    ["[ipv4-addr:value = '0.0.0.0/0']", { type: 'cidr', value: '0.0.0.0/0' }],
    ["[ipv6-addr:value = '2001:db8::7']", { type: 'ip', value: '2001:db8::7' }],
    ["[ipv6-addr:value = '2001:db8::7/128']", { type: 'ip', value: '2001:db8::7' }],
    ["[ipv6-addr:value = '2001:db8::/32']", { type: 'cidr', value: '2001:db8::/32' }],
    ["[domain-name:value = 'c2.example.net']", { type: 'domain', value: 'c2.example.net' }],
    [
      "[url:value = 'http://c2.example.net/gate.php?id=1&x=\\'y\\'']",
      { type: 'url', value: "http://c2.example.net/gate.php?id=1&x='y'" },
    ],
    ["[email-addr:value = 'billing@example.org']", { type: 'email', value: 'billing@example.org' }],
    [`[file:hashes.MD5 = '${MD5}']`, { type: 'md5', value: MD5 }],
    [`[file:hashes.md5 = '${MD5}']`, { type: 'md5', value: MD5 }],
    [`[file:hashes.'SHA-1' = '${SHA1}']`, { type: 'sha1', value: SHA1 }],
    [`[file:hashes.SHA1 = '${SHA1}']`, { type: 'sha1', value: SHA1 }],
    [`[file:hashes.'sha-1' = '${SHA1}']`, { type: 'sha1', value: SHA1 }],
    [`[file:hashes.'SHA-256' = '${SHA256}']`, { type: 'sha256', value: SHA256 }],
    [`[file:hashes.SHA256 = '${SHA256}']`, { type: 'sha256', value: SHA256 }],
    [
      `[file:hashes.Sha256 = '${SHA256.toUpperCase()}']`,
      { type: 'sha256', value: SHA256.toUpperCase() },
    ],
  ])('%s', (pattern, ioc) => {
    expect(iocsOf(pattern)).toEqual([ioc]);
  });
});

describe('reducePattern: OR, IN and the one AND allowed', () => {
  it('keeps every IOC of an OR inside one observation', () => {
    expect(iocsOf("[url:value = 'http://a.example/x' OR domain-name:value = 'b.example']")).toEqual(
      [
        { type: 'url', value: 'http://a.example/x' },
        { type: 'domain', value: 'b.example' },
      ],
    );
  });

  it('keeps every IOC of an OR between observations, through parentheses', () => {
    expect(
      iocsOf(
        `([file:hashes.'SHA-256' = '${SHA256}'] OR [file:hashes.MD5 = '${MD5}']) OR ([ipv4-addr:value = '192.0.2.1' OR (ipv6-addr:value = '2001:db8::1')])`,
      ),
    ).toEqual([
      { type: 'sha256', value: SHA256 },
      { type: 'md5', value: MD5 },
      { type: 'ip', value: '192.0.2.1' },
      { type: 'ip', value: '2001:db8::1' },
    ]);
  });

  it('reads an IN set as one IOC per member, each once', () => {
    expect(
      iocsOf(
        "[ipv4-addr:value IN ('192.0.2.1', '192.0.2.0/25', '192.0.2.1')] OR [ipv4-addr:value = '192.0.2.1/32']",
      ),
    ).toEqual([
      { type: 'ip', value: '192.0.2.1' },
      { type: 'cidr', value: '192.0.2.0/25' },
    ]);
  });

  it('takes each hash of one file joined by AND, since each names the same file', () => {
    expect(
      iocsOf(
        `[file:hashes.MD5 = '${MD5}' AND file:hashes.'SHA-1' = '${SHA1}' AND file:hashes.'SHA-256' = '${SHA256}']`,
      ),
    ).toEqual([
      { type: 'md5', value: MD5 },
      { type: 'sha1', value: SHA1 },
      { type: 'sha256', value: SHA256 },
    ]);
  });

  it('does not take two values of the same hash joined by AND: no file has both', () => {
    expect(
      reasonOf(
        `[file:hashes.MD5 = '${MD5}' AND file:hashes.md5 = 'd41d8cd98f00b204e9800998ecf8427e']`,
      ),
    ).toBe(
      'not reducible to plain IOCs: AND between comparisons (file:hashes.MD5, file:hashes.md5)',
    );
  });
});

describe('reducePattern: what cannot be reduced, with the reason', () => {
  it.each([
    [
      "[ipv4-addr:value = '192.0.2.1'] AND [domain-name:value = 'a.example']",
      'AND between observations',
    ],
    [
      "[ipv4-addr:value = '192.0.2.1'] FOLLOWEDBY [domain-name:value = 'a.example']",
      'FOLLOWEDBY between observations',
    ],
    ["[ipv4-addr:value = '192.0.2.1'] WITHIN 600 SECONDS", 'qualifier WITHIN 600 SECONDS'],
    ["[ipv4-addr:value = '192.0.2.1'] REPEATS 5 TIMES", 'qualifier REPEATS 5 TIMES'],
    [
      "[ipv4-addr:value = '192.0.2.1'] START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'",
      "qualifier START t'2026-01-01T00:00:00Z' STOP t'2026-02-01T00:00:00Z'",
    ],
    [
      "[network-traffic:dst_ref.value = '192.0.2.1' AND network-traffic:dst_port = 443]",
      'AND between comparisons (network-traffic:dst_ref.value, network-traffic:dst_port)',
    ],
    [
      `[file:hashes.MD5 = '${MD5}' AND file:name = 'invoice.exe']`,
      'AND between comparisons (file:hashes.MD5, file:name)',
    ],
    [
      "[ipv4-addr:value = '192.0.2.1' AND (domain-name:value = 'a' OR url:value = 'b')]",
      'AND between comparisons (ipv4-addr:value, (…))',
    ],
    ["[domain-name:value NOT = 'a.example']", 'NOT = on domain-name:value'],
    ["[domain-name:value NOT IN ('a.example')]", 'NOT IN on domain-name:value'],
    ["[domain-name:value != 'a.example']", 'operator != on domain-name:value'],
    ['[file:size > 1000]', 'operator > on file:size'],
    ["[url:value LIKE 'http://%.example/%']", 'operator LIKE on url:value'],
    ["[url:value MATCHES '^http://']", 'operator MATCHES on url:value'],
    ["[ipv4-addr:value ISSUBSET '192.0.2.0/24']", 'operator ISSUBSET on ipv4-addr:value'],
    ["[ipv4-addr:value ISSUPERSET '192.0.2.1']", 'operator ISSUPERSET on ipv4-addr:value'],
    ['[EXISTS file:hashes.MD5]', 'EXISTS file:hashes.MD5'],
    ["[process:name = 'evil.exe']", 'process:name is not an IOC path'],
    ['[network-traffic:dst_port = 4444]', 'network-traffic:dst_port is not an IOC path'],
    ["[file:name = 'a.exe']", 'file:name is not an IOC path'],
    ["[email-addr:display_name = 'Billing']", 'email-addr:display_name is not an IOC path'],
    ["[file:hashes.SSDEEP = '3:abc:def']", 'file:hashes.SSDEEP is not an IOC path'],
    ["[artifact:hashes.MD5 = 'x']", 'artifact:hashes.MD5 is not an IOC path'],
    ["[x-custom:value = 'a']", 'x-custom:value is not an IOC path'],
    ['[ipv4-addr:value = 3232235777]', 'ipv4-addr:value compared with 3232235777, not a string'],
    [
      "[domain-name:value IN ('a.example', true)]",
      'domain-name:value compared with true, not a string',
    ],
    ['[domain-name:value IN ()]', 'IN with an empty set on domain-name:value'],
    [
      "[ipv4-addr:value = 'c2.example.net']",
      "ipv4-addr:value: 'c2.example.net' is not an IPv4 address",
    ],
    ["[ipv4-addr:value = '2001:db8::1']", "ipv4-addr:value: '2001:db8::1' is not an IPv4 address"],
    [
      "[ipv4-addr:value = '192.0.2.0/33']",
      "ipv4-addr:value: '192.0.2.0/33' has no valid IPv4 prefix length",
    ],
    [
      "[ipv6-addr:value = '2001:db8::/abc']",
      "ipv6-addr:value: '2001:db8::/abc' has no valid IPv6 prefix length",
    ],
    [
      "[file:hashes.MD5 = 'abc123']",
      "file:hashes.MD5: 'abc123' is not a valid MD5 hash (32 hex digits)",
    ],
    [
      `[file:hashes.SHA1 = '${MD5}']`,
      `file:hashes.SHA1: '${MD5}' is not a valid SHA-1 hash (40 hex digits)`,
    ],
    ["[domain-name:value = ' ']", 'domain-name:value: empty domain'],
  ])('%s', (pattern, blocker) => {
    expect(reasonOf(pattern)).toBe(`not reducible to plain IOCs: ${blocker}`);
  });

  it('reports the whole pattern, with every blocker once, and no partial IOCs', () => {
    const reduction = reduce(
      "[domain-name:value = 'a.example'] OR [url:value LIKE '%x%'] OR [process:name = 'p'] WITHIN 5 SECONDS OR [url:value LIKE '%x%']",
    );
    expect(reduction).toEqual({
      reducible: false,
      reason:
        'not reducible to plain IOCs: operator LIKE on url:value; qualifier WITHIN 5 SECONDS; process:name is not an IOC path',
    });
  });
});
