/*
 * The response messages the client reads, from an already-checked root element into plain
 * values. Optional parts the binding allows to be missing stay optional here too.
 */
import { contentText } from './content.js';
import { TaxiiError } from './errors.js';
import { parseTimestamp } from './timestamps.js';
import { attribute, child, childrenNamed, childText, type XmlElement } from './xml.js';

export interface ServiceInstance {
  /** DISCOVERY, COLLECTION_MANAGEMENT, POLL, INBOX... */
  type: string;
  address: string;
  /** e.g. urn:taxii.mitre.org:protocol:https:1.0 */
  protocol: string;
  version: string;
  /** False only when the server says so. */
  available: boolean;
  messageBindings: string[];
}

export interface CollectionInfo {
  name: string;
  description: string;
  /** DATA_FEED (the default) or DATA_SET. */
  type: string;
  /** False only when the server says so. */
  available: boolean;
  contentBindings: string[];
  /** Addresses of the Poll services serving this collection. */
  pollAddresses: string[];
}

export interface ContentBlock {
  /** e.g. urn:stix.mitre.org:xml:1.1.1 */
  bindingId: string;
  /** The payload (a STIX package) as an XML document of its own. */
  content: string;
  /** Timestamp_Label as the server wrote it. */
  timestampLabel?: string;
  /** Timestamp_Label as an instant, when it parses. */
  timestamp?: Date;
}

export interface PollResponsePart {
  more: boolean;
  resultId?: string;
  partNumber: number;
  /** Inclusive_End_Timestamp, when the server sent one. */
  end?: Date;
  blocks: ContentBlock[];
}

export function readServiceInstances(root: XmlElement): ServiceInstance[] {
  return childrenNamed(root, 'Service_Instance').map((instance) => ({
    type: attribute(instance, 'service_type') ?? '',
    address: childText(instance, 'Address') ?? '',
    protocol: childText(instance, 'Protocol_Binding') ?? '',
    version: attribute(instance, 'service_version') ?? '',
    available: attribute(instance, 'available') !== 'false',
    messageBindings: childrenNamed(instance, 'Message_Binding').map((b) => b.text.trim()),
  }));
}

export function readCollections(root: XmlElement): CollectionInfo[] {
  return childrenNamed(root, 'Collection').map((collection) => ({
    name: attribute(collection, 'collection_name') ?? '',
    description: childText(collection, 'Description') ?? '',
    type: attribute(collection, 'collection_type') ?? 'DATA_FEED',
    available: attribute(collection, 'available') !== 'false',
    contentBindings: childrenNamed(collection, 'Content_Binding').map(
      (binding) => attribute(binding, 'binding_id') ?? '',
    ),
    pollAddresses: childrenNamed(collection, 'Polling_Service')
      .map((service) => childText(service, 'Address') ?? '')
      .filter((address) => address !== ''),
  }));
}

export function readPollResponse(root: XmlElement, context: string): PollResponsePart {
  const more = ['true', '1'].includes((attribute(root, 'more') ?? 'false').trim());
  const resultId = attribute(root, 'result_id')?.trim();
  const partText = attribute(root, 'result_part_number')?.trim() ?? '1';
  const partNumber = Number(partText);
  if (!/^\d+$/.test(partText) || partNumber < 1) {
    throw badResponse(
      `${context}: result_part_number '${partText.slice(0, 20)}' is not a part number`,
    );
  }
  const endText = childText(root, 'Inclusive_End_Timestamp');
  const end = endText === undefined ? undefined : parseTimestamp(endText);
  if (endText !== undefined && end === undefined) {
    throw badResponse(
      `${context}: Inclusive_End_Timestamp '${endText.slice(0, 40)}' is not a timestamp`,
    );
  }
  return {
    more,
    ...(resultId ? { resultId } : {}),
    partNumber,
    ...(end !== undefined ? { end: new Date(end) } : {}),
    blocks: childrenNamed(root, 'Content_Block').map((block) => readBlock(block, context)),
  };
}

function readBlock(block: XmlElement, context: string): ContentBlock {
  const binding = child(block, 'Content_Binding');
  const content = child(block, 'Content');
  const label = childText(block, 'Timestamp_Label');
  const timestamp = label === undefined ? undefined : parseTimestamp(label);
  return {
    bindingId: binding === undefined ? '' : (attribute(binding, 'binding_id') ?? ''),
    content: content === undefined ? '' : contentText(content, context),
    ...(label !== undefined ? { timestampLabel: label } : {}),
    ...(timestamp !== undefined ? { timestamp: new Date(timestamp) } : {}),
  };
}

export function badResponse(message: string): TaxiiError {
  return new TaxiiError(message, { code: 'TAXII_BAD_RESPONSE', retryable: false });
}
