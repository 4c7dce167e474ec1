/*
 * How the simulator reads a request message. It uses its own parser settings rather than the
 * client's reader, so a mistake in one is not mirrored by the other. Like a libtaxii server
 * it resolves the root element's namespace (a TAXII 1.0 or foreign message is a bad message)
 * and refuses DTDs.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { TAXII_11_NAMESPACE } from './requests.js';

/** The fields of a request message the simulator acts on, as written. */
export interface SimMessage {
  type: string;
  messageId: string;
  collection?: string;
  begin?: string;
  end?: string;
  resultId?: string;
  partNumber?: string;
  allowAsynch?: string;
  responseType?: string;
}

export type ReadResult = { message: SimMessage } | { error: string; messageId?: string };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
});

type Node = Record<string, unknown>;

export function readRequest(body: string): ReadResult {
  if (/<!DOCTYPE|<!ENTITY/i.test(body)) return { error: 'DTDs are not accepted' };
  if (XMLValidator.validate(body) !== true) return { error: 'The message is not well-formed XML' };
  let document: Node;
  try {
    document = parser.parse(body) as Node;
  } catch (error) {
    return { error: `Unreadable message: ${(error as Error).message}` };
  }
  const rootName = Object.keys(document).find((key) => !key.startsWith('?'));
  const root = rootName === undefined ? undefined : asNode(document[rootName]);
  if (rootName === undefined || root === undefined) return { error: 'No root element' };
  const colon = rootName.indexOf(':');
  const prefix = colon < 0 ? '' : rootName.slice(0, colon);
  const namespace = text(root[prefix === '' ? '@_xmlns' : `@_xmlns:${prefix}`]);
  const messageId = text(root['@_message_id']);
  if (namespace !== TAXII_11_NAMESPACE) {
    return {
      error: `Not a TAXII 1.1 message (namespace ${namespace ?? 'none'})`,
      ...(messageId ? { messageId } : {}),
    };
  }
  if (messageId === undefined || messageId === '')
    return { error: 'The message has no message_id' };
  const parameters = asNode(field(root, 'Poll_Parameters'));
  const message: SimMessage = { type: rootName.slice(colon + 1), messageId };
  const optional: [keyof SimMessage, string | undefined][] = [
    ['collection', text(root['@_collection_name'])],
    ['begin', text(field(root, 'Exclusive_Begin_Timestamp'))],
    ['end', text(field(root, 'Inclusive_End_Timestamp'))],
    ['resultId', text(root['@_result_id'])],
    ['partNumber', text(root['@_result_part_number'])],
    ['allowAsynch', parameters === undefined ? undefined : text(parameters['@_allow_asynch'])],
    [
      'responseType',
      parameters === undefined ? undefined : text(field(parameters, 'Response_Type')),
    ],
  ];
  for (const [key, value] of optional) if (value !== undefined) message[key] = value;
  return { message };
}

/** A child element by local name. */
function field(node: Node, local: string): unknown {
  const key = Object.keys(node).find(
    (name) => !name.startsWith('@_') && name.slice(name.indexOf(':') + 1) === local,
  );
  return key === undefined ? undefined : node[key];
}

function asNode(value: unknown): Node | undefined {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Node;
  // An element without attributes or children parses as its text.
  return typeof value === 'string' ? {} : undefined;
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value.trim();
  if (typeof value === 'object' && value !== null && '#text' in value) {
    const inner = (value as Node)['#text'];
    return typeof inner === 'string' ? inner.trim() : undefined;
  }
  return undefined;
}
