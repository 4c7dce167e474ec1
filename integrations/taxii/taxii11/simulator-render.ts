/*
 * The simulator's response messages, written the way libtaxii-based servers write them:
 * a `taxii_11` prefix (configurable, '' for a default namespace), timestamps with
 * microseconds and `+00:00` or ISO 8601 with `Z`, STIX packages inline in Content (or
 * escaped, or in CDATA, as some producers do).
 */
import { randomUUID } from 'node:crypto';
import { escapeXml } from './escape.js';
import { TAXII_11_NAMESPACE } from './requests.js';
import type { SimBlock, SimCollection } from './simulator-state.js';

export interface RenderStyle {
  prefix: string;
  timestamps: 'Z' | '+00:00';
  content: 'inline' | 'escaped' | 'cdata';
}

export interface ServiceSeed {
  type: string;
  address: string;
  protocol: string;
}

export function discoveryResponse(
  style: RenderStyle,
  inResponseTo: string,
  services: ServiceSeed[],
): string {
  const t = tag(style);
  const instances = services
    .map(
      (service) =>
        `<${t('Service_Instance')} service_type="${service.type}" service_version="urn:taxii.mitre.org:services:1.1" available="true">` +
        element(style, 'Protocol_Binding', service.protocol) +
        element(style, 'Address', service.address) +
        element(style, 'Message_Binding', 'urn:taxii.mitre.org:message:xml:1.1') +
        `</${t('Service_Instance')}>`,
    )
    .join('');
  return message(style, 'Discovery_Response', { in_response_to: inResponseTo }, instances);
}

export function collectionInformationResponse(
  style: RenderStyle,
  inResponseTo: string,
  collections: SimCollection[],
  poll: ServiceSeed,
): string {
  const t = tag(style);
  const records = collections
    .map((collection) => {
      const bindings = [...new Set(collection.blocks.map((block) => block.binding))]
        .map((binding) => `<${t('Content_Binding')} binding_id="${escapeXml(binding)}"/>`)
        .join('');
      return (
        `<${t('Collection')} collection_name="${escapeXml(collection.name)}" collection_type="${collection.type}" available="${collection.available}">` +
        element(style, 'Description', collection.description) +
        bindings +
        `<${t('Polling_Service')}>` +
        element(style, 'Protocol_Binding', poll.protocol) +
        element(style, 'Address', poll.address) +
        element(style, 'Message_Binding', 'urn:taxii.mitre.org:message:xml:1.1') +
        `</${t('Polling_Service')}>` +
        `</${t('Collection')}>`
      );
    })
    .join('');
  return message(
    style,
    'Collection_Information_Response',
    { in_response_to: inResponseTo },
    records,
  );
}

export interface PollPart {
  inResponseTo: string;
  collection: string;
  more: boolean;
  resultId?: string;
  partNumber: number;
  begin?: number;
  /** Omitted when the simulator plays a server that leaves it out. */
  end?: number;
  blocks: SimBlock[];
}

export function pollResponse(style: RenderStyle, part: PollPart): string {
  const t = tag(style);
  const attributes: Record<string, string> = {
    in_response_to: part.inResponseTo,
    collection_name: part.collection,
    more: String(part.more),
    ...(part.resultId !== undefined ? { result_id: part.resultId } : {}),
    result_part_number: String(part.partNumber),
  };
  const begin =
    part.begin === undefined
      ? ''
      : element(style, 'Exclusive_Begin_Timestamp', timestamp(style, part.begin));
  const end =
    part.end === undefined
      ? ''
      : element(style, 'Inclusive_End_Timestamp', timestamp(style, part.end));
  const count = `<${t('Record_Count')} partial_count="false">${part.blocks.length}</${t('Record_Count')}>`;
  const blocks = part.blocks
    .map(
      (block) =>
        `<${t('Content_Block')}>` +
        `<${t('Content_Binding')} binding_id="${escapeXml(block.binding)}"/>` +
        `<${t('Content')}>${payload(style, block.content)}</${t('Content')}>` +
        element(style, 'Timestamp_Label', timestamp(style, block.timestamp)) +
        `</${t('Content_Block')}>`,
    )
    .join('');
  return message(style, 'Poll_Response', attributes, begin + end + count + blocks);
}

export interface StatusSeed {
  type: string;
  message?: string;
  /** Status_Detail/Detail entries (ITEM, ESTIMATED_WAIT...). */
  details?: Record<string, string>;
}

export function statusMessage(
  style: RenderStyle,
  inResponseTo: string,
  status: StatusSeed,
): string {
  const t = tag(style);
  const details = Object.entries(status.details ?? {});
  const detail =
    details.length === 0
      ? ''
      : `<${t('Status_Detail')}>` +
        details
          .map(
            ([name, value]) =>
              `<${t('Detail')} name="${escapeXml(name)}">${escapeXml(value)}</${t('Detail')}>`,
          )
          .join('') +
        `</${t('Status_Detail')}>`;
  const text = status.message === undefined ? '' : element(style, 'Message', status.message);
  return message(
    style,
    'Status_Message',
    { in_response_to: inResponseTo, status_type: status.type },
    detail + text,
  );
}

/** libtaxii writes microseconds only when there are some. */
export function timestamp(style: RenderStyle, millis: number): string {
  const iso = new Date(millis).toISOString();
  if (style.timestamps === 'Z') return iso;
  const fraction = millis % 1000 === 0 ? '' : `${iso.slice(19, 23)}000`;
  return `${iso.slice(0, 19)}${fraction}+00:00`;
}

function payload(style: RenderStyle, content: string): string {
  if (style.content === 'escaped') return escapeXml(content);
  if (style.content === 'cdata') return `<![CDATA[${content.replace(/]]>/g, ']]]]><![CDATA[>')}]]>`;
  return content;
}

function message(
  style: RenderStyle,
  type: string,
  attributes: Record<string, string>,
  body: string,
): string {
  const t = tag(style);
  const declaration = style.prefix === '' ? 'xmlns' : `xmlns:${style.prefix}`;
  const attrs = Object.entries({ message_id: randomUUID(), ...attributes })
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('');
  return `<?xml version="1.0" encoding="UTF-8"?>\n<${t(type)} ${declaration}="${TAXII_11_NAMESPACE}"${attrs}>${body}</${t(type)}>`;
}

function element(style: RenderStyle, name: string, text: string): string {
  const t = tag(style);
  return `<${t(name)}>${escapeXml(text)}</${t(name)}>`;
}

function tag(style: RenderStyle): (name: string) => string {
  return (name) => (style.prefix === '' ? name : `${style.prefix}:${name}`);
}
