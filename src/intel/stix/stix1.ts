import type { Extraction, IndicatorType, SourceFacts, Tlp } from '../model.js';
import { StixContentError } from './errors.js';
import { indicatorFacts, observableFacts, tlpOfHandling } from './stix1-facts.js';
import { readObjectProperties } from './stix1-objects.js';
import {
  attribute,
  childElements,
  firstChild,
  parseXmlDocument,
  xsiType,
  type XmlElement,
} from './xml-tree.js';

/*
 * IOCs from STIX 1.1.1 and 1.2 packages, as TAXII 1.1 Content_Blocks carry them. Indicators
 * give their observables (inline, by idref, or as an OR composition) with the indicator's
 * facts; observables of the package that nothing refers to stand on their own. An AND
 * composition, like an AND between STIX 2.1 observations, names no single IOC and is reported.
 */

/** Beyond this, compositions and idrefs are taken to loop rather than nest. */
const MAX_OBSERVABLE_DEPTH = 32;

interface PackageScope {
  byId: ReadonlyMap<string, XmlElement>;
}

/** Where the findings of one indicator, or one free-standing observable, go. */
interface Findings {
  indicator(type: IndicatorType, value: string, observableId: string | undefined): void;
  unsupported(what: string, reason: string, observableId: string | undefined): void;
}

function findingsFor(into: Extraction, facts: SourceFacts): Findings {
  const stixIdFor = (observableId: string | undefined) => facts.stix_id ?? observableId;
  return {
    indicator(type, value, observableId) {
      const stixId = stixIdFor(observableId);
      into.indicators.push({
        type,
        value,
        facts: {
          ...facts,
          ...(facts.labels ? { labels: [...facts.labels] } : {}),
          ...(stixId ? { stix_id: stixId } : {}),
        },
      });
    },
    unsupported(what, reason, observableId) {
      const stixId = stixIdFor(observableId);
      into.unsupported.push({ ...(stixId ? { stix_id: stixId } : {}), what, reason });
    },
  };
}

function indexIds(element: XmlElement, byId: Map<string, XmlElement>, idrefs: Set<string>): void {
  const id = attribute(element, 'id');
  if (id !== undefined && !byId.has(id)) byId.set(id, element);
  const idref = attribute(element, 'idref');
  if (idref !== undefined) idrefs.add(idref);
  for (const child of element.children) indexIds(child, byId, idrefs);
}

/** The element an `idref` points to, or the element itself; a string says why it is missing. */
function resolve(element: XmlElement, scope: PackageScope): XmlElement | string {
  const idref = attribute(element, 'idref');
  if (idref === undefined) return element;
  return scope.byId.get(idref) ?? `idref ${idref} is not defined in this package`;
}

function walkObject(
  reference: XmlElement,
  scope: PackageScope,
  findings: Findings,
  observableId: string | undefined,
): void {
  const object = resolve(reference, scope);
  if (typeof object === 'string') return findings.unsupported('Object', object, observableId);
  const properties = firstChild(object, 'Properties');
  if (properties === undefined) {
    return findings.unsupported('Object', 'object has no Properties', observableId);
  }
  const reading = readObjectProperties(properties);
  for (const result of reading.results) {
    if (result.ok) findings.indicator(result.type, result.value, observableId);
    else findings.unsupported(reading.what, result.reason, observableId);
  }
}

function walkObservable(
  reference: XmlElement,
  scope: PackageScope,
  findings: Findings,
  depth: number,
): void {
  const observable = resolve(reference, scope);
  if (typeof observable === 'string') {
    return findings.unsupported('Observable', observable, attribute(reference, 'idref'));
  }
  const observableId = attribute(observable, 'id');
  if (depth > MAX_OBSERVABLE_DEPTH) {
    return findings.unsupported(
      'Observable',
      'observables nest too deeply or refer to themselves',
      observableId,
    );
  }
  const composition = firstChild(observable, 'Observable_Composition');
  if (composition !== undefined) {
    const operator = attribute(composition, 'operator') ?? 'no';
    if (operator !== 'OR') {
      const reason = `${operator} operator: only the members of an OR composition are IOCs on their own`;
      return findings.unsupported('Observable_Composition', reason, observableId);
    }
    for (const member of childElements(composition, 'Observable')) {
      walkObservable(member, scope, findings, depth + 1);
    }
    return;
  }
  const object = firstChild(observable, 'Object');
  if (object === undefined) {
    const reason = 'observable has no Object: events and other observations are not IOCs';
    return findings.unsupported('Observable', reason, observableId);
  }
  walkObject(object, scope, findings, observableId);
}

function reportIndicatorWithoutObservable(indicator: XmlElement, findings: Findings): void {
  if (firstChild(indicator, 'Composite_Indicator_Expression')) {
    const reason = 'a composite indicator combines other indicators and is no plain IOC';
    return findings.unsupported('Composite_Indicator_Expression', reason, undefined);
  }
  const mechanism = firstChild(firstChild(indicator, 'Test_Mechanisms'), 'Test_Mechanism');
  if (mechanism) {
    const reason = 'a test mechanism (Snort, YARA, OpenIOC …) is no plain IOC';
    return findings.unsupported(xsiType(mechanism) ?? mechanism.name, reason, undefined);
  }
  findings.unsupported(
    xsiType(indicator) ?? indicator.name,
    'indicator has no observable',
    undefined,
  );
}

function extractIndicator(
  reference: XmlElement,
  scope: PackageScope,
  headerTlp: Tlp | undefined,
  into: Extraction,
): void {
  const indicator = resolve(reference, scope);
  if (typeof indicator === 'string') {
    return findingsFor(into, {}).unsupported('Indicator', indicator, attribute(reference, 'idref'));
  }
  const findings = findingsFor(into, indicatorFacts(indicator, headerTlp));
  const observables = childElements(indicator, 'Observable');
  if (observables.length === 0) return reportIndicatorWithoutObservable(indicator, findings);
  for (const observable of observables) walkObservable(observable, scope, findings, 0);
}

/** Every top-level construct of the package: indicators, observables, TTPs, incidents … */
function countConstructs(stixPackage: XmlElement): number {
  return stixPackage.children
    .filter((container) => container.local !== 'STIX_Header')
    .reduce((count, container) => count + container.children.length, 0);
}

/** Referred to by an indicator or a composition: extracted there, with that context. */
function isReferenced(observable: XmlElement, idrefs: ReadonlySet<string>): boolean {
  const ids = [observable, firstChild(observable, 'Object')].map(
    (element) => element && attribute(element, 'id'),
  );
  return ids.some((id) => id !== undefined && idrefs.has(id));
}

function extractPackage(stixPackage: XmlElement, into: Extraction): void {
  const byId = new Map<string, XmlElement>();
  const idrefs = new Set<string>();
  indexIds(stixPackage, byId, idrefs);
  const scope: PackageScope = { byId };
  const headerTlp = tlpOfHandling(firstChild(firstChild(stixPackage, 'STIX_Header'), 'Handling'));
  into.objects += countConstructs(stixPackage);
  for (const indicator of childElements(firstChild(stixPackage, 'Indicators'), 'Indicator')) {
    extractIndicator(indicator, scope, headerTlp, into);
  }
  for (const observable of childElements(firstChild(stixPackage, 'Observables'), 'Observable')) {
    if (isReferenced(observable, idrefs)) continue;
    walkObservable(observable, scope, findingsFor(into, observableFacts(observable, headerTlp)), 0);
  }
}

function findPackages(element: XmlElement): XmlElement[] {
  if (element.local === 'STIX_Package') return [element];
  return element.children.flatMap(findPackages);
}

/**
 * IOCs from STIX 1.1.1 or 1.2 XML: a `STIX_Package`, or any document holding packages (a
 * TAXII 1.1 Poll_Response with its Content_Blocks). Throws StixContentError when the XML has
 * a DTD (XML_DTD_REFUSED), is not well-formed (XML_MALFORMED) or holds no package
 * (STIX_PACKAGE_MISSING).
 */
export function extractStix1(xml: string): Extraction {
  const root = parseXmlDocument(xml);
  const packages = findPackages(root);
  if (packages.length === 0) {
    throw new StixContentError(
      'STIX_PACKAGE_MISSING',
      `no STIX_Package in this document (its root element is <${root.name}>)`,
    );
  }
  const extraction: Extraction = { indicators: [], unsupported: [], objects: 0 };
  for (const stixPackage of packages) extractPackage(stixPackage, extraction);
  return extraction;
}
