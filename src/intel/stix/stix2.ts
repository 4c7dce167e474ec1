import type { Extraction, SourceFacts, Tlp } from '../model.js';
import { classifyHash, hashAlgorithm, type ValueClassification } from './ioc-values.js';
import { isRecord } from './is-record.js';
import { parsePattern, StixPatternError } from './pattern.js';
import { reducePattern, type PatternReduction } from './reduce.js';
import { collectTlpMarkings, tlpOfObject, type TlpMarkings } from './stix2-markings.js';
import { classifyObservableValue, hasIocValue } from './stix2-observables.js';

/*
 * IOCs from STIX 2.1 objects: indicators whose STIX pattern reduces to plain IOCs (see
 * reduce.ts), and SCOs that carry a value or file hashes. Other object types (relationship,
 * malware, report, identity, marking-definition …) are counted and otherwise left alone.
 */

type StixObject = Record<string, unknown>;

function text(object: StixObject, key: string): string | undefined {
  const value = object[key];
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function texts(object: StixObject, key: string): string[] {
  const value = object[key];
  return Array.isArray(value)
    ? value.filter((item): item is string => typeof item === 'string')
    : [];
}

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

function indicatorFacts(indicator: StixObject, tlp: Tlp | undefined): SourceFacts {
  const facts: SourceFacts = {};
  const id = text(indicator, 'id');
  if (id) facts.stix_id = id;
  const confidence = indicator.confidence;
  if (Number.isInteger(confidence) && Number(confidence) >= 0 && Number(confidence) <= 100) {
    facts.confidence = Number(confidence);
  }
  if (tlp) facts.tlp = tlp;
  const validFrom = text(indicator, 'valid_from');
  if (validFrom) facts.valid_from = validFrom;
  const validUntil = text(indicator, 'valid_until');
  if (validUntil) facts.valid_until = validUntil;
  const name = text(indicator, 'name');
  if (name) facts.title = name;
  const labels = [
    ...new Set([...texts(indicator, 'indicator_types'), ...texts(indicator, 'labels')]),
  ];
  if (labels.length > 0) facts.labels = labels;
  return facts;
}

function reduceIndicatorPattern(pattern: string): PatternReduction {
  try {
    return reducePattern(parsePattern(pattern));
  } catch (error) {
    if (error instanceof StixPatternError) return { reducible: false, reason: error.message };
    throw error;
  }
}

function extractIndicator(indicator: StixObject, markings: TlpMarkings, into: Extraction): void {
  const stixId = text(indicator, 'id');
  const pattern = text(indicator, 'pattern');
  const unsupported = (what: string, reason: string): void => {
    into.unsupported.push({ ...(stixId ? { stix_id: stixId } : {}), what, reason });
  };
  if (pattern === undefined) return unsupported('indicator', 'indicator has no pattern');
  if (indicator.revoked === true) return unsupported(pattern, 'indicator is revoked');
  // STIX 2.0 indicators have no pattern_type: their patterns are all STIX patterns.
  const patternType = indicator.pattern_type ?? 'stix';
  if (patternType !== 'stix') {
    return unsupported(
      pattern,
      `pattern_type ${JSON.stringify(patternType)} is not a STIX pattern`,
    );
  }
  const reduction = reduceIndicatorPattern(pattern);
  if (!reduction.reducible) return unsupported(pattern, reduction.reason);
  const tlp = tlpOfObject(indicator, markings);
  for (const ioc of reduction.iocs) {
    // A literal of fixed shape: every extracted indicator then shares one hidden class.
    into.indicators.push({
      type: ioc.type,
      value: ioc.value,
      facts: indicatorFacts(indicator, tlp),
    });
  }
}

function observableFacts(observable: StixObject, markings: TlpMarkings): SourceFacts {
  const facts: SourceFacts = {};
  const id = text(observable, 'id');
  if (id) facts.stix_id = id;
  const tlp = tlpOfObject(observable, markings);
  if (tlp) facts.tlp = tlp;
  return facts;
}

function extractFileHashes(file: StixObject, markings: TlpMarkings, into: Extraction): void {
  const stixId = text(file, 'id');
  const idFact = stixId ? { stix_id: stixId } : {};
  const hashes = isRecord(file.hashes) ? file.hashes : {};
  let found = 0;
  for (const [name, value] of Object.entries(hashes)) {
    const algorithm = hashAlgorithm(name);
    if (algorithm === undefined || typeof value !== 'string') continue;
    found += 1;
    const classified = classifyHash(algorithm, value);
    if (classified.ok) {
      const { type, value: hash } = classified;
      into.indicators.push({ type, value: hash, facts: observableFacts(file, markings) });
    } else {
      into.unsupported.push({ ...idFact, what: 'file', reason: classified.reason });
    }
  }
  if (found === 0) {
    into.unsupported.push({
      ...idFact,
      what: 'file',
      reason: 'file has no MD5, SHA-1 or SHA-256 hash',
    });
  }
}

function extractValueObservable(
  observable: StixObject,
  type: string,
  markings: TlpMarkings,
  into: Extraction,
): void {
  const stixId = text(observable, 'id');
  const idFact = stixId ? { stix_id: stixId } : {};
  const value = observable.value;
  const classified: ValueClassification =
    typeof value !== 'string'
      ? { ok: false, reason: `${type} has no value` }
      : (classifyObservableValue(type, value) ?? { ok: false, reason: `${type} holds no IOC` });
  if (classified.ok) {
    const { type: iocType, value: iocValue } = classified;
    into.indicators.push({
      type: iocType,
      value: iocValue,
      facts: observableFacts(observable, markings),
    });
  } else {
    into.unsupported.push({ ...idFact, what: type, reason: classified.reason });
  }
}

/**
 * IOCs from a batch of STIX 2.1 objects: a TAXII 2.1 objects page or a bundle's `objects`.
 * TLP comes from `object_marking_refs`, resolved against the fixed TLP 1.0 and 2.0 marking
 * definitions and any TLP marking-definition objects in the same batch.
 */
export function extractStix2(objects: unknown[]): Extraction {
  const markings = collectTlpMarkings(objects);
  const extraction: Extraction = { indicators: [], unsupported: [], objects: objects.length };
  for (const object of objects) {
    if (!isRecord(object)) {
      extraction.unsupported.push({
        what: kindOf(object),
        reason: 'a STIX object must be a JSON object',
      });
      continue;
    }
    const type = text(object, 'type');
    if (type === undefined) {
      const stixId = text(object, 'id');
      extraction.unsupported.push({
        ...(stixId ? { stix_id: stixId } : {}),
        what: 'object',
        reason: 'STIX object has no type',
      });
    } else if (type === 'indicator') {
      extractIndicator(object, markings, extraction);
    } else if (type === 'file') {
      extractFileHashes(object, markings, extraction);
    } else if (hasIocValue(type)) {
      extractValueObservable(object, type, markings, extraction);
    }
  }
  return extraction;
}
