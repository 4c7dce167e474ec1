import type { SourceFacts, Tlp } from '../model.js';
import { mostRestrictive, tlpFromName } from './tlp.js';
import { attribute, childElements, firstChild, xsiTypeName, type XmlElement } from './xml-tree.js';

/*
 * What a STIX 1.x package says about its indicators: TLP from Handling markings, the
 * indicator's Title, Type, Confidence and Valid_Time_Position.
 */

/**
 * STIX 1.x confidence is mostly the HighMediumLow vocabulary, read with the "None, Low, Med,
 * High" scale of STIX 2.1 (appendix A): None → 0, Low → 15, Medium → 50, High → 85, the middle
 * of the bands 1–29, 30–69 and 70–100. Producers using a percentage give the number itself;
 * Unknown gives no confidence.
 */
const CONFIDENCE_WORDS: Readonly<Record<string, number>> = {
  none: 0,
  low: 15,
  medium: 50,
  high: 85,
};

/** The strictest TLP of the `TLPMarkingStructureType` markings inside a Handling element. */
export function tlpOfHandling(handling: XmlElement | undefined): Tlp | undefined {
  const tlps: Tlp[] = [];
  for (const marking of handling ? childElements(handling, 'Marking') : []) {
    for (const structure of childElements(marking, 'Marking_Structure')) {
      const color = attribute(structure, 'color');
      if (xsiTypeName(structure) !== 'TLPMarkingStructureType' || color === undefined) continue;
      const tlp = tlpFromName(color);
      if (tlp) tlps.push(tlp);
    }
  }
  return mostRestrictive(tlps);
}

function confidenceOf(indicator: XmlElement): number | undefined {
  const text = firstChild(firstChild(indicator, 'Confidence'), 'Value')?.text;
  if (text === undefined || text === '') return undefined;
  const word = CONFIDENCE_WORDS[text.toLowerCase()];
  if (word !== undefined) return word;
  const percent = Number(text.replace(/%$/, ''));
  return Number.isFinite(percent) && percent >= 0 && percent <= 100
    ? Math.round(percent)
    : undefined;
}

function nonEmpty(text: string | undefined): string | undefined {
  return text === undefined || text === '' ? undefined : text;
}

/** Facts of an Indicator; the package's header TLP applies unless the indicator's is stricter. */
export function indicatorFacts(indicator: XmlElement, headerTlp: Tlp | undefined): SourceFacts {
  const facts: SourceFacts = {};
  const id = attribute(indicator, 'id');
  if (id) facts.stix_id = id;
  const confidence = confidenceOf(indicator);
  if (confidence !== undefined) facts.confidence = confidence;
  const tlp = mostRestrictive(
    [headerTlp, tlpOfHandling(firstChild(indicator, 'Handling'))].filter(
      (candidate): candidate is Tlp => candidate !== undefined,
    ),
  );
  if (tlp) facts.tlp = tlp;
  const validity = firstChild(indicator, 'Valid_Time_Position');
  const validFrom = nonEmpty(firstChild(validity, 'Start_Time')?.text);
  if (validFrom) facts.valid_from = validFrom;
  const validUntil = nonEmpty(firstChild(validity, 'End_Time')?.text);
  if (validUntil) facts.valid_until = validUntil;
  const title = nonEmpty(firstChild(indicator, 'Title')?.text);
  if (title) facts.title = title;
  const labels = [...new Set(childElements(indicator, 'Type').map((type) => type.text))].filter(
    (label) => label !== '',
  );
  if (labels.length > 0) facts.labels = labels;
  return facts;
}

/** Facts of an Observable that no indicator refers to: its id, its Title and the package TLP. */
export function observableFacts(observable: XmlElement, headerTlp: Tlp | undefined): SourceFacts {
  const facts: SourceFacts = {};
  const id = attribute(observable, 'id');
  if (id) facts.stix_id = id;
  if (headerTlp) facts.tlp = headerTlp;
  const title = nonEmpty(firstChild(observable, 'Title')?.text);
  if (title) facts.title = title;
  return facts;
}
