/*
 * Failure classification and secret scrubbing for the integration HTTP client. Every
 * failure becomes an `HttpError` (a CommandError, so the engine's retry policy applies)
 * with a stable `code`; every text that may reach a log, the journal or an error message
 * goes through a `Scrubber` first.
 */
import { STATUS_CODES } from 'node:http';
import { isCredentialKey, isCredentialQueryParam } from '../journal/credential-names.js';
import { createRedactor, REDACTED } from '../journal/redact.js';
import type { Redactor } from '../journal/redact.js';
import { CommandError } from './errors.js';

/** The stable codes an `HttpError` carries; integrations and the engine may switch on them. */
export const HttpErrorCode = {
  /** No complete response within the timeout (or connect/headers/body timeout, or HTTP 408). Retryable. */
  TIMEOUT: 'TIMEOUT',
  /** Connection refused/reset, DNS failure, socket closed early. Retryable. */
  NETWORK: 'NETWORK',
  /** The server certificate was refused (verify on, unknown CA, wrong name, expired). Not retryable. */
  TLS_REFUSED: 'TLS_REFUSED',
  /** HTTP 5xx (and any status >= 500). Retryable. */
  HTTP_5XX: 'HTTP_5XX',
  /** HTTP 429. Retryable; `retryAfterMs` from Retry-After. */
  RATE_LIMITED: 'RATE_LIMITED',
  /** HTTP 401 or 403. Not retryable. */
  AUTH_REFUSED: 'AUTH_REFUSED',
  /** Any other 4xx. Not retryable. */
  HTTP_4XX: 'HTTP_4XX',
  /** A 3xx the caller did not accept (redirects are never followed). Not retryable. */
  UNEXPECTED_REDIRECT: 'UNEXPECTED_REDIRECT',
  /** `expect: 'json'` and the server sent an HTML page (a login page, a proxy error page). Not retryable. */
  HTML_INSTEAD_OF_JSON: 'HTML_INSTEAD_OF_JSON',
  /** `expect: 'json'` and the body is not JSON or is truncated. Retryable. */
  BAD_JSON: 'BAD_JSON',
  /** The body exceeded `maxResponseBytes`; the stream was cut. Not retryable. */
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  /** The step's signal aborted the request. Retryable (the engine decides). */
  ABORTED: 'ABORTED',
  /** An absolute URL on another origin than `baseUrl`. Not retryable. */
  ORIGIN_REFUSED: 'ORIGIN_REFUSED',
  /** A malformed request (bad path, several bodies, invalid header). Not retryable. */
  INVALID_REQUEST: 'INVALID_REQUEST',
  /** A malformed client configuration (bad baseUrl). Not retryable. */
  INVALID_CONFIG: 'INVALID_CONFIG',
  /** `request()` after `close()`. Not retryable. */
  CLIENT_CLOSED: 'CLIENT_CLOSED',
} as const;
export type HttpErrorCode = (typeof HttpErrorCode)[keyof typeof HttpErrorCode];

/**
 * A failed HTTP call. Its `name` stays 'CommandError' (inherited), so `toStepError` and the
 * retry policy treat it like any command failure; `status` is the HTTP status when one
 * was received.
 */
export class HttpError extends CommandError {
  constructor(
    message: string,
    options: { retryable: boolean; code: HttpErrorCode; retryAfterMs?: number },
    readonly status: number | null = null,
  ) {
    super(message, options);
  }
}

export function httpError(
  code: HttpErrorCode,
  message: string,
  status: number | null = null,
  retryAfterMs?: number,
): HttpError {
  return new HttpError(
    message,
    {
      retryable: RETRYABLE[code],
      code,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    },
    status,
  );
}

const RETRYABLE: Record<HttpErrorCode, boolean> = {
  TIMEOUT: true,
  NETWORK: true,
  TLS_REFUSED: false,
  HTTP_5XX: true,
  RATE_LIMITED: true,
  AUTH_REFUSED: false,
  HTTP_4XX: false,
  UNEXPECTED_REDIRECT: false,
  HTML_INSTEAD_OF_JSON: false,
  BAD_JSON: true,
  RESPONSE_TOO_LARGE: false,
  ABORTED: true,
  ORIGIN_REFUSED: false,
  INVALID_REQUEST: false,
  INVALID_CONFIG: false,
  CLIENT_CLOSED: false,
};

// ---------------------------------------------------------------------------------------
// Secrets

/**
 * Names whose values are scrubbed from error messages. Wider than the journal's
 * `isCredentialKey` on purpose (FortiGate's `secretkey`, `ccsrftoken`): over-scrubbing an
 * error excerpt costs little.
 */
const SECRET_NAME = /pass|secret|token|api[-_]?key|cookie|session|csrf/i;

export function isSecretName(name: string): boolean {
  return isCredentialKey(name) || SECRET_NAME.test(name);
}

/** `Bearer xyz`, `Basic dXNlcjpwYXNz`: a scheme followed by something that is not a plain word. */
const AUTH_SCHEME_VALUE = /\b(Bearer|Basic)\s+(?=[\w.~+/=-]*[\d.~+/=_-])[\w.~+/=-]{6,}/gi;

/** Removes given secrets (also URL- and JSON-encoded), URL credentials and auth-scheme values. */
export class Scrubber {
  private readonly redactor: Redactor;
  private readonly secrets: ReadonlySet<string>;

  constructor(secrets: Iterable<string> = []) {
    const all = new Set<string>();
    for (const secret of secrets) for (const form of encodings(secret)) all.add(form);
    this.secrets = all;
    this.redactor = createRedactor({ secretValues: all });
  }

  /** A scrubber that also removes `more`; `this` when there is nothing to add. */
  with(more: Iterable<string>): Scrubber {
    const extra = [...more].filter((secret) => !this.secrets.has(secret));
    return extra.length === 0 ? this : new Scrubber([...this.secrets, ...extra]);
  }

  text(text: string): string {
    return this.redactor.redact(text).replace(AUTH_SCHEME_VALUE, `$1 ${REDACTED}`);
  }

  /** A redacted deep copy: secrets removed and values under credential keys replaced. */
  value<T>(value: T): T {
    return this.redactor.redact(value);
  }
}

function encodings(secret: string): string[] {
  const forms = new Set([secret, encodeURIComponent(secret)]);
  forms.add(new URLSearchParams({ s: secret }).toString().slice(2));
  forms.add(JSON.stringify(secret).slice(1, -1));
  return [...forms];
}

/** Secret values found in request headers (Authorization, Cookie, X-Api-Key...). */
export function headerSecrets(headers: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (!isSecretName(lower) && lower !== 'proxy-authorization') continue;
    found.push(value);
    if (lower === 'authorization' || lower === 'proxy-authorization') {
      const space = value.indexOf(' ');
      if (space > 0) {
        const credentials = value.slice(space + 1).trim();
        found.push(credentials);
        if (value.slice(0, space).toLowerCase() === 'basic') {
          const decoded = Buffer.from(credentials, 'base64').toString('utf8');
          found.push(decoded);
          const colon = decoded.indexOf(':');
          if (colon >= 0) found.push(decoded.slice(colon + 1));
        }
      }
    } else if (lower === 'cookie') {
      for (const pair of value.split(';')) {
        const equals = pair.indexOf('=');
        if (equals >= 0) found.push(pair.slice(equals + 1).trim());
      }
    }
  }
  return found;
}

/** Secret values in a request's query, form and JSON body, found by their names. */
export function payloadSecrets(
  query: Record<string, string | number | boolean | undefined> | undefined,
  form: Record<string, string> | undefined,
  json: unknown,
): string[] {
  const found: string[] = [];
  for (const [name, value] of Object.entries(query ?? {})) {
    if (value !== undefined && (isSecretName(name) || isCredentialQueryParam(name))) {
      found.push(String(value));
    }
  }
  for (const [name, value] of Object.entries(form ?? {})) {
    if (isSecretName(name)) found.push(value);
  }
  collectJsonSecrets(json, found, 0);
  return found;
}

function collectJsonSecrets(value: unknown, found: string[], depth: number): void {
  if (depth > 8 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const item of value) collectJsonSecrets(item, found, depth + 1);
    return;
  }
  for (const [name, item] of Object.entries(value)) {
    if (typeof item === 'string' && isSecretName(name)) found.push(item);
    else collectJsonSecrets(item, found, depth + 1);
  }
}

// ---------------------------------------------------------------------------------------
// Status classification

/** Retry-After is capped: a server asking for a day would park the queue for a day. */
export const MAX_RETRY_AFTER_MS = 60 * 60 * 1000;

/** Retry-After as delta-seconds or HTTP-date, in ms from `now`, capped at one hour. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  // An HTTP-date names a weekday or month; Date.parse alone accepts too much ("1.5").
  if (!/[a-z]{3}/i.test(trimmed)) return undefined;
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}

export interface StatusFailure {
  method: string;
  /** Already scrubbed. */
  url: string;
  status: number;
  headers: Record<string, string>;
  /** Start of the body (possibly cut). */
  text: string;
  scrubber: Scrubber;
}

/** The error for a status the caller did not accept (anything outside 2xx and `accept`). */
export function statusError(failure: StatusFailure): HttpError {
  const { method, url, status, headers, text, scrubber } = failure;
  const reason = STATUS_CODES[status];
  const excerpt = bodyExcerpt(text, headers['content-type'] ?? '', scrubber);
  const head = `${method} ${url}: HTTP ${status}${reason ? ` ${reason}` : ''}`;
  const message = excerpt ? `${head}: ${excerpt}` : head;
  if (status === 429) {
    return httpError('RATE_LIMITED', message, status, parseRetryAfter(headers['retry-after']));
  }
  if (status === 401 || status === 403) return httpError('AUTH_REFUSED', message, status);
  if (status === 408) return httpError('TIMEOUT', message, status);
  if (status >= 500) {
    // 503 often says when to come back; pass it on like a 429's.
    return httpError('HTTP_5XX', message, status, parseRetryAfter(headers['retry-after']));
  }
  if (status >= 400) return httpError('HTTP_4XX', message, status);
  if (status >= 300) {
    const location = headers.location;
    const to = location ? ` to ${scrubber.text(singleLine(location, 200))}` : '';
    return httpError(
      'UNEXPECTED_REDIRECT',
      `${head}: redirect${to} not followed (add the status to 'accept' to handle it)`,
      status,
    );
  }
  return httpError('HTTP_4XX', `${head}: unexpected status`, status);
}

// ---------------------------------------------------------------------------------------
// Network errors

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'HOSTNAME_MISMATCH',
]);

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

const NETWORK_DESCRIPTIONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection closed while sending',
  ENOTFOUND: 'host not found (DNS)',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'response shorter than its Content-Length',
};

/** The first `code` along an error's `cause` chain (undici wraps socket errors). */
function errorCodes(error: unknown): string[] {
  const codes: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') codes.push(code);
    current = (current as { cause?: unknown }).cause;
  }
  return codes;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** Classifies an exception from undici (not an HTTP status). */
export function networkError(
  error: unknown,
  method: string,
  url: string,
  scrubber: Scrubber,
): HttpError {
  const codes = errorCodes(error);
  const detail = scrubber.text(singleLine(errorMessage(error), 200));
  const prefix = `${method} ${url}`;
  if (codes.some((code) => TLS_CODES.has(code) || code.startsWith('ERR_SSL_'))) {
    return httpError(
      'TLS_REFUSED',
      `${prefix}: TLS certificate refused (${detail}); set tls.ca to the server's CA, or tls.verify: false for a lab device`,
    );
  }
  if (codes.some((code) => TIMEOUT_CODES.has(code))) {
    return httpError('TIMEOUT', `${prefix}: timed out (${detail})`);
  }
  if (codes.includes('UND_ERR_INVALID_ARG')) {
    return httpError('INVALID_REQUEST', `${prefix}: invalid request (${detail})`);
  }
  if (codes.includes('UND_ERR_DESTROYED') || codes.includes('UND_ERR_CLOSED_CLIENT')) {
    return httpError('CLIENT_CLOSED', `${prefix}: the HTTP client is closed`);
  }
  const known = codes.find((code) => NETWORK_DESCRIPTIONS[code] !== undefined);
  const what = known !== undefined ? NETWORK_DESCRIPTIONS[known] : 'network error';
  return httpError('NETWORK', `${prefix}: ${what} (${detail})`);
}

// ---------------------------------------------------------------------------------------
// Body excerpts

export const EXCERPT_CHARS = 200;
/** Only this much of a body is looked at for an excerpt. */
const EXCERPT_SCAN_CHARS = 64 * 1024;

export function singleLine(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const flat = text.replace(/[\s\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export function looksLikeHtml(text: string, contentType: string): boolean {
  return /\b(text\/html|application\/xhtml)/i.test(contentType) || /^\s*</.test(text);
}

/** The `<title>` of an HTML page, single-line and capped; undefined without one. */
export function htmlTitle(html: string, scrubber: Scrubber): string | undefined {
  const match = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html.slice(0, EXCERPT_SCAN_CHARS));
  const raw = match?.[1];
  if (raw === undefined) return undefined;
  const title = singleLine(decodeEntities(raw), 1000);
  if (title === '') return undefined;
  return singleLine(scrubber.text(title), 100);
}

function decodeEntities(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#0*39;|&apos;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&');
}

/**
 * A short, single-line, scrubbed excerpt of a response body for an error message: JSON is
 * redacted structurally (values under credential keys go), HTML is reduced to its title.
 */
export function bodyExcerpt(text: string, contentType: string, scrubber: Scrubber): string {
  if (text.trim() === '') return '';
  const head = text.slice(0, EXCERPT_SCAN_CHARS);
  if (text.length <= EXCERPT_SCAN_CHARS) {
    try {
      const parsed: unknown = JSON.parse(text, safeReviver);
      return singleLine(scrubber.text(JSON.stringify(scrubber.value(parsed))), EXCERPT_CHARS);
    } catch {
      // Not JSON: shown as text below.
    }
  }
  if (looksLikeHtml(head, contentType)) {
    const title = htmlTitle(head, scrubber);
    return title !== undefined ? `HTML page "${title}"` : 'HTML page';
  }
  // Flatten before scrubbing (a secret split by a line break is still found), cut after.
  return singleLine(scrubber.text(singleLine(head, EXCERPT_SCAN_CHARS)), EXCERPT_CHARS);
}

/** A JSON.parse reviver that drops keys able to reach a prototype when the result is merged. */
export function safeReviver(key: string, value: unknown): unknown {
  return key === '__proto__' || key === 'constructor' ? undefined : value;
}
