/*
 * Every TAXII 2.1 failure is a TaxiiError: a CommandError (so the engine's retry policy
 * applies and `toStepError` keeps its code) with a stable `TAXII_*` code, a retryable flag,
 * the HTTP status when there was one, and what the server said about it.
 */
import { CommandError } from '../../../src/integration-sdk/errors.js';

export const TaxiiErrorCode = {
  /** 401: the credentials were refused. */
  UNAUTHORIZED: 'TAXII_UNAUTHORIZED',
  /** 403: the user may not read this API root or collection. */
  FORBIDDEN: 'TAXII_FORBIDDEN',
  /** 404: unknown API root, collection or object. */
  NOT_FOUND: 'TAXII_NOT_FOUND',
  /** 406: the server refused the Accept header. */
  NOT_ACCEPTABLE: 'TAXII_NOT_ACCEPTABLE',
  /** 413, or a response larger than the HTTP client's limit. */
  TOO_LARGE: 'TAXII_TOO_LARGE',
  /** 415: the server refused the Content-Type of a POST. */
  UNSUPPORTED_MEDIA_TYPE: 'TAXII_UNSUPPORTED_MEDIA_TYPE',
  /** 400 and the other 4xx: the server did not understand the request or its filters. */
  BAD_REQUEST: 'TAXII_BAD_REQUEST',
  /** 429. Retryable, with `retryAfterMs` when the server sent Retry-After. */
  RATE_LIMITED: 'TAXII_RATE_LIMITED',
  /** 5xx. Retryable. */
  SERVER_ERROR: 'TAXII_SERVER_ERROR',
  /** No complete answer in time (or HTTP 408). Retryable. */
  TIMEOUT: 'TAXII_TIMEOUT',
  /** Connection refused or reset, DNS failure, a body cut short. Retryable. */
  NETWORK: 'TAXII_NETWORK',
  /** The server certificate was refused. */
  TLS_REFUSED: 'TAXII_TLS_REFUSED',
  /** Not TAXII: HTML on success, a redirect, JSON of the wrong shape, a paging loop. */
  BAD_RESPONSE: 'TAXII_BAD_RESPONSE',
  /** A `next` token was refused again after the one restart from the watermark. Retryable. */
  NEXT_EXPIRED: 'TAXII_NEXT_EXPIRED',
  /** No collection has the id or title asked for. */
  COLLECTION_NOT_FOUND: 'TAXII_COLLECTION_NOT_FOUND',
  /** Several collections share the title asked for. */
  COLLECTION_AMBIGUOUS: 'TAXII_COLLECTION_AMBIGUOUS',
  /** The step was cancelled. Retryable (the engine decides). */
  ABORTED: 'TAXII_ABORTED',
  /** A request the HTTP client would not send (another origin, a closed client, a bad URL). */
  INVALID_REQUEST: 'TAXII_INVALID_REQUEST',
} as const;
export type TaxiiErrorCode = (typeof TaxiiErrorCode)[keyof typeof TaxiiErrorCode];

const RETRYABLE: Record<TaxiiErrorCode, boolean> = {
  TAXII_UNAUTHORIZED: false,
  TAXII_FORBIDDEN: false,
  TAXII_NOT_FOUND: false,
  TAXII_NOT_ACCEPTABLE: false,
  TAXII_TOO_LARGE: false,
  TAXII_UNSUPPORTED_MEDIA_TYPE: false,
  TAXII_BAD_REQUEST: false,
  TAXII_RATE_LIMITED: true,
  TAXII_SERVER_ERROR: true,
  TAXII_TIMEOUT: true,
  TAXII_NETWORK: true,
  TAXII_TLS_REFUSED: false,
  TAXII_BAD_RESPONSE: false,
  // Pages came too slowly for the server's paging session; a later attempt starts a new one.
  TAXII_NEXT_EXPIRED: true,
  TAXII_COLLECTION_NOT_FOUND: false,
  TAXII_COLLECTION_AMBIGUOUS: false,
  TAXII_ABORTED: true,
  TAXII_INVALID_REQUEST: false,
};

/** What the server's error body said, whichever shape it came in. */
export interface ServerErrorReport {
  /** Spec `title`, or `name` of the `{code, name, description}` shape, or an HTML page title. */
  title?: string;
  description?: string;
  /** Spec `error_id` and `error_code`, or `code` of the other shape. */
  errorId?: string;
  errorCode?: string;
  /** The body was an HTML page, not a TAXII error. */
  html?: boolean;
}

export interface TaxiiErrorDetails {
  code: TaxiiErrorCode;
  /** The HTTP status, when a response arrived. */
  status?: number | null;
  /** URL path of the request (no origin, no query). */
  path?: string;
  server?: ServerErrorReport;
  retryAfterMs?: number;
  /** Overrides the code's usual flag (a truncated body is worth another try, a wrong shape is not). */
  retryable?: boolean;
}

export class TaxiiError extends CommandError {
  readonly status: number | null;
  readonly path: string | undefined;
  readonly server: ServerErrorReport | undefined;

  constructor(message: string, details: TaxiiErrorDetails) {
    super(message, {
      code: details.code,
      retryable: details.retryable ?? RETRYABLE[details.code],
      ...(details.retryAfterMs !== undefined ? { retryAfterMs: details.retryAfterMs } : {}),
    });
    this.status = details.status ?? null;
    this.path = details.path;
    this.server = details.server;
  }

  override get code(): TaxiiErrorCode {
    return super.code as TaxiiErrorCode;
  }

  get retryAfterMs(): number | undefined {
    return this.options.retryAfterMs;
  }
}

/** The code for an HTTP status the server answered with. */
export function codeForStatus(status: number): TaxiiErrorCode {
  switch (status) {
    case 401:
      return TaxiiErrorCode.UNAUTHORIZED;
    case 403:
      return TaxiiErrorCode.FORBIDDEN;
    case 404:
      return TaxiiErrorCode.NOT_FOUND;
    case 406:
      return TaxiiErrorCode.NOT_ACCEPTABLE;
    case 408:
      return TaxiiErrorCode.TIMEOUT;
    case 413:
      return TaxiiErrorCode.TOO_LARGE;
    case 415:
      return TaxiiErrorCode.UNSUPPORTED_MEDIA_TYPE;
    case 429:
      return TaxiiErrorCode.RATE_LIMITED;
  }
  if (status >= 500) return TaxiiErrorCode.SERVER_ERROR;
  if (status >= 400) return TaxiiErrorCode.BAD_REQUEST;
  return TaxiiErrorCode.BAD_RESPONSE;
}
