/*
 * Every TAXII 1.1 failure is a TaxiiError: a CommandError (so the engine's retry policy
 * applies and `toStepError` keeps the code) with a stable code. A Status_Message becomes
 * `TAXII_STATUS_<status_type>`; XML the client will not read becomes `XML_*`; HTTP-level
 * failures keep the names the TAXII 2.1 client uses, so a feed can treat both alike.
 */
import { CommandError } from '../../../src/integration-sdk/errors.js';

/** The status_type values of the TAXII 1.1 XML binding. */
export const STATUS_TYPES = [
  'ASYNCHRONOUS_POLL_ERROR',
  'BAD_MESSAGE',
  'DENIED',
  'DESTINATION_COLLECTION_ERROR',
  'FAILURE',
  'INVALID_RESPONSE_PART',
  'NETWORK_ERROR',
  'NOT_FOUND',
  'PENDING',
  'POLLING_UNSUPPORTED',
  'RETRY',
  'SUCCESS',
  'UNAUTHORIZED',
  'UNSUPPORTED_MESSAGE',
  'UNSUPPORTED_CONTENT',
  'UNSUPPORTED_PROTOCOL',
  'UNSUPPORTED_QUERY',
] as const;
export type StatusType = (typeof STATUS_TYPES)[number];

export const Taxii11ErrorCode = {
  /** The document declares a DTD (external entities, entity expansion bombs): never parsed. */
  XML_DTD_REFUSED: 'XML_DTD_REFUSED',
  /** Not well-formed XML; retryable only when the text simply stops early. */
  XML_MALFORMED: 'XML_MALFORMED',
  /** Well-formed, but not the TAXII 1.1 message the request calls for. */
  UNEXPECTED_MESSAGE: 'TAXII_UNEXPECTED_MESSAGE',
  /** The expected message, missing or contradicting what the protocol requires. */
  BAD_RESPONSE: 'TAXII_BAD_RESPONSE',
  /** A Status_Message with a status_type outside the binding's list. */
  STATUS_UNKNOWN: 'TAXII_STATUS_UNKNOWN',
  UNAUTHORIZED: 'TAXII_UNAUTHORIZED',
  FORBIDDEN: 'TAXII_FORBIDDEN',
  NOT_FOUND: 'TAXII_NOT_FOUND',
  BAD_REQUEST: 'TAXII_BAD_REQUEST',
  TOO_LARGE: 'TAXII_TOO_LARGE',
  RATE_LIMITED: 'TAXII_RATE_LIMITED',
  SERVER_ERROR: 'TAXII_SERVER_ERROR',
  TIMEOUT: 'TAXII_TIMEOUT',
  NETWORK: 'TAXII_NETWORK',
  TLS_REFUSED: 'TAXII_TLS_REFUSED',
  ABORTED: 'TAXII_ABORTED',
  /** A request the HTTP client would not send (another origin, a closed client). */
  INVALID_REQUEST: 'TAXII_INVALID_REQUEST',
} as const;

export type Taxii11ErrorCode =
  (typeof Taxii11ErrorCode)[keyof typeof Taxii11ErrorCode] | `TAXII_STATUS_${StatusType}`;

export interface TaxiiErrorDetails {
  code: Taxii11ErrorCode;
  retryable: boolean;
  /** The HTTP status, when a response arrived. */
  status?: number | null;
  /** The Status_Message's status_type, when the server sent one. */
  statusType?: string;
  retryAfterMs?: number;
}

export class TaxiiError extends CommandError {
  readonly status: number | null;
  readonly statusType: string | undefined;

  constructor(message: string, details: TaxiiErrorDetails) {
    super(message, {
      code: details.code,
      retryable: details.retryable,
      ...(details.retryAfterMs !== undefined ? { retryAfterMs: details.retryAfterMs } : {}),
    });
    this.status = details.status ?? null;
    this.statusType = details.statusType;
  }

  override get code(): Taxii11ErrorCode {
    return super.code as Taxii11ErrorCode;
  }

  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }
}

export function isStatusType(value: string): value is StatusType {
  return (STATUS_TYPES as readonly string[]).includes(value);
}
