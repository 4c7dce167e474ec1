/*
 * TAXII 2.1 over the project's HTTP client: the exact Accept header, Basic auth on every
 * request, error statuses read here (both error body shapes and HTML) rather than left to
 * the generic classification, and every failure turned into a TaxiiError that names the
 * URL path and never the password.
 */
import { STATUS_CODES } from 'node:http';
import {
  HttpError,
  parseRetryAfter,
  type HttpRequester,
  type HttpResponse,
} from '../../../src/integration-sdk/http.js';
import { Scrubber, singleLine } from '../../../src/integration-sdk/http-errors.js';
import { readServerError } from './error-body.js';
import {
  codeForStatus,
  TaxiiError,
  TaxiiErrorCode,
  type TaxiiErrorCode as Code,
} from './errors.js';

/** The only Accept value real servers are sure to take: no spaces, no `q`, the version. */
export const TAXII21_MEDIA_TYPE = 'application/taxii+json;version=2.1';

export interface TaxiiTransportOptions {
  http: HttpRequester;
  /** The base URL `http` sends relative paths to; server-given URLs resolve against it. */
  baseUrl: string;
  username: string;
  password: string;
  /** Per request; the HTTP client's own default otherwise. */
  timeoutMs?: number;
}

export interface TaxiiGet {
  query?: Record<string, string | number | undefined>;
  signal?: AbortSignal;
}

export interface TaxiiResponse {
  /** Parsed JSON; null for an empty body. */
  body: unknown;
  /** Lower-case header names. */
  headers: Record<string, string>;
}

/** Every 4xx and 5xx comes back to be read here: the TAXII error body says more than a status. */
const ERROR_STATUSES = Array.from({ length: 200 }, (_, index) => 400 + index);

export class TaxiiTransport {
  readonly base: URL;
  private readonly http: HttpRequester;
  private readonly authorization: string;
  private readonly scrubber: Scrubber;
  private readonly timeoutMs: number | undefined;

  constructor(options: TaxiiTransportOptions) {
    const token = Buffer.from(`${options.username}:${options.password}`).toString('base64');
    this.scrubber = new Scrubber(
      [options.password, `${options.username}:${options.password}`, token].filter(
        (secret) => secret !== '',
      ),
    );
    try {
      this.base = new URL(options.baseUrl);
    } catch {
      throw new TaxiiError(
        `invalid TAXII base URL '${this.scrubber.text(singleLine(options.baseUrl, 200))}'`,
        { code: TaxiiErrorCode.INVALID_REQUEST },
      );
    }
    if (!this.base.pathname.endsWith('/')) this.base.pathname += '/';
    this.http = options.http;
    this.authorization = `Basic ${token}`;
    this.timeoutMs = options.timeoutMs;
  }

  /** A path the user configured: relative to the base URL's path, like the HTTP client's paths. */
  resolveConfigured(path: string): URL {
    const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(path);
    return withTrailingSlash(
      absolute ? new URL(path) : new URL(path.replace(/^\/+/, ''), this.base),
    );
  }

  /** A URL the server gave: resolved against the document it came in, as RFC 3986 says. */
  resolveServerGiven(reference: string, document: URL): URL {
    return withTrailingSlash(new URL(reference, document));
  }

  async get(url: URL, options: TaxiiGet = {}): Promise<TaxiiResponse> {
    const path = url.pathname;
    let response: HttpResponse;
    try {
      response = await this.http.request({
        method: 'GET',
        path: url.href,
        headers: { accept: TAXII21_MEDIA_TYPE, authorization: this.authorization },
        expect: 'json',
        accept: ERROR_STATUSES,
        ...(options.query !== undefined ? { query: options.query } : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
        ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
      });
    } catch (error) {
      throw this.fromException(error, 'GET', path);
    }
    if (response.status >= 400) throw this.fromStatus(response, 'GET', path);
    return { body: response.body, headers: response.headers };
  }

  /** Secrets out of any text that may reach a message. */
  scrub(text: string): string {
    return this.scrubber.text(text);
  }

  private fromStatus(response: HttpResponse, method: string, path: string): TaxiiError {
    const { status, headers } = response;
    const code = codeForStatus(status);
    const reason = STATUS_CODES[status];
    const contentType = headers['content-type'] ?? '';
    const server = readServerError(response.text, contentType, this.scrubber, reason);
    const said = server.text !== '' ? `: ${server.text}` : '';
    const hint = HINTS[code] ?? '';
    const retryAfterMs =
      status === 429 || status === 503 ? parseRetryAfter(headers['retry-after']) : undefined;
    return new TaxiiError(
      `TAXII ${method} ${path}: HTTP ${status}${reason ? ` ${reason}` : ''}${said}${hint}`,
      {
        code,
        status,
        path,
        server: server.report,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      },
    );
  }

  private fromException(error: unknown, method: string, path: string): TaxiiError {
    if (error instanceof TaxiiError) return error;
    const raw = error instanceof Error ? error.message : String(error);
    // The HTTP client's message starts with "GET <url>: "; the path is named once, below.
    const detail = this.scrubber.text(singleLine(raw.replace(/^[A-Z]+ \S+: /, ''), 300));
    const message = `TAXII ${method} ${path}: ${detail}`;
    if (!(error instanceof HttpError)) {
      return new TaxiiError(message, { code: TaxiiErrorCode.NETWORK, path });
    }
    const code = CODE_FOR_HTTP[error.code] ?? codeForStatus(error.status ?? 0);
    return new TaxiiError(message, {
      code,
      status: error.status,
      path,
      // A truncated or garbled body may come whole next time; HTML or a redirect will not.
      ...(error.code === 'BAD_JSON' ? { retryable: true } : {}),
      ...(error.options.retryAfterMs !== undefined
        ? { retryAfterMs: error.options.retryAfterMs }
        : {}),
    });
  }
}

const CODE_FOR_HTTP: Partial<Record<string, Code>> = {
  TIMEOUT: TaxiiErrorCode.TIMEOUT,
  NETWORK: TaxiiErrorCode.NETWORK,
  TLS_REFUSED: TaxiiErrorCode.TLS_REFUSED,
  UNEXPECTED_REDIRECT: TaxiiErrorCode.BAD_RESPONSE,
  HTML_INSTEAD_OF_JSON: TaxiiErrorCode.BAD_RESPONSE,
  BAD_JSON: TaxiiErrorCode.BAD_RESPONSE,
  RESPONSE_TOO_LARGE: TaxiiErrorCode.TOO_LARGE,
  ABORTED: TaxiiErrorCode.ABORTED,
  ORIGIN_REFUSED: TaxiiErrorCode.INVALID_REQUEST,
  INVALID_REQUEST: TaxiiErrorCode.INVALID_REQUEST,
  INVALID_CONFIG: TaxiiErrorCode.INVALID_REQUEST,
  CLIENT_CLOSED: TaxiiErrorCode.INVALID_REQUEST,
};

const HINTS: Partial<Record<Code, string>> = {
  TAXII_UNAUTHORIZED: '; check the username and password',
  TAXII_NOT_ACCEPTABLE: `; the server refused Accept: ${TAXII21_MEDIA_TYPE}`,
};

function withTrailingSlash(url: URL): URL {
  // Every TAXII 2.1 endpoint ends with a slash; without it servers redirect or answer 404.
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  url.hash = '';
  return url;
}
