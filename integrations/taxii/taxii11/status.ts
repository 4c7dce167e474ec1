/*
 * What a response's root element says before it is read: the awaited message, a
 * Status_Message (servers send those with HTTP 200 as often as with an error status), or
 * something else entirely (an HTML page, a TAXII 1.0 message). Only RETRY invites another
 * attempt; its ESTIMATED_WAIT detail, in seconds, becomes the retry delay.
 */
import { MAX_RETRY_AFTER_MS, singleLine } from '../../../src/integration-sdk/http-errors.js';
import { isStatusType, TaxiiError, type Taxii11ErrorCode } from './errors.js';
import { TAXII_11_NAMESPACE } from './requests.js';
import { attribute, child, childrenNamed, childText, type XmlElement } from './xml.js';

const TAXII_10_NAMESPACE = 'http://taxii.mitre.org/messages/taxii_xml_binding-1';

/** Returns `root` when it is the `expected` message; throws the matching TaxiiError otherwise. */
export function expectMessage(
  root: XmlElement,
  expected: string,
  context: string,
  httpStatus: number,
): XmlElement {
  const namespaces = new Set(root.namespaces.values());
  if (namespaces.has(TAXII_10_NAMESPACE) && !namespaces.has(TAXII_11_NAMESPACE)) {
    throw unexpected(`${context}: the server answered with a TAXII 1.0 message`, httpStatus);
  }
  if (root.name === 'Status_Message') throw statusMessageError(root, context, httpStatus);
  if (root.name === expected) return root;
  if (root.name.toLowerCase() === 'html') {
    throw unexpected(
      `${context}: the server answered with an HTML page, not ${expected}`,
      httpStatus,
    );
  }
  throw unexpected(`${context}: expected ${expected}, the server sent ${root.name}`, httpStatus);
}

export function statusMessageError(
  root: XmlElement,
  context: string,
  httpStatus: number,
): TaxiiError {
  const { type, code, details, summary } = readStatusMessage(root);
  const wait = type === 'RETRY' ? Number(details.get('ESTIMATED_WAIT')) : NaN;
  return new TaxiiError(singleLine(`${context}: the server answered ${summary}`, 600), {
    code,
    retryable: type === 'RETRY',
    status: httpStatus,
    statusType: type,
    ...(wait > 0 ? { retryAfterMs: Math.min(wait * 1000, MAX_RETRY_AFTER_MS) } : {}),
  });
}

export interface StatusReport {
  /** status_type, upper-cased. */
  type: string;
  /** TAXII_STATUS_<type>, or TAXII_STATUS_UNKNOWN for a type outside the binding. */
  code: Taxii11ErrorCode;
  details: Map<string, string>;
  /** "Status_Message NOT_FOUND: <Message> (<detail>=<value>, ...)", for error messages. */
  summary: string;
}

export function readStatusMessage(root: XmlElement): StatusReport {
  const type = (attribute(root, 'status_type') ?? '').trim().toUpperCase();
  const known = isStatusType(type);
  const code: Taxii11ErrorCode = isStatusType(type)
    ? `TAXII_STATUS_${type}`
    : 'TAXII_STATUS_UNKNOWN';
  const details = statusDetails(root);
  const text = childText(root, 'Message');
  const detailText = [...details].map(([name, value]) => `${name}=${value}`).join(', ');
  const said = [text, detailText === '' ? undefined : `(${detailText})`].filter(Boolean).join(' ');
  const summary = `Status_Message ${known ? type : `'${type}'`}${said === '' ? '' : `: ${said}`}`;
  return { type, code, details, summary };
}

/** Status_Detail/Detail name → text (libtaxii's ITEM, ESTIMATED_WAIT, SUPPORTED_BINDING...). */
function statusDetails(root: XmlElement): Map<string, string> {
  const details = new Map<string, string>();
  const container = child(root, 'Status_Detail');
  if (container === undefined) return details;
  for (const detail of childrenNamed(container, 'Detail')) {
    const name = attribute(detail, 'name');
    if (name !== undefined) details.set(name, detail.text.trim());
  }
  return details;
}

function unexpected(message: string, httpStatus: number): TaxiiError {
  return new TaxiiError(message, {
    code: 'TAXII_UNEXPECTED_MESSAGE',
    retryable: false,
    status: httpStatus,
  });
}
