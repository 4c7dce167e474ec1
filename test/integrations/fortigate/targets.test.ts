import { describe, expect, it } from 'vitest';
import { formatIp, parseCidr, parseIp } from '../../../src/net/ip.js';
import { NeverBlock } from '../../../integrations/fortigate/never-block.js';
import {
  describeObject,
  objectValue,
  parseTarget,
  type Target,
} from '../../../integrations/fortigate/targets.js';

function target(text: string): Target {
  const parsed = parseTarget(text);
  if (typeof parsed === 'string') throw new Error(parsed);
  return parsed;
}

describe('addresses', () => {
  it.each([
    ['203.0.113.9', 'soar-203.0.113.9', { type: 'ipmask', subnet: '203.0.113.9 255.255.255.255' }],
    [
      '203.0.113.9/32',
      'soar-203.0.113.9',
      { type: 'ipmask', subnet: '203.0.113.9 255.255.255.255' },
    ],
    [
      '203.0.113.77/24',
      'soar-203.0.113.0_24',
      { type: 'ipmask', subnet: '203.0.113.0 255.255.255.0' },
    ],
    ['2001:DB8:0:0:0:0:0:1', 'soar-2001:db8::1', { type: 'ipprefix', ip6: '2001:db8::1/128' }],
    ['2001:db8::/32', 'soar-2001:db8::_32', { type: 'ipprefix', ip6: '2001:db8::/32' }],
    ['Evil.Example.com.', 'soar-evil.example.com', { type: 'fqdn', fqdn: 'evil.example.com' }],
    [
      'bücher.example',
      'soar-xn--bcher-kva.example',
      { type: 'fqdn', fqdn: 'xn--bcher-kva.example' },
    ],
  ])('%s becomes object %s', (input, name, value) => {
    const t = target(input);
    expect(t.name).toBe(name);
    expect(objectValue(t)).toEqual(value);
    expect(describeObject(objectValue(t))).toBe(t.display);
  });

  it('keeps long names within 79 characters, distinct and stable', () => {
    const a = target(`${'a'.repeat(60)}.${'b'.repeat(40)}.example`);
    const b = target(`${'a'.repeat(60)}.${'b'.repeat(40)}.example.org`);
    expect(a.name.length).toBeLessThanOrEqual(79);
    expect(a.name).not.toBe(b.name);
    expect(target(a.display).name).toBe(a.name);
  });

  it.each([
    '010.0.0.1',
    '1.2.3',
    '256.1.1.1',
    '1.2.3.4/33',
    '1.2.3.4/08',
    'fe80::1%eth0',
    '1::2::3',
    'localhost',
    'http://evil.example/x',
    'evil.example:443',
    'a b.example',
    '-bad.example',
    '',
  ])('refuses %j as an address', (input) => {
    expect(typeof parseTarget(input)).toBe('string');
  });

  it('parses and prints IPv6 per RFC 5952', () => {
    for (const [text, printed] of [
      ['::', '::'],
      ['::1', '::1'],
      ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
      ['::ffff:192.0.2.1', '::ffff:c000:201'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ] as const) {
      const ip = parseIp(text)!;
      expect(formatIp(ip.version, ip.value)).toBe(printed);
    }
  });
});

describe('never-block guard', () => {
  const guard = NeverBlock.build(
    ['198.51.100.0/25', '*.corp.example', '2001:db8:aaaa::/48'],
    'https://fw.corp.example:8443',
  );
  const refusal = (text: string) => guard.refusal(target(text));

  it.each([
    ['10.255.0.1', 'private range 10.0.0.0/8'],
    ['172.31.0.0/16', 'private range 172.16.0.0/12'],
    ['100.100.1.1', 'carrier-grade NAT'],
    ['0.0.0.0/0', '"this network"'],
    ['128.0.0.0/1', 'link-local range 169.254.0.0/16'],
    ['255.255.255.255', 'reserved range 240.0.0.0/4'],
    ['239.1.1.1', 'multicast'],
    ['::', 'unspecified'],
    ['::ffff:8.8.8.8', 'IPv4-mapped'],
    ['fe80::/64', 'link-local'],
    ['fd12::1', 'unique-local'],
    ['ff02::1', 'multicast'],
    ['4000::1', 'outside global unicast'],
    ['2000::/2', 'unspecified IPv6 address'], // host bits cleared: ::/2
    ['198.51.100.127', 'never_block list (198.51.100.0/25)'],
    ['198.51.0.0/16', 'never_block list (198.51.100.0/25)'],
    ['2001:db8:aaaa:1::1', 'never_block list (2001:db8:aaaa::/48)'],
    ['corp.example', 'never_block list (*.corp.example)'],
    ['vpn.corp.example', 'never_block list (*.corp.example)'],
    ['fw.corp.example', 'never_block list'],
    ['db.internal', 'reserved name .internal'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(refusal(address)).toContain(reason);
  });

  it.each([
    '8.8.8.8',
    '203.0.113.9',
    '198.51.100.128/25',
    '2001:db8::1',
    'notcorp.example',
    'evil.example.com',
  ])('allows %s', (address) => {
    expect(refusal(address)).toBeNull();
  });

  it("refuses the FortiGate's own IP from the url", () => {
    const own = NeverBlock.build([], 'https://[2001:db8:f::1]:443/');
    expect(own.refusal(target('2001:db8:f::/64'))).toMatch(/FortiGate's own address/);
    expect(NeverBlock.build([], 'https://203.0.113.254').refusal(target('203.0.113.254'))).toMatch(
      /own address/,
    );
  });

  it('names a bad never_block entry', () => {
    expect(() => NeverBlock.build(['8.8.8.8', 'not valid'], undefined)).toThrow(
      /settings\.never_block\[1\]/,
    );
  });

  it('compares prefixes exactly', () => {
    expect(parseCidr('10.0.0.0/7')).toEqual({ version: 4, network: 0x0a000000n, prefix: 7 });
  });
});
