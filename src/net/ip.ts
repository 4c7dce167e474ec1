/*
 * IPv4/IPv6 addresses and prefixes as bigints, so ranges can be compared exactly: the
 * never-block guard must know whether 0.0.0.0/1 covers 10.0.0.0/8, not just whether two
 * strings look alike. Parsing is strict (no octal-looking octets, no zone ids) because a
 * lenient parser is how "010.0.0.1" ends up blocking 8.0.0.1.
 */

export type IpVersion = 4 | 6;

/** A prefix, normalized to its network address (host bits cleared). */
export interface Cidr {
  version: IpVersion;
  network: bigint;
  prefix: number;
}

const BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);

export function parseIpv4(text: string): bigint | null {
  const match = IPV4.exec(text);
  if (!match) return null;
  return match.slice(1).reduce((value, octet) => (value << 8n) | BigInt(octet), 0n);
}

export function parseIpv6(text: string): bigint | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || text.length > 45) return null;
  let head = text;
  let tail: bigint[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    // An embedded IPv4 address takes the last two groups (::ffff:192.0.2.1).
    const v4 = parseIpv4(text.slice(lastColon + 1));
    if (v4 === null) return null;
    tail = [v4 >> 16n, v4 & 0xffffn];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): bigint[] | null => {
    if (part === '') return [];
    const out: bigint[] = [];
    for (const group of part.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return null;
      out.push(BigInt(`0x${group}`));
    }
    return out;
  };
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  if (left === null || right === null) return null;
  const given = left.length + right.length + tail.length;
  let all: bigint[];
  if (halves.length === 2) {
    if (given > 7) return null;
    all = [...left, ...Array<bigint>(8 - given).fill(0n), ...right, ...tail];
  } else {
    if (given !== 8) return null;
    all = [...left, ...tail];
  }
  return all.reduce((value, group) => (value << 16n) | group, 0n);
}

export function parseIp(text: string): { version: IpVersion; value: bigint } | null {
  const v4 = parseIpv4(text);
  if (v4 !== null) return { version: 4, value: v4 };
  const v6 = parseIpv6(text);
  return v6 !== null ? { version: 6, value: v6 } : null;
}

/** `203.0.113.9`, `203.0.113.0/24`, `2001:db8::/32`; host bits are cleared. */
export function parseCidr(text: string): Cidr | null {
  const slash = text.indexOf('/');
  const ip = parseIp(slash < 0 ? text : text.slice(0, slash));
  if (!ip) return null;
  const bits = BITS[ip.version];
  let prefix = bits;
  if (slash >= 0) {
    const length = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(length) || Number(length) > bits) return null;
    prefix = Number(length);
  }
  return { version: ip.version, network: ip.value & mask(bits, prefix), prefix };
}

function mask(bits: number, prefix: number): bigint {
  const all = (1n << BigInt(bits)) - 1n;
  return all ^ ((1n << BigInt(bits - prefix)) - 1n);
}

function lastAddress(cidr: Cidr): bigint {
  return cidr.network | ((1n << BigInt(BITS[cidr.version] - cidr.prefix)) - 1n);
}

/** True when the two prefixes share at least one address. */
export function overlaps(a: Cidr, b: Cidr): boolean {
  if (a.version !== b.version) return false;
  return a.network <= lastAddress(b) && b.network <= lastAddress(a);
}

export function isHost(cidr: Cidr): boolean {
  return cidr.prefix === BITS[cidr.version];
}

export function formatIp(version: IpVersion, value: bigint): string {
  if (version === 4) {
    return [24n, 16n, 8n, 0n].map((shift) => String((value >> shift) & 0xffn)).join('.');
  }
  const groups = [112n, 96n, 80n, 64n, 48n, 32n, 16n, 0n].map((s) => (value >> s) & 0xffffn);
  // RFC 5952: the longest run of two or more zero groups becomes "::" (the first on a tie).
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0n) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0n) j++;
    if (j - i > best.length && j - i >= 2) best = { start: i, length: j - i };
    i = j;
  }
  const hex = (list: bigint[]) => list.map((g) => g.toString(16)).join(':');
  if (best.start < 0) return hex(groups);
  return `${hex(groups.slice(0, best.start))}::${hex(groups.slice(best.start + best.length))}`;
}

/** `203.0.113.9` for a host, `203.0.113.0/24` for a prefix. */
export function formatCidr(cidr: Cidr): string {
  const address = formatIp(cidr.version, cidr.network);
  return isHost(cidr) ? address : `${address}/${cidr.prefix}`;
}

/** `255.255.255.0` for /24 (FortiOS writes IPv4 subnets as address and mask). */
export function prefixToMask(prefix: number): string {
  return formatIp(4, mask(32, prefix));
}

/** The prefix length of a contiguous dotted mask, or null. */
export function maskToPrefix(text: string): number | null {
  const value = parseIpv4(text);
  if (value === null) return null;
  for (let prefix = 0; prefix <= 32; prefix++) if (mask(32, prefix) === value) return prefix;
  return null;
}
