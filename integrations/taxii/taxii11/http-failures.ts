/*
 * HTTP-level failures as TaxiiErrors. The client accepts every non-2xx status from the HTTP
 * client and classifies it here: servers put Status_Messages in 4xx and 5xx answers, and
 * whatever a body says (an echoed API key included) then reaches only messages this client
 * has scrubbed, never the HTTP call records. 5xx, 408 and 429 retry, as the HTTP client
 * would have decided; failures without a response (timeouts, resets, cancellation) keep
 * the HTTP client's classification under the names the TAXII 2.1 client uses.
 */
import { STATUS_CODES } from 'node:http';
import {
  bodyExcerpt,
  parseRetryAfter,
  singleLine,
  type HttpError,
  type Scrubber,
} from '../../../src/integration-sdk/http-errors.js';
import type { HttpResponse } from '../../../src/integration-sdk/http.js';
import { TaxiiError, type Taxii11ErrorCode } from './errors.js';
import { readStatusMessage, statusMessageError } from './status.js';
import { parseXml, type XmlElement } from './xml.js';

/** Every status outside 2xx: the client reads them itself. */
export const NON_SUCCESS_STATUSES = Array.from({ length: 300 }, (_, index) => 300 + index);

const NETWORK_CODES: Record<string, Taxii11ErrorCode> = {
  TIMEOUT: 'TAXII_TIMEOUT',
  NETWORK: 'TAXII_NETWORK',
  TLS_REFUSED: 'TAXII_TLS_REFUSED',
  RESPONSE_TOO_LARGE: 'TAXII_TOO_LARGE',
  ABORTED: 'TAXII_ABORTED',
};

/** A failure the HTTP client raised: no usable response arrived. */
export function fromHttpError(error: HttpError, context: string, scrubber: Scrubber): TaxiiError {
  return new TaxiiError(scrubber.text(`${context}: ${error.message}`), {
    code: NETWORK_CODES[error.code] ?? 'TAXII_INVALID_REQUEST',
    retryable: error.retryable,
    status: error.status,
  });
}

/** The error for a response outside 2xx, from its Status_Message when it carries one. */
export function statusFailure(
  response: HttpResponse<string>,
  context: string,
  scrubber: Scrubber,
): TaxiiError {
  const { status, headers, text } = response;
  const root = statusMessageIn(text, context);
  const reason = STATUS_CODES[status];
  const head = `${context}: HTTP ${status}${reason === undefined ? '' : ` ${reason}`}`;
  const said =
    root !== undefined
      ? readStatusMessage(root).summary
      : bodyExcerpt(text, headers['content-type'] ?? '', scrubber);
  const message = scrubber.text(singleLine(said === '' ? head : `${head}: ${said}`, 600));
  if (status >= 500 || status === 429 || status === 408) {
    const retryAfterMs = status === 408 ? undefined : parseRetryAfter(headers['retry-after']);
    const code =
      status >= 500
        ? 'TAXII_SERVER_ERROR'
        : status === 429
          ? 'TAXII_RATE_LIMITED'
          : 'TAXII_TIMEOUT';
    return new TaxiiError(message, {
      code,
      retryable: true,
      status,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }
  if (root !== undefined) return statusMessageError(root, context, status);
  if (status < 400) {
    const location =
      headers.location === undefined ? '' : ` to ${singleLine(headers.location, 200)}`;
    return new TaxiiError(scrubber.text(`${head}: redirect${location} not followed`), {
      code: 'TAXII_BAD_RESPONSE',
      retryable: false,
      status,
    });
  }
  return new TaxiiError(message, { code: codeForClientError(status), retryable: false, status });
}

/** The body's Status_Message; undefined for any other body. A DTD is refused even here. */
function statusMessageIn(text: string, context: string): XmlElement | undefined {
  try {
    const root = parseXml(text, context);
    return root.name === 'Status_Message' ? root : undefined;
  } catch (error) {
    if (error instanceof TaxiiError && error.code === 'XML_DTD_REFUSED') throw error;
    return undefined;
  }
}

function codeForClientError(status: number): Taxii11ErrorCode {
  if (status === 401) return 'TAXII_UNAUTHORIZED';
  if (status === 403) return 'TAXII_FORBIDDEN';
  if (status === 404) return 'TAXII_NOT_FOUND';
  if (status === 413) return 'TAXII_TOO_LARGE';
  return 'TAXII_BAD_REQUEST';
}

/** The same error with credentials removed from its message. */
export function scrubbed(error: TaxiiError, scrubber: Scrubber): TaxiiError {
  const message = scrubber.text(error.message);
  if (message === error.message) return error;
  const retryAfterMs = error.retryAfterMs;
  return new TaxiiError(message, {
    code: error.code,
    retryable: error.retryable,
    status: error.status,
    ...(error.statusType !== undefined ? { statusType: error.statusType } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}
