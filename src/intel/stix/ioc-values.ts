import { isIPv4, isIPv6 } from 'node:net';
import type { IndicatorType } from '../model.js';

/*
 * Turning one value a feed gives for a known observable kind into a typed IOC, or a reason why
 * not. Shared by STIX 2.1 patterns, STIX 2.1 SCOs and STIX 1.x observables so that all three
 * agree on what an address, a CIDR or a hash is. Values keep their spelling: the store
 * normalises case; a /32 or /128 suffix is dropped because the model types that as a plain ip.
 */

export type ValueClassification =
  { ok: true; type: IndicatorType; value: string } | { ok: false; reason: string };

export type IpFamily = 'ipv4' | 'ipv6';
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256';

const HASH_HEX_LENGTH: Record<HashAlgorithm, number> = { md5: 32, sha1: 40, sha256: 64 };
const HASH_NAME: Record<HashAlgorithm, string> = { md5: 'MD5', sha1: 'SHA-1', sha256: 'SHA-256' };
const FULL_PREFIX: Record<IpFamily, number> = { ipv4: 32, ipv6: 128 };
const FAMILY_NAME: Record<IpFamily, string> = { ipv4: 'IPv4', ipv6: 'IPv6' };

/** `MD5`, `'SHA-1'`, `SHA1`, `'SHA-256'`, `sha256`, `SHA_256`: the spellings feeds use. */
export function hashAlgorithm(name: string): HashAlgorithm | undefined {
  const compact = name
    .trim()
    .toLowerCase()
    .replace(/[-_\s]/g, '');
  return compact === 'md5' || compact === 'sha1' || compact === 'sha256' ? compact : undefined;
}

export function classifyHash(algorithm: HashAlgorithm, raw: string): ValueClassification {
  const value = raw.trim();
  const length = HASH_HEX_LENGTH[algorithm];
  if (value.length !== length || !/^[0-9a-fA-F]+$/.test(value)) {
    const reason = `'${value}' is not a valid ${HASH_NAME[algorithm]} hash (${length} hex digits)`;
    return { ok: false, reason };
  }
  return { ok: true, type: algorithm, value };
}

/** An address of the given family, optionally with a prefix length (`198.51.100.0/24`). */
export function classifyIp(family: IpFamily, raw: string): ValueClassification {
  const value = raw.trim();
  const slash = value.indexOf('/');
  const address = slash < 0 ? value : value.slice(0, slash);
  const valid = family === 'ipv4' ? isIPv4(address) : isIPv6(address);
  if (!valid) return { ok: false, reason: `'${value}' is not an ${FAMILY_NAME[family]} address` };
  if (slash < 0) return { ok: true, type: 'ip', value: address };
  const prefixText = value.slice(slash + 1);
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix <= FULL_PREFIX[family])) {
    return { ok: false, reason: `'${value}' has no valid ${FAMILY_NAME[family]} prefix length` };
  }
  if (prefix === FULL_PREFIX[family]) return { ok: true, type: 'ip', value: address };
  return { ok: true, type: 'cidr', value: `${address}/${prefix}` };
}

/** Domains, URLs and e-mail addresses: only emptiness is refused here; the store validates. */
export function classifyText(type: 'domain' | 'url' | 'email', raw: string): ValueClassification {
  const value = raw.trim();
  if (value === '') return { ok: false, reason: `empty ${type}` };
  return { ok: true, type, value };
}
