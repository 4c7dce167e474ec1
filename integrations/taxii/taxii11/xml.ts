/*
 * TAXII 1.1 XML in and out. Parsing refuses any DTD first (see dtd-guard.ts), checks
 * well-formedness, then builds a small element tree matched on local names: servers write
 * `taxii_11:`, `taxii:`, `t:` or a default namespace. Entities are decoded here, not by the
 * parser: only the five predefined ones and character references exist without a DTD, and
 * anything else is malformed. `Content` elements are kept as raw markup so the STIX package
 * inside can be handed on exactly as the server wrote it.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { refuseDtd } from './dtd-guard.js';
import { TaxiiError } from './errors.js';

export { escapeXml } from './escape.js';
export {
  collectionInformationRequest,
  discoveryRequest,
  pollFulfillmentRequest,
  pollRequest,
  TAXII_11_NAMESPACE,
  type RequestMessage,
} from './requests.js';

export interface XmlElement {
  /** The local name; the prefix a producer chose is dropped. */
  readonly name: string;
  /** Attributes under their names as written (`binding_id`, `xsi:type`), values decoded. */
  readonly attributes: ReadonlyMap<string, string>;
  readonly children: readonly XmlElement[];
  /** Text directly inside, entities decoded, CDATA included. */
  readonly text: string;
  /** Inner markup exactly as sent, for elements kept unparsed (`Content`). */
  readonly raw?: string;
  /** Namespace declarations in scope: prefix ('' for the default namespace) → URI. */
  readonly namespaces: ReadonlyMap<string, string>;
}

const RAW_ELEMENTS = ['Content'];

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: false,
  cdataPropName: '#cdata',
  transformTagName: localName,
  stopNodes: RAW_ELEMENTS.map((name) => `..${name}`),
});

/** The root element of `text`; `context` names the document in error messages. */
export function parseXml(text: string, context: string): XmlElement {
  refuseDtd(text, context);
  const verdict = XMLValidator.validate(text);
  if (verdict !== true) {
    const { msg, line, col } = verdict.err;
    const trimmed = text.trim();
    // Nothing, or a document that starts as XML and stops before its root closes: cut in transit.
    const truncated =
      trimmed === '' ||
      (trimmed.startsWith('<') && (!trimmed.endsWith('>') || /unclosed tag/i.test(msg)));
    const what =
      trimmed === ''
        ? 'the document is empty'
        : truncated
          ? `the XML ends early (truncated?): ${msg}`
          : `not well-formed XML: ${msg}`;
    throw malformed(`${context}: ${what} (line ${line}, column ${col})`, truncated);
  }
  let nodes: unknown;
  try {
    nodes = parser.parse(text);
  } catch (error) {
    throw malformed(`${context}: unreadable XML: ${(error as Error).message}`, false);
  }
  const roots = toElements(nodes, new Map(), context);
  const root = roots[0];
  if (root === undefined || roots.length > 1) {
    throw malformed(`${context}: an XML document has exactly one root element`, false);
  }
  return root;
}

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/** Decodes predefined entities and character references; throws on anything else. */
export function decodeEntities(text: string, context: string): string {
  return text.replace(/&([^;&\s]{0,32});?/g, (whole, name: string) => {
    const predefined = PREDEFINED[name];
    if (predefined !== undefined && whole.endsWith(';')) return predefined;
    const code = /^#x[0-9a-f]+$/i.test(name)
      ? parseInt(name.slice(2), 16)
      : /^#[0-9]+$/.test(name)
        ? parseInt(name.slice(1), 10)
        : NaN;
    if (whole.endsWith(';') && isXmlChar(code)) return String.fromCodePoint(code);
    throw malformed(`${context}: invalid entity reference '${whole.slice(0, 40)}'`, false);
  });
}

function isXmlChar(code: number): boolean {
  return (
    code === 0x9 ||
    code === 0xa ||
    code === 0xd ||
    (code >= 0x20 && code <= 0xd7ff) ||
    (code >= 0xe000 && code <= 0xfffd) ||
    (code >= 0x10000 && code <= 0x10ffff)
  );
}

export function child(element: XmlElement, name: string): XmlElement | undefined {
  return element.children.find((c) => c.name === name);
}

export function childrenNamed(element: XmlElement, name: string): XmlElement[] {
  return element.children.filter((c) => c.name === name);
}

/** Trimmed text of the first child called `name`, or undefined without one. */
export function childText(element: XmlElement, name: string): string | undefined {
  const found = child(element, name);
  return found === undefined ? undefined : found.text.trim();
}

/** An attribute by local name, whatever prefix it was written with. */
export function attribute(element: XmlElement, name: string): string | undefined {
  const exact = element.attributes.get(name);
  if (exact !== undefined) return exact;
  for (const [written, value] of element.attributes) if (localName(written) === name) return value;
  return undefined;
}

function localName(name: string): string {
  return name.slice(name.indexOf(':') + 1);
}

function malformed(message: string, retryable: boolean): TaxiiError {
  return new TaxiiError(message, { code: 'XML_MALFORMED', retryable });
}

/** Elements from the parser's ordered output: `[{tag: [...children], ':@': {attrs}}, {'#text': ...}]`. */
function toElements(
  nodes: unknown,
  inherited: ReadonlyMap<string, string>,
  context: string,
): XmlElement[] {
  if (!Array.isArray(nodes)) return [];
  const elements: XmlElement[] = [];
  for (const node of nodes as Record<string, unknown>[]) {
    const name = Object.keys(node).find((key) => key !== ':@');
    if (name === undefined || name.startsWith('#') || name.startsWith('?')) continue;
    const attributes = new Map<string, string>();
    const namespaces = new Map(inherited);
    for (const [written, value] of Object.entries((node[':@'] ?? {}) as Record<string, string>)) {
      const decoded = decodeEntities(value, context);
      attributes.set(written, decoded);
      if (written === 'xmlns') namespaces.set('', decoded);
      else if (written.startsWith('xmlns:')) namespaces.set(written.slice(6), decoded);
    }
    const content = node[name];
    const children = toElements(content, namespaces, context);
    const element: XmlElement = { name, attributes, children, text: '', namespaces };
    if (RAW_ELEMENTS.includes(name)) {
      elements.push({ ...element, raw: textOf(content, context, false) });
    } else {
      elements.push({ ...element, text: textOf(content, context, true) });
    }
  }
  return elements;
}

function textOf(nodes: unknown, context: string, decode: boolean): string {
  if (!Array.isArray(nodes)) return '';
  let text = '';
  for (const node of nodes as Record<string, unknown>[]) {
    const value = node['#text'];
    if (typeof value === 'string') text += decode ? decodeEntities(value, context) : value;
    else if (node['#cdata'] !== undefined) text += textOf(node['#cdata'], context, false);
  }
  return text;
}
