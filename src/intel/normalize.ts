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
      const hex = new RegExp(`^[0-9a-f]{${HASH_LENGTHS[type]}}$`, 'i');
      if (!hex.test(text)) return invalid(`'${text}' is not ${HASH_LENGTHS[type]} hex digits`);
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

function unbracket(text: string): string {
  return text.replace(/^\[(.*)\]$/, '$1');
}

function invalid(reason: string): Normalized {
  return { ok: false, reason };
}
