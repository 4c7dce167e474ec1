import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { StixContentError } from './errors.js';
import { isRecord } from './is-record.js';

/*
 * A small, typed element tree over fast-xml-parser, for reading feed XML safely:
 *   - any DTD is refused before parsing, so no entity can be declared, expanded or fetched
 *     (XXE, billion laughs); a DTD is never needed for STIX or TAXII;
 *   - only the five predefined entities and character references are decoded, by this module,
 *     so an undeclared entity is an error rather than text passed through;
 *   - elements are matched by local name, since producers choose their own prefixes.
 */

const XSI_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
/** STIX nests a few dozen levels at most; far deeper is an attack on the stack, not content. */
const MAX_DEPTH = 100;
const PREDEFINED_ENTITIES: Readonly<Record<string, string>> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
};

export interface XmlElement {
  /** The name as written, prefix included. */
  name: string;
  /** The name without its namespace prefix. */
  local: string;
  /** Attribute values by name as written, entities decoded. */
  attributes: Readonly<Record<string, string>>;
  children: XmlElement[];
  /** Character data directly inside this element, trimmed, entities decoded, CDATA verbatim. */
  text: string;
  /** Namespace prefixes in scope ('' for the default namespace). */
  namespaces: ReadonlyMap<string, string>;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function positionOf(source: string, index: number): { line: number; column: number } {
  const before = source.slice(0, index);
  const line = before.split('\n').length;
  return { line, column: index - before.lastIndexOf('\n') };
}

function refuseDtd(xml: string): void {
  const match = /<!(DOCTYPE|ENTITY)/i.exec(xml);
  if (!match) return;
  const { line, column } = positionOf(xml, match.index);
  throw new StixContentError(
    'XML_DTD_REFUSED',
    `XML with a DTD (<!${match[1]}> at line ${line}, column ${column}) is refused: ` +
      'feed content never needs one, and its entities can read local files or expand without bound',
    line,
    column,
  );
}

function malformed(message: string, line?: number, column?: number): StixContentError {
  const where = line === undefined ? '' : ` at line ${line}${column ? `, column ${column}` : ''}`;
  return new StixContentError('XML_MALFORMED', `malformed XML${where}: ${message}`, line, column);
}

function decodeCharacterReference(reference: string): string {
  const hex = reference.startsWith('#x');
  const codePoint = Number.parseInt(reference.slice(hex ? 2 : 1), hex ? 16 : 10);
  const allowed =
    codePoint === 0x9 ||
    codePoint === 0xa ||
    codePoint === 0xd ||
    (codePoint >= 0x20 && codePoint <= 0xd7ff) ||
    (codePoint >= 0xe000 && codePoint <= 0xfffd) ||
    (codePoint >= 0x10000 && codePoint <= 0x10ffff);
  if (!allowed) throw malformed(`&${reference}; is not a character XML allows`);
  return String.fromCodePoint(codePoint);
}

function decodeEntities(raw: string): string {
  return raw.replace(/&([^;&<\s]*)(;?)/g, (_match, reference: string, semicolon: string) => {
    if (semicolon === '') throw malformed(`'&' must start a reference such as &amp;`);
    if (/^#(x[0-9a-fA-F]+|[0-9]+)$/.test(reference)) return decodeCharacterReference(reference);
    const entity = PREDEFINED_ENTITIES[reference];
    if (entity === undefined) throw malformed(`&${reference}; is not an entity XML predefines`);
    return entity;
  });
}

function scopeOf(
  attributes: Record<string, string>,
  inherited: ReadonlyMap<string, string>,
): ReadonlyMap<string, string> {
  const declared = Object.entries(attributes).filter(
    ([name]) => name === 'xmlns' || name.startsWith('xmlns:'),
  );
  if (declared.length === 0) return inherited;
  const scope = new Map(inherited);
  for (const [name, uri] of declared) scope.set(name === 'xmlns' ? '' : name.slice(6), uri);
  return scope;
}

function scalarText(value: unknown): string {
  if (typeof value === 'string') return value;
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : '';
}

function cdataText(nodes: unknown): string {
  return (Array.isArray(nodes) ? nodes : [])
    .map((node) => (isRecord(node) ? scalarText(node['#text']) : ''))
    .join('');
}

/** fast-xml-parser's ordered form: `[{ tag: [children], ':@': { attr: value } }, { '#text': … }]`. */
function buildElements(
  nodes: unknown,
  scope: ReadonlyMap<string, string>,
): {
  elements: XmlElement[];
  text: string;
} {
  const elements: XmlElement[] = [];
  let text = '';
  for (const node of Array.isArray(nodes) ? nodes : []) {
    if (!isRecord(node)) continue;
    const name = Object.keys(node).find((key) => key !== ':@');
    if (name === undefined) continue;
    const content = node[name];
    if (name === '#text') {
      text += decodeEntities(scalarText(content));
    } else if (name === '#cdata') {
      text += cdataText(content);
    } else if (!name.startsWith('?')) {
      const rawAttributes = isRecord(node[':@']) ? node[':@'] : {};
      const attributes: Record<string, string> = {};
      for (const [key, value] of Object.entries(rawAttributes)) {
        attributes[key] = decodeEntities(scalarText(value));
      }
      const namespaces = scopeOf(attributes, scope);
      const inner = buildElements(content, namespaces);
      elements.push({
        name,
        local: localName(name),
        attributes,
        children: inner.elements,
        text: inner.text.trim(),
        namespaces,
      });
    }
  }
  return { elements, text };
}

/** Parses a whole document to its root element; throws StixContentError when refused or malformed. */
export function parseXmlDocument(xml: string): XmlElement {
  refuseDtd(xml);
  const verdict = XMLValidator.validate(xml);
  if (verdict !== true) throw malformed(verdict.err.msg, verdict.err.line, verdict.err.col);
  const parser = new XMLParser({
    preserveOrder: true,
    ignoreAttributes: false,
    attributeNamePrefix: '',
    parseTagValue: false,
    parseAttributeValue: false,
    processEntities: false,
    cdataPropName: '#cdata',
    ignoreDeclaration: true,
    ignorePiTags: true,
    trimValues: true,
    maxNestedTags: MAX_DEPTH,
  });
  let parsed: unknown;
  try {
    parsed = parser.parse(xml);
  } catch (error) {
    // The validator passed it, so this is one of the parser's own limits (nesting depth).
    throw malformed(error instanceof Error ? error.message : String(error));
  }
  const { elements } = buildElements(parsed, new Map());
  const [root, ...others] = elements;
  if (root === undefined) throw malformed('no root element');
  if (others.length > 0)
    throw malformed(`more than one root element (<${root.name}>, <${others[0]?.name}>)`);
  return root;
}

export function childElements(element: XmlElement | undefined, local: string): XmlElement[] {
  return element?.children.filter((child) => child.local === local) ?? [];
}

export function firstChild(element: XmlElement | undefined, local: string): XmlElement | undefined {
  return element?.children.find((child) => child.local === local);
}

/** An unprefixed attribute: `color`, `category`, `idref`. */
export function attribute(element: XmlElement, name: string): string | undefined {
  return element.attributes[name];
}

/** The xsi:type as written (`AddressObj:AddressObjectType`), whatever prefix names XSI here. */
export function xsiType(element: XmlElement): string | undefined {
  for (const [name, value] of Object.entries(element.attributes)) {
    const colon = name.indexOf(':');
    if (colon < 0 || name.slice(colon + 1) !== 'type') continue;
    const prefix = name.slice(0, colon);
    const uri = element.namespaces.get(prefix);
    // Some producers use xsi: without declaring it; the conventional prefix is trusted then.
    if (uri === XSI_NAMESPACE || (uri === undefined && prefix === 'xsi')) return value;
  }
  return undefined;
}

/** The type name of an xsi:type without its prefix: `AddressObjectType`. */
export function xsiTypeName(element: XmlElement): string | undefined {
  const type = xsiType(element);
  return type === undefined ? undefined : localName(type);
}
