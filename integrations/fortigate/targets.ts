/*
 * What an address to block becomes on the FortiGate: which table holds its object, the
 * object's safe name, its body, and which block group it joins. Names are derived from the
 * address alone, so every run (and every retry) computes the same name: that is what makes
 * "already exists" mean "already done".
 */
import { createHash } from 'node:crypto';
import { normalizeDomain } from '../../src/net/domain.js';
import {
  formatCidr,
  formatIp,
  maskToPrefix,
  parseCidr,
  prefixToMask,
  type Cidr,
} from '../../src/net/ip.js';

export { normalizeDomain };

export const OBJECT_PREFIX = 'soar-';
/** FortiOS limits address object names to 79 characters. */
const MAX_NAME = 79;

export type Target =
  | { kind: 'ip'; display: string; cidr: Cidr; name: string }
  | { kind: 'fqdn'; display: string; fqdn: string; name: string };

export type Table = 'firewall/address' | 'firewall/address6';
export type GroupTable = 'firewall/addrgrp' | 'firewall/addrgrp6';

/** Parses an IPv4/IPv6 address, a prefix or a domain name; a string saying why not otherwise. */
export function parseTarget(input: string): Target | string {
  const text = input.trim();
  if (text === '') return 'empty address';
  if (/[\s"'\\]/.test(text)) return `'${text}' is not an IP address, CIDR or domain name`;
  const looksLikeIp = /^[\d.]+(\/\d+)?$/.test(text) || text.includes(':');
  if (looksLikeIp) {
    const cidr = parseCidr(text);
    if (!cidr) return `'${text}' is not a valid IPv4/IPv6 address or CIDR`;
    const display = formatCidr(cidr);
    return { kind: 'ip', display, cidr, name: objectName(display) };
  }
  const fqdn = normalizeDomain(text);
  if (typeof fqdn !== 'string' || fqdn === '') return `'${text}' is not a valid domain name`;
  return { kind: 'fqdn', display: fqdn, fqdn, name: objectName(fqdn) };
}

/** `soar-203.0.113.9`, `soar-203.0.113.0_24`, `soar-evil.example.com`; hashed when too long. */
export function objectName(display: string): string {
  const name = OBJECT_PREFIX + display.replace(/\//g, '_');
  if (name.length <= MAX_NAME) return name;
  const digest = createHash('sha256').update(display).digest('hex').slice(0, 10);
  return `${name.slice(0, MAX_NAME - digest.length - 1)}~${digest}`;
}

export function tableOf(target: Target): Table {
  return target.kind === 'ip' && target.cidr.version === 6
    ? 'firewall/address6'
    : 'firewall/address';
}

/** IPv6 objects join an `addrgrp6` group: FortiOS keeps the two families in separate tables. */
export function groupTableOf(target: Target): GroupTable {
  return tableOf(target) === 'firewall/address6' ? 'firewall/addrgrp6' : 'firewall/addrgrp';
}

/** The fields that say what an object matches (name and comment excluded). */
export function objectValue(target: Target): Record<string, string> {
  if (target.kind === 'fqdn') return { type: 'fqdn', fqdn: target.fqdn };
  const { cidr } = target;
  const address = formatIp(cidr.version, cidr.network);
  if (cidr.version === 6) return { type: 'ipprefix', ip6: `${address}/${cidr.prefix}` };
  return { type: 'ipmask', subnet: `${address} ${prefixToMask(cidr.prefix)}` };
}

/** The address an object stands for, as `203.0.113.9`, `203.0.113.0/24` or a domain; null if unknown. */
export function describeObject(object: Record<string, unknown>): string | null {
  const type = typeof object.type === 'string' ? object.type : undefined;
  if (type === 'fqdn' && typeof object.fqdn === 'string') return object.fqdn;
  if (typeof object.subnet === 'string' && (type === undefined || type === 'ipmask')) {
    const [address = '', netmask = '255.255.255.255'] = object.subnet.trim().split(/\s+/);
    const prefix = maskToPrefix(netmask);
    const cidr = prefix === null ? null : parseCidr(`${address}/${prefix}`);
    return cidr ? formatCidr(cidr) : null;
  }
  if (typeof object.ip6 === 'string') {
    const cidr = parseCidr(object.ip6);
    return cidr ? formatCidr(cidr) : null;
  }
  if (type === 'iprange' && typeof object['start-ip'] === 'string') {
    return `${String(object['start-ip'])}-${String(object['end-ip'])}`;
  }
  return null;
}
