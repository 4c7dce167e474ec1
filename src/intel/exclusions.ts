/*
 * Values a verdict must never flag: our own ranges, partners, the CDN in front of us. Entries
 * are read exactly as the FortiGate never-block guard reads its list (its parsers, a leading
 * `*.` or `.` dropped, a domain covering its subdomains, a prefix matching whatever overlaps
 * it), so one configured list can feed both. Unlike the guard there are no built-in entries:
 * private and reserved ranges are a blocking concern, and intel about them is still intel.
 */
import { overlaps, parseCidr, type Cidr } from '../net/ip.js';
import { normalizeDomain } from '../net/domain.js';
import type { IndicatorType } from './model.js';
import { formatNetwork, normalizeIndicator, urlHost } from './normalize.js';

/** A configured entry: a bare value, or a value with the reason it is excluded. */
export type ExclusionEntry = string | { value: string; reason?: string };

export type ExclusionRule =
  | { kind: 'cidr'; cidr: Cidr; entry: string; index: number; reason: string }
  | { kind: 'domain'; domain: string; entry: string; index: number; reason: string };

export interface ExclusionHit {
  /** The entry as configured, and its position in the list. */
  entry: string;
  index: number;
  reason: string;
}

export class InvalidExclusionError extends Error {
  override readonly name = 'InvalidExclusionError';
  readonly code = 'INVALID_EXCLUSION';
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(message);
  }
}

export class ExclusionList {
  private constructor(readonly rules: readonly ExclusionRule[]) {}

  /**
   * Parses IPs, CIDRs and domains. Throws InvalidExclusionError naming the first bad entry as
   * `<where>[<index>]`, `where` being the setting the list came from.
   */
  static build(entries: readonly ExclusionEntry[], where = 'exclusions'): ExclusionList {
    const rules = entries.map((item, index): ExclusionRule => {
      const entry = typeof item === 'string' ? item : item.value;
      const reason =
        (typeof item === 'string' ? undefined : item.reason) ?? `on the exclusion list (${entry})`;
      const text = entry.trim().replace(/^\*?\./, '');
      const looksLikeIp = /^[\d.]+(\/\d+)?$/.test(text) || text.includes(':');
      const cidr = looksLikeIp ? parseCidr(text) : null;
      if (cidr) return { kind: 'cidr', cidr, entry, index, reason };
      const domain = looksLikeIp ? null : normalizeDomain(text);
      if (domain) return { kind: 'domain', domain, entry, index, reason };
      throw new InvalidExclusionError(
        index,
        `${where}[${index}]: '${entry}' is not an IP address, CIDR or domain name`,
      );
    });
    return new ExclusionList(rules);
  }

  get size(): number {
    return this.rules.length;
  }

  /**
   * The entry that excludes the value, or null. An ip or cidr is excluded by an overlapping
   * prefix, a domain by itself or a parent, a url or email by its host. Hashes never are.
   */
  match(type: IndicatorType, value: string): ExclusionHit | null {
    const subject = subjectOf(type, value);
    if (!subject) return null;
    const rule = this.rules.find((candidate) =>
      subject.kind === 'cidr'
        ? candidate.kind === 'cidr' && overlaps(subject.cidr, candidate.cidr)
        : candidate.kind === 'domain' &&
          (subject.domain === candidate.domain || subject.domain.endsWith(`.${candidate.domain}`)),
    );
    if (!rule) return null;
    const what =
      rule.kind === 'cidr' ? formatNetwork(rule.cidr) : `${rule.domain} and its subdomains`;
    return { entry: rule.entry, index: rule.index, reason: `${rule.reason}: covers ${what}` };
  }
}

type Subject = { kind: 'cidr'; cidr: Cidr } | { kind: 'domain'; domain: string };

function subjectOf(type: IndicatorType, value: string): Subject | null {
  const normalized = normalizeIndicator(type, value);
  if (!normalized.ok) return null;
  switch (normalized.type) {
    case 'ip':
    case 'cidr': {
      const cidr = parseCidr(normalized.value);
      return cidr ? { kind: 'cidr', cidr } : null;
    }
    case 'domain':
      return { kind: 'domain', domain: normalized.value };
    case 'url': {
      const host = urlHost(normalized.value);
      return host ? subjectOf(host.type, host.value) : null;
    }
    case 'email':
      return {
        kind: 'domain',
        domain: normalized.value.slice(normalized.value.lastIndexOf('@') + 1),
      };
    default:
      return null;
  }
}
