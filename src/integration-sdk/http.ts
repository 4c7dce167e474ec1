/*
 * The one HTTP helper every integration uses: undici underneath, one connection pool per
 * client, a whole-request timeout combined with the step's cancellation, a response size
 * cap enforced while streaming, and failures classified into CommandErrors with stable
 * codes (see http-errors.ts) so the engine's retry policy applies. Redirects are never
 * followed (they could carry credentials to another origin): accept the 3xx to handle it.
 */
import { rootCertificates } from 'node:tls';
import { Agent } from 'undici';
import type { Dispatcher } from 'undici';
import { RateLimiter, type RateLimit } from './rate-limit.js';
import {
  headerSecrets,
  HttpError,
  httpError,
  looksLikeHtml,
  htmlTitle,
  networkError,
  payloadSecrets,
  safeReviver,
  Scrubber,
  singleLine,
  statusError,
  bodyExcerpt,
} from './http-errors.js';

export { HttpError, HttpErrorCode, parseRetryAfter, MAX_RETRY_AFTER_MS } from './http-errors.js';

/** What a command sees of HTTP: requests, each journaled with the step that made it. */
export interface HttpRequester {
  request<T = unknown>(req: HttpRequest): Promise<HttpResponse<T>>;
}

export interface HttpClientOptions {
  /** e.g. https://fw.example:8443/ ; request paths are appended to its path. */
  baseUrl: string;
  /** Whole request including the body; default 30 000. */
  timeoutMs?: number;
  /** Default 10 MiB; a larger body fails (the stream is cut, never buffered whole). */
  maxResponseBytes?: number;
  /** verify defaults to true; ca (PEM) is trusted in addition to the system roots. */
  tls?: { verify?: boolean; ca?: string | Buffer };
  defaultHeaders?: Record<string, string>;
  /** Called once per completed or failed request, for the journal. url has secrets removed. */
  onCall?: (call: HttpCallRecord) => void;
  /** Extra secret strings to scrub from URLs in call records (tokens in query strings). */
  secrets?: string[];
  /** The instance's rate limit: requests wait for a slot before they are sent. */
  rateLimit?: RateLimit;
}

export interface HttpCallRecord {
  method: string;
  url: string;
  status: number | null;
  durationMs: number;
  /** Response body bytes received. */
  bytes: number;
  error?: string;
  code?: string;
}

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';

export interface HttpRequest {
  method?: HttpMethod;
  /** Relative to baseUrl (or an absolute URL on the same origin only; another origin is refused). */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** Sends JSON with content-type application/json. */
  json?: unknown;
  /** application/x-www-form-urlencoded */
  form?: Record<string, string>;
  body?: string | Buffer;
  /** Default 'json'. 'any' parses JSON only when the content-type says JSON. */
  expect?: 'json' | 'text' | 'any';
  /** The step's cancellation. */
  signal?: AbortSignal;
  timeoutMs?: number;
  /** Statuses the caller handles itself instead of getting an error (FortiGate 500 envelopes, 404). */
  accept?: number[];
}

export interface HttpResponse<T = unknown> {
  status: number;
  /** Lower-case names; repeated headers joined with ", ". */
  headers: Record<string, string>;
  body: T;
  text: string;
  durationMs: number;
  /** Raw set-cookie values. */
  cookies: string[];
}

export const DEFAULT_TIMEOUT_MS = 30_000;
export const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;
/** A failing status's body is read only this far, for the error excerpt. */
const ERROR_BODY_BYTES = 64 * 1024;

type Body = Dispatcher.ResponseData['body'];

/** Mutable facts about one call, for its record. */
interface CallState {
  method: string;
  url: string;
  status: number | null;
  bytes: number;
  scrubber: Scrubber;
}

export class HttpClient {
  private readonly agent: Agent;
  private readonly base: URL;
  private readonly defaultHeaders: Record<string, string>;
  private readonly scrubber: Scrubber;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly onCall: ((call: HttpCallRecord) => void) | undefined;
  private readonly limiter: RateLimiter | null;
  private closing: Promise<void> | null = null;

  constructor(options: HttpClientOptions) {
    const configuredSecrets = [...(options.secrets ?? [])];
    let base: URL;
    try {
      base = new URL(options.baseUrl);
    } catch {
      throw httpError(
        'INVALID_CONFIG',
        `invalid baseUrl '${new Scrubber(configuredSecrets).text(singleLine(options.baseUrl, 200))}'`,
      );
    }
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw httpError('INVALID_CONFIG', `baseUrl must be http or https, not ${base.protocol}`);
    }
    this.defaultHeaders = lowerCaseKeys(options.defaultHeaders ?? {});
    if (base.username !== '' || base.password !== '') {
      // Credentials in the URL become Basic auth and leave the URL (and every record).
      const user = decodeURIComponent(base.username);
      const password = decodeURIComponent(base.password);
      configuredSecrets.push(password, `${user}:${password}`);
      this.defaultHeaders.authorization ??=
        'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
      base.username = '';
      base.password = '';
    }
    base.hash = '';
    if (!base.pathname.endsWith('/')) base.pathname += '/';
    this.base = base;
    this.scrubber = new Scrubber([...configuredSecrets, ...headerSecrets(this.defaultHeaders)]);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.maxResponseBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES;
    this.onCall = options.onCall;
    this.limiter =
      options.rateLimit?.perSecond !== undefined || options.rateLimit?.concurrency !== undefined
        ? new RateLimiter(options.rateLimit)
        : null;
    const verify = options.tls?.verify ?? true;
    const ca = options.tls?.ca;
    this.agent = new Agent({
      connect: {
        rejectUnauthorized: verify,
        ...(ca !== undefined ? { ca: [...rootCertificates, ca.toString()] } : {}),
      },
    });
  }

  /** `onCall`, when given, hears about this request too (the step that made it journals it). */
  async request<T = unknown>(
    req: HttpRequest,
    onCall?: (call: HttpCallRecord) => void,
  ): Promise<HttpResponse<T>> {
    const method = req.method ?? 'GET';
    // Time spent waiting for a rate-limit slot is not the vendor's: the record starts after it.
    const release = this.limiter ? await this.acquireSlot(req, method) : null;
    const started = performance.now();
    const state: CallState = {
      method,
      url: this.scrubber.text(singleLine(req.path, 500)),
      status: null,
      bytes: 0,
      scrubber: this.scrubber,
    };
    let failure: HttpError | undefined;
    try {
      return await this.perform<T>(req, state, started);
    } catch (error) {
      failure =
        error instanceof HttpError ? error : networkError(error, method, state.url, state.scrubber);
      throw failure;
    } finally {
      release?.();
      this.record(onCall, {
        method,
        url: state.url,
        status: state.status,
        durationMs: elapsed(started),
        bytes: state.bytes,
        ...(failure !== undefined
          ? { error: failure.code === 'ABORTED' ? 'aborted' : failure.message, code: failure.code }
          : {}),
      });
    }
  }

  private async acquireSlot(req: HttpRequest, method: string): Promise<() => void> {
    try {
      return await this.limiter!.acquire(req.signal);
    } catch {
      throw httpError(
        'ABORTED',
        `${method} ${this.scrubber.text(singleLine(req.path, 500))}: cancelled while waiting for the instance's rate limit`,
      );
    }
  }

  /** Waits for requests in flight (bounded by their timeouts), then closes the connections. */
  close(): Promise<void> {
    this.closing ??= this.agent.close();
    return this.closing;
  }

  private async perform<T>(
    req: HttpRequest,
    state: CallState,
    started: number,
  ): Promise<HttpResponse<T>> {
    const { method } = state;
    if (this.closing !== null) {
      throw httpError('CLIENT_CLOSED', `${method} ${state.url}: the HTTP client is closed`);
    }
    const headers = { ...this.defaultHeaders, ...lowerCaseKeys(req.headers ?? {}) };
    const scrubber = this.scrubber.with([
      ...headerSecrets(req.headers ?? {}),
      ...payloadSecrets(req.query, req.form, req.json),
    ]);
    state.scrubber = scrubber;
    const url = this.resolve(req, state);
    state.url = scrubber.text(url.href);
    const body = encodeBody(req, headers, state);
    const expect = req.expect ?? 'json';
    if (expect === 'json') headers.accept ??= 'application/json';

    if (req.signal?.aborted) throw aborted(state);
    const controller = new AbortController();
    let cause: 'timeout' | 'aborted' | null = null;
    const onStepAbort = (): void => {
      cause ??= 'aborted';
      controller.abort(new Error('aborted'));
    };
    const timeoutMs = req.timeoutMs ?? this.timeoutMs;
    const timer = setTimeout(() => {
      cause ??= 'timeout';
      controller.abort(new Error('timeout'));
    }, timeoutMs);
    req.signal?.addEventListener('abort', onStepAbort, { once: true });
    try {
      const response = await this.agent.request({
        origin: url.origin,
        path: url.pathname + url.search,
        method,
        headers,
        body,
        signal: controller.signal,
        // Our own timer covers the whole request; undici's must not fire first.
        headersTimeout: timeoutMs + 1000,
        bodyTimeout: timeoutMs + 1000,
      });
      state.status = response.statusCode;
      return await this.handle<T>(req, response, state, expect, started);
    } catch (error) {
      if (error instanceof HttpError) throw error;
      if (cause === 'aborted') throw aborted(state);
      if (cause === 'timeout') {
        throw httpError(
          'TIMEOUT',
          `${method} ${state.url}: no complete response within ${timeoutMs} ms`,
          state.status,
        );
      }
      throw networkError(error, method, state.url, scrubber);
    } finally {
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onStepAbort);
    }
  }

  private async handle<T>(
    req: HttpRequest,
    response: Dispatcher.ResponseData,
    state: CallState,
    expect: 'json' | 'text' | 'any',
    started: number,
  ): Promise<HttpResponse<T>> {
    const { statusCode: status, body } = response;
    const { headers, cookies } = flattenHeaders(response.headers);
    const ok = status >= 200 && status < 300;
    if (!ok && !(req.accept ?? []).includes(status)) {
      const { buffer } = await readBody(body, ERROR_BODY_BYTES, 'cut', state);
      throw statusError({
        method: state.method,
        url: state.url,
        status,
        headers,
        text: buffer.toString('utf8'),
        scrubber: state.scrubber,
      });
    }
    const declared = Number(headers['content-length']);
    if (declared > this.maxResponseBytes) {
      body.destroy();
      throw this.tooLarge(state, `declares ${declared} bytes`);
    }
    const { buffer, cut } = await readBody(body, this.maxResponseBytes, 'fail', state);
    if (cut) throw this.tooLarge(state, `exceeded ${this.maxResponseBytes} bytes; reading stopped`);
    const text = stripBom(buffer.toString('utf8'));
    const parsed = parseBody(text, status, headers, expect, ok, state);
    return {
      status,
      headers,
      body: parsed as T,
      text,
      durationMs: elapsed(started),
      cookies,
    };
  }

  private tooLarge(state: CallState, detail: string): HttpError {
    return httpError(
      'RESPONSE_TOO_LARGE',
      `${state.method} ${state.url}: response body too large (${detail}; limit ${this.maxResponseBytes})`,
      state.status,
    );
  }

  private resolve(req: HttpRequest, state: CallState): URL {
    const { path } = req;
    const absolute = /^[a-z][a-z0-9+.-]*:/i.test(path) || /^[/\\]{2}/.test(path);
    let url: URL;
    try {
      // Relative paths, with or without a leading slash, go under the base path.
      url = absolute ? new URL(path, this.base) : new URL(path.replace(/^\/+/, ''), this.base);
    } catch {
      throw httpError('INVALID_REQUEST', `${state.method} ${state.url}: invalid path`);
    }
    // Backslashes and the like can still turn a "relative" path into another host.
    if (url.origin !== this.base.origin) {
      throw httpError(
        'ORIGIN_REFUSED',
        `${state.method}: refused to send a request to ${url.origin}, outside the integration's origin ${this.base.origin}`,
      );
    }
    url.username = '';
    url.password = '';
    url.hash = '';
    if (!absolute) {
      for (const [name, value] of this.base.searchParams) url.searchParams.append(name, value);
    }
    for (const [name, value] of Object.entries(req.query ?? {})) {
      if (value !== undefined) url.searchParams.append(name, String(value));
    }
    return url;
  }

  private record(extra: ((call: HttpCallRecord) => void) | undefined, call: HttpCallRecord): void {
    for (const hook of [this.onCall, extra]) {
      if (hook === undefined) continue;
      try {
        hook(call);
      } catch {
        // A journal hook's failure must not change the outcome of the call.
      }
    }
  }
}

function encodeBody(
  req: HttpRequest,
  headers: Record<string, string>,
  state: CallState,
): string | Buffer | null {
  const given = [req.json !== undefined, req.form !== undefined, req.body !== undefined];
  if (given.filter(Boolean).length > 1) {
    throw httpError(
      'INVALID_REQUEST',
      `${state.method} ${state.url}: give only one of json, form and body`,
    );
  }
  if (req.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    return JSON.stringify(req.json);
  }
  if (req.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return new URLSearchParams(req.form).toString();
  }
  return req.body ?? null;
}

function parseBody(
  text: string,
  status: number,
  headers: Record<string, string>,
  expect: 'json' | 'text' | 'any',
  strict: boolean,
  state: CallState,
): unknown {
  if (expect === 'text') return text;
  const contentType = headers['content-type'] ?? '';
  if (expect === 'any') {
    if (!/[/+]json\b/i.test(contentType)) return text;
    try {
      return JSON.parse(text, safeReviver) as unknown;
    } catch {
      return text;
    }
  }
  const empty = text.trim() === '';
  if (empty && (status === 204 || status === 205 || headers['content-length'] === '0')) {
    return null;
  }
  try {
    if (empty) throw new SyntaxError('Unexpected end of JSON input');
    return JSON.parse(text, safeReviver) as unknown;
  } catch (error) {
    // An accepted error status (404 "missing", FortiGate 500) may come with any body.
    if (!strict) return null;
    const where = `${state.method} ${state.url}: HTTP ${status}`;
    if (!empty && looksLikeHtml(text, contentType)) {
      const title = htmlTitle(text, state.scrubber);
      const login = title !== undefined && /log\s?-?in|sign\s?-?in/i.test(title);
      throw httpError(
        'HTML_INSTEAD_OF_JSON',
        `${where}: the server answered with an HTML page${title !== undefined ? ` titled "${title}"` : ''} instead of JSON` +
          (login ? ' (a login page: the session has expired or the credentials were refused)' : ''),
        status,
      );
    }
    const truncated = empty || /end of (JSON )?input|Unterminated/i.test(String(error));
    const excerpt = bodyExcerpt(text, contentType, state.scrubber);
    throw httpError(
      'BAD_JSON',
      truncated
        ? `${where}: the JSON response is truncated or empty${excerpt ? `: ${excerpt}` : ''}`
        : `${where}: the response is not JSON (content-type ${contentType || 'none'}): ${excerpt}`,
      status,
    );
  }
}

async function readBody(
  body: Body,
  limit: number,
  onOverflow: 'cut' | 'fail',
  state: CallState,
): Promise<{ buffer: Buffer; cut: boolean }> {
  const chunks: Buffer[] = [];
  let kept = 0;
  for await (const chunk of body) {
    const bytes = chunk as Buffer;
    state.bytes += bytes.length;
    if (kept + bytes.length > limit) {
      // Stop reading: destroying the stream closes the connection, whatever the server sends.
      body.destroy();
      if (onOverflow === 'cut') chunks.push(bytes.subarray(0, limit - kept));
      return { buffer: Buffer.concat(chunks), cut: true };
    }
    chunks.push(bytes);
    kept += bytes.length;
  }
  return { buffer: Buffer.concat(chunks), cut: false };
}

function aborted(state: CallState): HttpError {
  return httpError('ABORTED', `${state.method} ${state.url}: aborted`, state.status);
}

function flattenHeaders(raw: Dispatcher.ResponseData['headers']): {
  headers: Record<string, string>;
  cookies: string[];
} {
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [name, value] of Object.entries(raw)) {
    if (value === undefined) continue;
    const lower = name.toLowerCase();
    if (lower === 'set-cookie') cookies = Array.isArray(value) ? [...value] : [value];
    headers[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  return { headers, cookies };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) result[name.toLowerCase()] = value;
  return result;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 10) / 10;
}
