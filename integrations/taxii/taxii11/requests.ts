/*
 * The request messages of the TAXII 1.1 XML binding. Each carries a fresh random message_id
 * (a response names it in in_response_to); every value is escaped, a collection name
 * included, since servers let users choose those.
 */
import { randomUUID } from 'node:crypto';
import { escapeXml } from './escape.js';
import { formatTimestamp } from './timestamps.js';

export const TAXII_11_NAMESPACE = 'http://taxii.mitre.org/messages/taxii_xml_binding-1.1';

export interface RequestMessage {
  messageId: string;
  /** The local name of the root element. */
  type: string;
  xml: string;
}

export function discoveryRequest(): RequestMessage {
  return message('Discovery_Request', {}, '');
}

export function collectionInformationRequest(): RequestMessage {
  return message('Collection_Information_Request', {}, '');
}

export interface PollWindow {
  collection: string;
  /** Content labelled after this instant (exclusive). */
  begin?: Date;
  /** Content labelled up to this instant (inclusive). */
  end?: Date;
}

export function pollRequest(window: PollWindow): RequestMessage {
  const begin =
    window.begin === undefined
      ? ''
      : element('Exclusive_Begin_Timestamp', formatTimestamp(window.begin));
  const end =
    window.end === undefined ? '' : element('Inclusive_End_Timestamp', formatTimestamp(window.end));
  // Synchronous, full results: an asynchronous poll would need a second round trip later.
  const parameters =
    '<taxii_11:Poll_Parameters allow_asynch="false">' +
    element('Response_Type', 'FULL') +
    '</taxii_11:Poll_Parameters>';
  return message('Poll_Request', { collection_name: window.collection }, begin + end + parameters);
}

export interface FulfillmentPart {
  collection: string;
  resultId: string;
  partNumber: number;
}

export function pollFulfillmentRequest(part: FulfillmentPart): RequestMessage {
  return message(
    'Poll_Fulfillment',
    {
      collection_name: part.collection,
      result_id: part.resultId,
      result_part_number: String(part.partNumber),
    },
    '',
  );
}

function message(type: string, attributes: Record<string, string>, body: string): RequestMessage {
  const messageId = randomUUID();
  const attrs = Object.entries({ message_id: messageId, ...attributes })
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('');
  const open = `<taxii_11:${type} xmlns:taxii_11="${TAXII_11_NAMESPACE}"${attrs}`;
  const xml = `<?xml version="1.0" encoding="UTF-8"?>\n${body === '' ? `${open}/>` : `${open}>${body}</taxii_11:${type}>`}`;
  return { messageId, type, xml };
}

function element(name: string, text: string): string {
  return `<taxii_11:${name}>${escapeXml(text)}</taxii_11:${name}>`;
}
