/*
 * Transport for the Cybereason REST API: form login for a JSESSIONID cookie, the cookie on
 * every /rest call, and the one quirk that shapes everything else: a refused login or an
 * expired session is not a 401 but an HTTP 200 carrying the HTML login page. Such a page on a
 * REST call means the session ended: log in again once and repeat the call; the login page
 * again after a fresh login is a clear, permanent failure.
 */
import type { InstanceContext } from '../../src/integration-sdk/define.js';
import { permanentError } from '../../src/integration-sdk/errors.js';
import {
  bodyExcerpt,
  httpError,
  looksLikeHtml,
  safeReviver,
  Scrubber,
} from '../../src/integration-sdk/http-errors.js';
import type { HttpMethod, HttpRequester, HttpResponse } from '../../src/integration-sdk/http.js';
import { SESSION_MAX_AGE_MS, sessionCell, type Session, type SessionCell } from './sessions.js';

/** What the client needs from a command context (or from an integration's `test`). */
export interface CybereasonContext {
  http: HttpRequester;
  instance: InstanceContext;
  signal: AbortSignal;
}

export interface RestCall {
  method?: HttpMethod;
  path: string;
  /** Sent as JSON. */
  json?: unknown;
  /** Sent as is, still labelled application/json (what the server expects for comments). */
  body?: string;
  /** 'json' (default) parses the body; 'text' returns it as a string (CSV downloads). */
  expect?: 'json' | 'text';
  /** Error statuses the caller handles (404 for an API this server does not have). */
  accept?: number[];
  timeoutMs?: number;
}

export interface RestAnswer<T> {
  status: number;
  body: T;
  headers: Record<string, string>;
}

const LOGIN_PAGE = Symbol('login page');

export class CybereasonClient {
  private readonly cell: SessionCell;
  private readonly scrubber: Scrubber;

  constructor(private readonly ctx: CybereasonContext) {
    this.cell = sessionCell(ctx.instance);
    this.scrubber = new Scrubber(Object.values(ctx.instance.credentials));
  }

  /** The instance's url without a trailing slash: the base of UI links. */
  get server(): string {
    return (this.ctx.instance.url ?? '').replace(/\/+$/, '');
  }

  /** A /rest call in the instance's session; logs in first when there is no live session. */
  async rest<T = unknown>(call: RestCall): Promise<RestAnswer<T>> {
    let session = await this.cell.get(this.login);
    if (Date.now() - session.createdAt > SESSION_MAX_AGE_MS) {
      session = await this.cell.renew(session, this.login);
    }
    const first = await this.send<T>(call, session);
    if (first !== LOGIN_PAGE) return first;
    session = await this.cell.renew(session, this.login);
    const second = await this.send<T>(call, session);
    if (second !== LOGIN_PAGE) return second;
    this.cell.drop(session);
    throw permanentError(
      `${call.method ?? 'POST'} ${call.path}: Cybereason answered with its login page again right ` +
        'after a fresh login. The user may lack API access (it needs the API or super-user role), ' +
        'or something ends sessions as soon as they start.',
      'SESSION_REJECTED',
    );
  }

  /** Logs in: POST /login.html with the form credentials; the session is the JSESSIONID cookie. */
  private readonly login = async (): Promise<Session> => {
    const { username, password } = this.ctx.instance.credentials;
    if (!username || !password) {
      throw permanentError(
        `instance '${this.ctx.instance.id}' needs credentials.username and credentials.password`,
        'BAD_INSTANCE',
      );
    }
    const response = await this.ctx.http.request<string>({
      method: 'POST',
      path: '/login.html',
      form: { username, password },
      expect: 'text',
      accept: [302],
      signal: this.ctx.signal,
    });
    if (isLoginAnswer(response, 'login')) {
      throw permanentError(
        'Cybereason refused the login (POST /login.html answered with its login page): check ' +
          "the instance's username and password, and that the user is allowed to log in",
        'AUTH',
      );
    }
    const id = jsessionId(response.cookies);
    if (id === undefined) {
      throw permanentError(
        `POST /login.html answered ${response.status} without a JSESSIONID cookie: no session`,
        'AUTH',
      );
    }
    return { id, createdAt: Date.now() };
  };

  private async send<T>(
    call: RestCall,
    session: Session,
  ): Promise<RestAnswer<T> | typeof LOGIN_PAGE> {
    const method = call.method ?? 'POST';
    const headers: Record<string, string> = {
      cookie: `JSESSIONID=${session.id}`,
      accept: 'application/json',
    };
    if (call.body !== undefined) headers['content-type'] = 'application/json';
    const response = await this.ctx.http.request<string>({
      method,
      path: call.path,
      headers,
      ...(call.json !== undefined ? { json: call.json } : {}),
      ...(call.body !== undefined ? { body: call.body } : {}),
      expect: 'text',
      accept: [302, ...(call.accept ?? [])],
      signal: this.ctx.signal,
      ...(call.timeoutMs !== undefined ? { timeoutMs: call.timeoutMs } : {}),
    });
    if (isLoginAnswer(response, 'rest')) return LOGIN_PAGE;
    if (response.status === 302) {
      throw httpError(
        'UNEXPECTED_REDIRECT',
        `${method} ${call.path}: HTTP 302 to ${this.scrubber.text(response.headers.location ?? '(no location)')}`,
        302,
      );
    }
    const { status, headers: responseHeaders, text } = response;
    // An accepted error status (the caller's 404) carries no body the caller needs.
    if (status >= 300) return { status, headers: responseHeaders, body: null as T };
    if (call.expect === 'text') return { status, headers: responseHeaders, body: text as T };
    return {
      status,
      headers: responseHeaders,
      body: this.parse(text, method, call.path, response),
    };
  }

  private parse<T>(text: string, method: string, path: string, response: HttpResponse): T {
    if (text.trim() === '') return null as T;
    try {
      return JSON.parse(text, safeReviver) as T;
    } catch {
      const contentType = response.headers['content-type'] ?? '';
      const excerpt = bodyExcerpt(text, contentType, this.scrubber);
      const where = `${method} ${path}: HTTP ${response.status}`;
      if (looksLikeHtml(text, contentType)) {
        throw httpError(
          'HTML_INSTEAD_OF_JSON',
          `${where}: an HTML page (${excerpt}) instead of JSON`,
          response.status,
        );
      }
      throw httpError(
        'BAD_JSON',
        `${where}: the response is not JSON: ${excerpt}`,
        response.status,
      );
    }
  }
}

/**
 * The login page, as Cybereason serves it for a refused login or an ended session: an HTML
 * page (HTTP 200), or a redirect to it. On a REST call any HTML page mentioning "Login" is
 * it, since a REST call never answers HTML otherwise. The answer to the login itself may be
 * the application's page, which can mention login too: there the page must look like the
 * login form (a title saying Login, or a password field).
 */
export function isLoginAnswer(response: HttpResponse, call: 'login' | 'rest'): boolean {
  if (response.status === 302) return /login/i.test(response.headers.location ?? '');
  if (response.status !== 200) return false;
  const head = response.text.slice(0, 65_536);
  if (!looksLikeHtml(head, response.headers['content-type'] ?? '')) return false;
  if (call === 'rest') return /login/i.test(head);
  return (
    /<title[^>]*>[^<]*log\s*-?in/i.test(head) || /<input[^>]+type\s*=\s*["']?password/i.test(head)
  );
}

/** The value of the last JSESSIONID among Set-Cookie headers. */
export function jsessionId(cookies: readonly string[]): string | undefined {
  let found: string | undefined;
  for (const cookie of cookies) {
    const match = /^\s*JSESSIONID=([^;\s]+)/i.exec(cookie);
    if (match?.[1]) found = match[1];
  }
  return found;
}
