/*
 * Canonical indicator values, so the same IOC from two feeds, a feed and an analyst, or a
 * feed and free text meets under one key. Addresses and domains go through the FortiGate
 * guard's own strict parsers (`010.0.0.1` is refused, not read as octal), so an exclusion
 * list and the never-block guard agree on what an entry means.
 *
 * Rules beyond the ones in model.ts:
 * - ip and cidr are one family: the prefix decides, so `198.51.100.7/32` is the ip
 *   `198.51.100.7` and `198.51.100.7/24` is the cidr `198.51.100.0/24`.
 * - An IPv4-mapped IPv6 address (`::ffff:192.0.2.1`) stays IPv6, written in the RFC 5952
 *   section 5 mixed form; it is not merged with the IPv4 address, because what a feed listed
 *   is an IPv6 value and IPv4 prefixes must not silently cover it.
 * - urls: only http, https, ftp, ws and wss (schemes whose host the URL parser understands);
 *   a url without a scheme is read as http; the fragment is dropped (never sent to a server).
 * - email: the domain part is normalised like a domain, the local part kept as given.
 */
import { formatIp, parseCidr, type Cidr, type IpVersion } from '../net/ip.js';
import { normalizeDomain } from '../net/domain.js';
import type { IndicatorType } from './model.js';

export type Normalized =
  { ok: true; type: IndicatorType; value: string } | { ok: false; reason: string };

export const ADDRESS_BITS: Record<IpVersion, number> = { 4: 32, 6: 128 };

const HASH_LENGTHS = { md5: 32, sha1: 40, sha256: 64 } as const;
const HASH_HEX = {
  md5: /^[0-9a-f]{32}$/i,
  sha1: /^[0-9a-f]{40}$/i,
  sha256: /^[0-9a-f]{64}$/i,
} as const;
/*
 * Addresses and prefixes as the net/ip parser accepts them (no leading zeros in IPv4 octets
 * or prefix lengths, no zone ids), read with plain numbers rather than that parser's bigints,
 * whose arithmetic and formatting cost several times more on what is most of a feed. What
 * these do not read (invalid text) still goes through net/ip, so both agree on every input.
 */
const OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}$`);
const IPV4_CIDR = new RegExp(`^${OCTET}\\.${OCTET}\\.${OCTET}\\.${OCTET}(?:/(0|[1-9]\\d?))?$`);
const IPV6_CHARS = /^[0-9a-fA-F:.]+$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;
const PREFIX_LENGTH = /^(0|[1-9]\d{0,2})$/;
const URL_SCHEMES = new Set(['http:', 'https:', 'ftp:', 'ws:', 'wss:']);
const HAS_SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const EMAIL_LOCAL = /^[^\s@<>()[\]\\,;:"]{1,64}$/;

export function normalizeIndicator(type: IndicatorType, raw: string): Normalized {
  const text = raw.trim();
  if (text === '') return invalid(`empty ${type}`);
  switch (type) {
    case 'ip':
    case 'cidr':
      return normalizeAddress(text);
    case 'domain': {
      const domain = normalizeDomain(text);
      return domain ? { ok: true, type, value: domain } : invalid(`'${text}' is not a domain name`);
    }
    case 'url':
      return normalizeUrl(text);
    case 'email':
      return normalizeEmail(text);
    case 'md5':
    case 'sha1':
    case 'sha256': {
      if (!HASH_HEX[type].test(text)) {
        return invalid(`'${text}' is not ${HASH_LENGTHS[type]} hex digits`);
      }
      return { ok: true, type, value: text.toLowerCase() };
    }
  }
}

/** The type a bare value given by a user most likely has; null when it looks like none. */
export function guessType(raw: string): IndicatorType | null {
  const text = raw.trim();
  if (/^[0-9a-f]+$/i.test(text)) {
    const byLength = Object.entries(HASH_LENGTHS).find(([, length]) => length === text.length);
    if (byLength) return byLength[0] as IndicatorType;
  }
  if (HAS_SCHEME.test(text)) return 'url';
  if (text.includes('@') && !text.includes('/')) return 'email';
  const address = parseAddress(unbracket(text));
  if (address) return address.type;
  const cidr = parseCidr(unbracket(text));
  if (cidr) return cidr.prefix === ADDRESS_BITS[cidr.version] ? 'ip' : 'cidr';
  if (normalizeDomain(text)) return 'domain';
  const slash = text.indexOf('/');
  if (slash > 0 && normalizeDomain(text.slice(0, slash).replace(/:\d+$/, ''))) return 'url';
  return null;
}

/** guessType then normalizeIndicator: what a lookup of a user's value searches for. */
export function normalizeGuess(raw: string): Normalized {
  const type = guessType(raw);
  if (!type)
    return invalid(`'${raw.trim()}' is not an IP address, CIDR, domain, URL, email or hash`);
  return normalizeIndicator(type, raw);
}

/** `192.0.2.1`, `2001:db8::1`, `::ffff:192.0.2.1` (mapped addresses in mixed notation). */
export function formatAddress(version: IpVersion, value: bigint): string {
  if (version === 6 && value >> 32n === 0xffffn) {
    return `::ffff:${formatIp(4, value & 0xffffffffn)}`;
  }
  return formatIp(version, value);
}

/** The canonical ip or cidr value of a prefix. */
export function formatNetwork(cidr: Cidr): string {
  const address = formatAddress(cidr.version, cidr.network);
  return cidr.prefix === ADDRESS_BITS[cidr.version] ? address : `${address}/${cidr.prefix}`;
}

/** The network of `value` at `prefix` bits: the prefix's host bits cleared. */
export function networkOf(version: IpVersion, value: bigint, prefix: number): bigint {
  const bits = BigInt(ADDRESS_BITS[version]);
  const hostBits = bits - BigInt(prefix);
  return (value >> hostBits) << hostBits;
}

/** The host of a canonical url as an ip or domain indicator, or null (a bare host name). */
export function urlHost(url: string): { type: 'ip' | 'domain'; value: string } | null {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  const address = parseCidr(host);
  if (address) return { type: 'ip', value: formatNetwork(address) };
  const domain = normalizeDomain(host);
  return domain ? { type: 'domain', value: domain } : null;
}

/** `a.b.example.com` → `b.example.com`, `example.com` (never the last label alone). */
export function parentDomains(domain: string): string[] {
  const labels = domain.split('.');
  const parents: string[] = [];
  for (let start = 1; start < labels.length - 1; start++) {
    parents.push(labels.slice(start).join('.'));
  }
  return parents;
}

function normalizeAddress(text: string): Normalized {
  const address = parseAddress(unbracket(text));
  if (address) return { ok: true, ...address };
  const cidr = parseCidr(unbracket(text));
  if (!cidr) return invalid(`'${text}' is not a valid IPv4/IPv6 address or CIDR`);
  const type = cidr.prefix === ADDRESS_BITS[cidr.version] ? 'ip' : 'cidr';
  return { ok: true, type, value: formatNetwork(cidr) };
}

function normalizeUrl(text: string): Normalized {
  let url: URL;
  try {
    url = new URL(HAS_SCHEME.test(text) ? text : `http://${text}`);
  } catch {
    return invalid(`'${text}' is not a valid URL`);
  }
  if (!URL_SCHEMES.has(url.protocol)) return invalid(`'${text}': unsupported URL scheme`);
  if (url.hostname === '') return invalid(`'${text}': URL without a host`);
  url.hash = '';
  return { ok: true, type: 'url', value: url.href };
}

function normalizeEmail(text: string): Normalized {
  const at = text.lastIndexOf('@');
  const local = text.slice(0, at);
  const domain = normalizeDomain(text.slice(at + 1));
  if (at <= 0 || !EMAIL_LOCAL.test(local) || !domain) {
    return invalid(`'${text}' is not an email address`);
  }
  return { ok: true, type: 'email', value: `${local}@${domain}` };
}

/** An address or prefix as parseCidr reads it, with its type and canonical value; else null. */
function parseAddress(text: string): { type: 'ip' | 'cidr'; value: string } | null {
  return parseIpv4Cidr(text) ?? parseIpv6Cidr(text);
}

function parseIpv4Cidr(text: string): { type: 'ip' | 'cidr'; value: string } | null {
  const match = IPV4_CIDR.exec(text);
  if (!match) return null;
  // Without a prefix there are no host bits to clear: the text is the canonical address.
  if (match[5] === undefined) return { type: 'ip', value: text };
  const prefix = Number(match[5]);
  if (prefix > 32) return null;
  const address =
    Number(match[1]) * 0x1000000 +
    Number(match[2]) * 0x10000 +
    Number(match[3]) * 0x100 +
    Number(match[4]);
  const network = address - (address % 2 ** (32 - prefix));
  const dotted = [0x1000000, 0x10000, 0x100, 1]
    .map((place) => Math.floor(network / place) % 256)
    .join('.');
  return prefix === 32
    ? { type: 'ip', value: dotted }
    : { type: 'cidr', value: `${dotted}/${prefix}` };
}

function parseIpv6Cidr(text: string): { type: 'ip' | 'cidr'; value: string } | null {
  const slash = text.indexOf('/');
  const groups = parseIpv6Groups(slash < 0 ? text : text.slice(0, slash));
  if (!groups) return null;
  let prefix = 128;
  if (slash >= 0) {
    const length = text.slice(slash + 1);
    if (!PREFIX_LENGTH.test(length) || Number(length) > 128) return null;
    prefix = Number(length);
  }
  for (let index = 0; index < 8; index++) {
    const kept = Math.min(16, Math.max(0, prefix - 16 * index));
    groups[index] = groups[index]! & ((0xffff << (16 - kept)) & 0xffff);
  }
  const address = formatIpv6Groups(groups);
  return prefix === 128
    ? { type: 'ip', value: address }
    : { type: 'cidr', value: `${address}/${prefix}` };
}

/** net/ip's parseIpv6, step for step, into eight 16-bit groups. */
function parseIpv6Groups(text: string): number[] | null {
  if (!IPV6_CHARS.test(text) || text.length > 45) return null;
  let head = text;
  let tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    const v4 = IPV4.exec(text.slice(lastColon + 1));
    if (!v4) return null;
    tail = [Number(v4[1]) * 256 + Number(v4[2]), Number(v4[3]) * 256 + Number(v4[4])];
    head = text.slice(0, lastColon + 1);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const left = hexGroups(halves[0]!);
  const right = halves.length === 2 ? hexGroups(halves[1]!) : [];
  if (left === null || right === null) return null;
  const given = left.length + right.length + tail.length;
  if (halves.length === 2) {
    if (given > 7) return null;
    return [...left, ...Array<number>(8 - given).fill(0), ...right, ...tail];
  }
  return given === 8 ? [...left, ...tail] : null;
}

function hexGroups(part: string): number[] | null {
  if (part === '') return [];
  const groups: number[] = [];
  for (const group of part.split(':')) {
    if (!HEX_GROUP.test(group)) return null;
    groups.push(parseInt(group, 16));
  }
  return groups;
}

/** formatAddress for IPv6: RFC 5952, and mapped IPv4 addresses in mixed notation. */
function formatIpv6Groups(groups: number[]): string {
  const [a = 0, b = 0, c = 0, d = 0, e = 0, f = 0, g = 0, h = 0] = groups;
  if (a === 0 && b === 0 && c === 0 && d === 0 && e === 0 && f === 0xffff) {
    return `::ffff:${g >> 8}.${g & 0xff}.${h >> 8}.${h & 0xff}`;
  }
  // The longest run of two or more zero groups becomes "::" (the first on a tie).
  let bestStart = -1;
  let bestLength = 0;
  for (let index = 0; index < 8;) {
    if (groups[index] !== 0) {
      index++;
      continue;
    }
    let end = index;
    while (end < 8 && groups[end] === 0) end++;
    if (end - index > bestLength && end - index >= 2) {
      bestStart = index;
      bestLength = end - index;
    }
    index = end;
  }
  const hex = (list: number[]) => list.map((group) => group.toString(16)).join(':');
  if (bestStart < 0) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

function unbracket(text: string): string {
  // As /^\[(.*)\]$/ would, without a regex on every address; a line break inside the
  // brackets, which that would leave alone, is no address either way.
  return text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
}

function invalid(reason: string): Normalized {
  return { ok: false, reason };
}
