/*
 * The shared vocabulary of threat intelligence: what an indicator is, where a statement about
 * it came from, and what a lookup answers. Feeds (TAXII/STIX), the store, lookups and
 * extraction from free text all speak these types.
 */

/**
 * ip and cidr cover IPv4 and IPv6; a /32 or /128 prefix is an ip. Hashes are lower-case hex.
 * Domains are lower-case, without a trailing dot; urls keep their path and query.
 */
export type IndicatorType = 'ip' | 'cidr' | 'domain' | 'url' | 'email' | 'md5' | 'sha1' | 'sha256';

export const INDICATOR_TYPES: readonly IndicatorType[] = [
  'ip',
  'cidr',
  'domain',
  'url',
  'email',
  'md5',
  'sha1',
  'sha256',
];

/** Traffic Light Protocol 2.0 names; TLP 1.0 WHITE is read as clear. */
export type Tlp = 'clear' | 'green' | 'amber' | 'amber+strict' | 'red';

/** What one source says about an indicator (a STIX indicator, an SCO, a STIX 1.x observable). */
export interface SourceFacts {
  /** STIX 2.1 object id, or the STIX 1.x indicator/observable id, when there is one. */
  stix_id?: string;
  /** 0–100. */
  confidence?: number;
  tlp?: Tlp;
  /** ISO-8601 instants. */
  valid_from?: string;
  valid_until?: string;
  /** Indicator name or STIX 1.x Title. */
  title?: string;
  /** indicator_types, STIX 1.x indicator Type, labels. */
  labels?: string[];
}

/** An IOC found in a feed object, before normalisation by the store. */
export interface ExtractedIndicator {
  type: IndicatorType;
  value: string;
  facts: SourceFacts;
}

/** A feed object or pattern that could not be reduced to plain IOCs: counted, never dropped silently. */
export interface UnsupportedObject {
  stix_id?: string;
  /** The pattern or object type as given. */
  what: string;
  reason: string;
}

/** What extraction from one batch of feed content produced. */
export interface Extraction {
  indicators: ExtractedIndicator[];
  unsupported: UnsupportedObject[];
  /** Objects looked at (indicators, SCOs, observables; other object types included). */
  objects: number;
}
