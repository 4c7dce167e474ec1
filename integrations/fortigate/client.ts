/*
 * FortiOS REST transport: authentication (API token, or a login session with its CSRF
 * token), the CMDB envelope, and FortiOS error answers turned into outcomes or
 * CommandErrors. Nothing here knows about blocking.
 */
import type { CommandContext } from '../../src/integration-sdk/define.js';
import { CommandError, permanentError, transientError } from '../../src/integration-sdk/index.js';
import type { HttpMethod, HttpResponse } from '../../src/integration-sdk/http.js';

/** The part of a command context the client needs (`soar integrations test` has no run). */
export type FortiGateContext = Pick<CommandContext, 'http' | 'instance' | 'signal'>;

export interface Envelope {
  http_method?: string;
  status?: string;
  http_status?: number;
  error?: number;
  cli_error?: string;
  results?: unknown;
  mkey?: string;
  revision?: string;
  vdom?: string;
  version?: string;
  serial?: string;
}

export type CmdbObject = Record<string, unknown>;

/** FortiOS error numbers the client acts on. */
export const FortiOsError = {
  NOT_FOUND: -3,
  ALREADY_EXISTS: -5,
  DUPLICATED_ENTRY: -15,
  COMMAND_ERROR: -61,
} as const;

const KNOWN_ERRORS: Record<number, string> = {
  [-3]: 'entry not found',
  [-5]: 'object already exists',
  [-15]: 'duplicated entry',
  [-61]: 'command error',
};

/** A FortiOS error answer (an envelope with status "error"), with its negative error number. */
export class FortiGateError extends CommandError {
  constructor(
    message: string,
    readonly httpStatus: number,
    readonly fortiosError: number | null,
  ) {
    super(message, { retryable: false, code: 'FORTIGATE_ERROR' });
  }
}

type Auth =
  | { kind: 'token'; token: string }
  | { kind: 'session'; cookie: string; csrf: string; loggedOut: boolean };

const LOGOUT_TIMEOUT_MS = 5_000;

export class FortiGate {
  private constructor(
    private readonly ctx: FortiGateContext,
    readonly vdom: string,
    private readonly auth: Auth,
  ) {}

  /**
   * Connects with the instance's credentials: `token` (REST API admin) when given, else a
   * login session with `username` and `password`. Close it to log the session out.
   */
  static async connect(ctx: FortiGateContext, vdom: string): Promise<FortiGate> {
    const { token, username, password } = ctx.instance.credentials;
    if (token) return new FortiGate(ctx, vdom, { kind: 'token', token });
    if (username && password) return new FortiGate(ctx, vdom, await login(ctx, username, password));
    throw permanentError(
      `instance '${ctx.instance.id}': give credentials.token, or credentials.username and credentials.password`,
      'BAD_INSTANCE',
    );
  }

  /** Runs `work` on a connection and always closes it (a session is logged out even on failure). */
  static async with<T>(
    ctx: FortiGateContext,
    vdom: string,
    work: (fortigate: FortiGate) => Promise<T>,
  ): Promise<T> {
    const fortigate = await FortiGate.connect(ctx, vdom);
    try {
      return await work(fortigate);
    } finally {
      await fortigate.close();
    }
  }

  /** Logs a session out (FortiOS limits concurrent admin sessions); a token needs nothing. */
  async close(): Promise<void> {
    if (this.auth.kind !== 'session' || this.auth.loggedOut) return;
    this.auth.loggedOut = true;
    try {
      // Not tied to the step's signal: a timed-out step must still give its session back.
      await this.ctx.http.request({
        method: 'POST',
        path: 'logout',
        headers: this.headers(true),
        expect: 'any',
        timeoutMs: LOGOUT_TIMEOUT_MS,
        accept: [401, 403, 404, 500],
      });
    } catch {
      // The session expires on its own; the failed call is journaled like any other.
    }
  }

  /** Every entry of a table (`firewall/address`), optionally filtered (`name==x`, `comment=@x`). */
  async list(path: string, query: Record<string, string> = {}): Promise<CmdbObject[]> {
    const envelope = await this.call('GET', path, { query });
    return envelope === null ? [] : results(envelope);
  }

  /** One entry, or null when FortiOS answers 404. */
  async get(path: string, key: string): Promise<CmdbObject | null> {
    const envelope = await this.call('GET', `${path}/${mkey(key)}`);
    return envelope === null ? null : (results(envelope)[0] ?? null);
  }

  /** Creates an entry; 'exists' when FortiOS says it already exists (-5) or is a duplicate (-15). */
  async create(path: string, body: CmdbObject): Promise<'created' | 'exists'> {
    try {
      const envelope = await this.call('POST', path, { json: body });
      // A POST answered 404: the parent (the group of a member sub-table) does not exist.
      if (envelope === null) {
        throw new FortiGateError(`FortiGate POST ${path}: HTTP 404 (not found)`, 404, null);
      }
      return 'created';
    } catch (error) {
      if (
        error instanceof FortiGateError &&
        (error.fortiosError === FortiOsError.ALREADY_EXISTS ||
          error.fortiosError === FortiOsError.DUPLICATED_ENTRY)
      ) {
        return 'exists';
      }
      throw error;
    }
  }

  /** Changes fields of an entry; 'missing' on 404. */
  async update(path: string, key: string, body: CmdbObject): Promise<'updated' | 'missing'> {
    const envelope = await this.call('PUT', `${path}/${mkey(key)}`, { json: body });
    return envelope === null ? 'missing' : 'updated';
  }

  /** Deletes an entry; 'missing' when it was already gone (404). */
  async remove(path: string, key: string): Promise<'deleted' | 'missing'> {
    try {
      const envelope = await this.call('DELETE', `${path}/${mkey(key)}`);
      return envelope === null ? 'missing' : 'deleted';
    } catch (error) {
      if (error instanceof FortiGateError && error.fortiosError === FortiOsError.NOT_FOUND) {
        return 'missing';
      }
      throw error;
    }
  }

  /** The envelope of a successful call, null for a 404; throws for any other answer. */
  private async call(
    method: HttpMethod,
    path: string,
    options: { query?: Record<string, string>; json?: unknown } = {},
  ): Promise<Envelope | null> {
    const where = `${method} ${path}`;
    let response: HttpResponse<Envelope | null>;
    try {
      response = await this.ctx.http.request<Envelope | null>({
        method,
        path: `api/v2/cmdb/${path}`,
        query: { vdom: this.vdom, ...options.query },
        headers: this.headers(method !== 'GET'),
        ...(options.json !== undefined ? { json: options.json } : {}),
        accept: [400, 404, 405, 424, 500],
        signal: this.ctx.signal,
      });
    } catch (error) {
      throw this.authHint(error);
    }
    const envelope = isEnvelope(response.body) ? response.body : null;
    if (response.status === 404) return null;
    if (response.status === 200 && envelope?.status === 'success') return envelope;
    if (response.status >= 500 && envelope === null) {
      // A 5xx without FortiOS's envelope is the web server failing, not a FortiOS answer.
      throw transientError(
        `FortiGate ${where}: HTTP ${response.status} without a FortiOS answer`,
        'HTTP_5XX',
      );
    }
    if (envelope === null) {
      throw permanentError(
        `FortiGate ${where}: HTTP ${response.status} with a body that is not a FortiOS answer`,
        'FORTIGATE_ERROR',
      );
    }
    throw fortiosFailure(where, response.status, envelope);
  }

  private headers(write: boolean): Record<string, string> {
    if (this.auth.kind === 'token') return { authorization: `Bearer ${this.auth.token}` };
    return {
      cookie: this.auth.cookie,
      ...(write ? { 'x-csrftoken': this.auth.csrf } : {}),
    };
  }

  private authHint(error: unknown): unknown {
    if (!(error instanceof CommandError) || error.code !== 'AUTH_REFUSED') return error;
    const what = this.auth.kind === 'token' ? 'the API token' : 'the login session';
    return permanentError(
      `FortiGate refused ${what} (${error.message}). Check the credentials and the API admin's trusted hosts; not retried, because repeated bad keys lock this source out.`,
      'AUTH_REFUSED',
    );
  }
}

function fortiosFailure(where: string, status: number, envelope: Envelope): FortiGateError {
  const number = typeof envelope.error === 'number' ? envelope.error : null;
  const meaning = number !== null ? KNOWN_ERRORS[number] : undefined;
  const detail = [
    number !== null ? `error ${number}${meaning ? ` (${meaning})` : ''}` : null,
    typeof envelope.cli_error === 'string' ? `"${envelope.cli_error.trim().slice(0, 300)}"` : null,
  ]
    .filter(Boolean)
    .join(' ');
  return new FortiGateError(
    `FortiGate ${where}: HTTP ${status}${detail ? `, ${detail}` : ''}`,
    status,
    number,
  );
}

function isEnvelope(body: unknown): body is Envelope {
  return typeof body === 'object' && body !== null && !Array.isArray(body) && 'status' in body;
}

function results(envelope: Envelope): CmdbObject[] {
  const list = envelope.results;
  if (Array.isArray(list))
    return list.filter((r): r is CmdbObject => typeof r === 'object' && r !== null);
  return typeof list === 'object' && list !== null ? [list as CmdbObject] : [];
}

/** FortiOS mkeys go in the path: encode them whole (a `/` in a name is otherwise a new segment). */
export function mkey(name: string): string {
  return encodeURIComponent(name);
}

async function login(ctx: FortiGateContext, username: string, password: string): Promise<Auth> {
  const response = await ctx.http.request<string>({
    method: 'POST',
    path: 'logincheck',
    form: { username, secretkey: password, ajax: '1' },
    expect: 'text',
    signal: ctx.signal,
  });
  const answer = response.text.trim().charAt(0);
  if (answer === '0') {
    throw permanentError(
      'FortiGate refused the username or password (logincheck answered 0); not retried, because repeated failures lock this source out',
      'AUTH_REFUSED',
    );
  }
  if (answer === '2') {
    throw permanentError(
      'FortiGate has locked this source out after repeated failed logins (logincheck answered 2); wait before trying again',
      'AUTH_LOCKED_OUT',
    );
  }
  if (answer !== '1') {
    throw permanentError(
      `FortiGate login did not succeed (logincheck answered '${answer}'${answer === '3' ? ': two-factor authentication is not supported, use an API token' : ''})`,
      'AUTH_REFUSED',
    );
  }
  const jar = new Map<string, string>();
  keepCookies(jar, response.cookies);
  if (response.text.includes('logindisclaimer')) {
    const confirmed = await ctx.http.request<string>({
      method: 'POST',
      path: 'logindisclaimer',
      form: { confirm: '1' },
      headers: { cookie: cookieHeader(jar) },
      expect: 'text',
      signal: ctx.signal,
    });
    keepCookies(jar, confirmed.cookies);
  }
  // FortiOS 7 names it ccsrftoken_<port>_<id>; older versions just ccsrftoken.
  const csrf = [...jar].find(([name]) => name.startsWith('ccsrftoken'))?.[1];
  if (!csrf) {
    throw permanentError('FortiGate login answered 1 but set no ccsrftoken cookie', 'AUTH_REFUSED');
  }
  return {
    kind: 'session',
    cookie: cookieHeader(jar),
    csrf: csrf.replace(/^"|"$/g, ''),
    loggedOut: false,
  };
}

function keepCookies(jar: Map<string, string>, setCookies: string[]): void {
  for (const line of setCookies) {
    const pair = line.split(';', 1)[0] ?? '';
    const equals = pair.indexOf('=');
    if (equals <= 0) continue;
    const name = pair.slice(0, equals).trim();
    const value = pair.slice(equals + 1).trim();
    // An emptied cookie (logout, expiry) is removed rather than sent back.
    if (value === '' || value === '""') jar.delete(name);
    else jar.set(name, value);
  }
}

function cookieHeader(jar: Map<string, string>): string {
  return [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
}
