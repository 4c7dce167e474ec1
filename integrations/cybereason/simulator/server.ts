/*
 * A local HTTP server that behaves like the Cybereason REST API as far as the integration
 * uses it, quirks included: form login with a JSESSIONID cookie, the HTML login page (HTTP
 * 200) for a refused login and for any /rest call without a live session, string-typed
 * numbers, offset paging, the visual search envelope, the reputation CSV. Tests inspect
 * `state`, end sessions with `expireSessions()` and inject faults with `inject()`.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fixtureMalops, fixtureReputations } from '../fixtures/malops.js';
import { generateMalops } from './generate.js';
import { CONSOLE_PAGE, LOGIN_PAGE } from './login-page.js';
import type { CrimeStatus, SimMalop, SimReputation } from './model.js';
import { inboxMalop, managementMalop, reputationCsv, type RenderOptions } from './render.js';
import { SimState, type SimSession } from './state.js';
import { QueryError, runVisualSearch } from './visual-search.js';

export const SIM_USER = 'soar-api@example.com';
export const SIM_PASSWORD = 'Sim-Password-4f1c9e';

export interface SimulatorOptions {
  /** username → password; default SIM_USER / SIM_PASSWORD. */
  users?: Record<string, string>;
  /** Default: the hand-written fixtures. */
  malops?: SimMalop[];
  /** Adds this many generated malops (seeded by `seed`). */
  generate?: number;
  seed?: number;
  reputations?: SimReputation[];
  /** false: an older server without /rest/mmng/v2/malops (HTTP 404). */
  managementApi?: boolean;
  /** String-typed numbers, "None" and friends; default true. */
  quirks?: boolean;
  sessionTtlMs?: number;
  now?: () => number;
  /** How a good login is answered: a redirect to the console (default) or the console page. */
  loginSuccess?: 'redirect' | 'page';
  /** How a /rest call without a live session is answered: the login page (default) or a redirect to it. */
  noSession?: 'page' | 'redirect';
  port?: number;
}

export interface Fault {
  /** Path prefix the fault applies to ("/rest/mmng/v2/malops", "/login.html"). */
  path: string;
  method?: string;
  /** How many matching requests it hits; default 1. */
  times?: number;
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Wait before answering (or before applying the rest of the fault). */
  delayMs?: number;
  /** Close the connection without an answer. */
  reset?: boolean;
  /** Send only the first half of the body (with the full Content-Length), then close. */
  truncate?: boolean;
}

export interface SimRequest {
  method: string;
  path: string;
  status: number;
  /** The body, cut at 64 KiB. */
  body: string;
  session: boolean;
}

export interface CybereasonSimulator {
  url: string;
  state: SimState;
  requests: SimRequest[];
  inject(fault: Fault): void;
  expireSessions(): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const CRIME_STATUSES = new Set<CrimeStatus>(['UNREAD', 'TODO', 'OPEN', 'CLOSED', 'FP']);

/** What the management API reads from a request; anything may be missing or mistyped. */
interface ManagementRequest {
  range?: { from?: unknown; to?: unknown };
  filter?: { malop?: { status?: unknown } };
  search?: { malop?: { guid?: unknown } };
  sort?: unknown;
  pagination?: { pageSize?: unknown; offset?: unknown };
}

interface ManagementSort {
  field?: string;
  order?: string;
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  body: string;
  record: SimRequest;
}

export async function startCybereasonSimulator(
  options: SimulatorOptions = {},
): Promise<CybereasonSimulator> {
  const now = options.now ?? Date.now;
  const state = new SimState(
    options.users ?? { [SIM_USER]: SIM_PASSWORD },
    options.sessionTtlMs ?? 8 * 60 * 60 * 1000,
    now,
  );
  state.addMalops(options.malops ?? fixtureMalops(now()));
  if (options.generate) {
    state.addMalops(generateMalops(options.generate, { seed: options.seed ?? 1, now: now() }));
  }
  state.addReputations(options.reputations ?? fixtureReputations(now()));
  const render: RenderOptions = { quirks: options.quirks ?? true };
  const faults: Fault[] = [];
  const requests: SimRequest[] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://simulator');
      const record: SimRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        status: 0,
        body: Buffer.concat(chunks).toString('utf8').slice(0, 65_536),
        session: false,
      };
      requests.push(record);
      const exchange = {
        req,
        res,
        path: url.pathname,
        body: Buffer.concat(chunks).toString('utf8'),
        record,
      };
      if (size > MAX_BODY_BYTES)
        return send(
          exchange,
          413,
          'application/json',
          '{"status":"FAILURE","message":"Request too large"}',
        );
      void handle(exchange).catch((error: unknown) => {
        send(
          exchange,
          500,
          'application/json',
          JSON.stringify({ status: 'FAILURE', message: String(error) }),
        );
      });
    });
  });

  async function handle(x: Exchange): Promise<void> {
    const fault = takeFault(x);
    if (fault) {
      if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
      if (fault.reset) {
        x.record.status = -1;
        x.req.socket.destroy();
        return;
      }
      if (fault.status !== undefined) {
        const contentType = fault.contentType ?? 'application/json';
        if (!fault.truncate)
          return send(x, fault.status, contentType, fault.body ?? '', fault.headers);
        const body = Buffer.from(fault.body ?? '');
        x.record.status = fault.status;
        x.res.writeHead(fault.status, {
          'content-type': contentType,
          'content-length': String(body.length),
          ...fault.headers,
        });
        x.res.write(body.subarray(0, Math.floor(body.length / 2)));
        x.req.socket.destroy();
        return;
      }
    }
    if (x.path === '/login.html' && x.req.method === 'POST') return login(x);
    if (x.path === '/logout') {
      const id = cookie(x.req);
      if (id) state.logout(id);
      return send(x, 302, 'text/html', '', { location: '/login.html' });
    }
    if (!x.path.startsWith('/rest/'))
      return send(x, 404, 'text/html', '<html><body>Not Found</body></html>');
    const session = state.session(cookie(x.req));
    if (!session) {
      // No 401: the login page, as for a browser.
      if (options.noSession === 'redirect')
        return send(x, 302, 'text/html', '', { location: '/login.html' });
      return send(x, 200, 'text/html;charset=UTF-8', LOGIN_PAGE);
    }
    x.record.session = true;
    return rest(x, session);
  }

  function login(x: Exchange): void {
    const form = new URLSearchParams(x.body);
    const session = state.login(form.get('username') ?? '', form.get('password') ?? '');
    if (!session) {
      // A refused login still gets an (anonymous) session cookie, and the login page again.
      const anonymous = `JSESSIONID=${Math.random().toString(16).slice(2).toUpperCase()}; Path=/; HttpOnly`;
      return send(x, 200, 'text/html;charset=UTF-8', LOGIN_PAGE, { 'set-cookie': anonymous });
    }
    const setCookie = `JSESSIONID=${session.id}; Path=/; Secure; HttpOnly`;
    if (options.loginSuccess === 'page') {
      return send(x, 200, 'text/html;charset=UTF-8', CONSOLE_PAGE, { 'set-cookie': setCookie });
    }
    return send(x, 302, 'text/html', '', { location: '/', 'set-cookie': setCookie });
  }

  function rest(x: Exchange, session: SimSession): void {
    const { path } = x;
    const method = x.req.method ?? 'GET';
    if (path === '/rest/classification/download') {
      if (method !== 'GET')
        return send(
          x,
          405,
          'application/json',
          '{"status":"FAILURE","message":"Method Not Allowed"}',
        );
      return send(x, 200, 'text/csv', reputationCsv(state.reputations.values()), {
        'content-disposition': 'attachment; filename="reputations.csv"',
      });
    }
    if (method !== 'POST')
      return send(
        x,
        405,
        'application/json',
        '{"status":"FAILURE","message":"Method Not Allowed"}',
      );
    if (path.startsWith('/rest/crimes/comment/')) {
      const guid = decodeURIComponent(path.slice('/rest/crimes/comment/'.length));
      const comment = state.addComment(guid, x.body, session.user);
      if (!comment)
        return json(x, 400, { status: 'FAILURE', message: `No malop with guid ${guid}` });
      return json(x, 200, {
        commentId: comment.id,
        message: x.body,
        timestamp: comment.timestamp,
        userName: session.user,
      });
    }
    if (!/^application\/json\b/i.test(x.req.headers['content-type'] ?? '')) {
      return json(x, 415, { status: 'FAILURE', message: 'Content type must be application/json' });
    }
    let body: unknown;
    try {
      body = JSON.parse(x.body);
    } catch {
      return json(x, 400, { status: 'FAILURE', message: 'Malformed JSON request' });
    }
    switch (path) {
      case '/rest/mmng/v2/malops':
        if (options.managementApi === false)
          return send(x, 404, 'text/html', '<html><body>Not Found</body></html>');
        return json(x, 200, management(body));
      case '/rest/detection/inbox':
        return inbox(x, body);
      case '/rest/visualsearch/query/simple':
        try {
          return json(x, 200, runVisualSearch(state, body, render));
        } catch (error) {
          if (error instanceof QueryError)
            return json(x, 400, { status: 'FAILURE', message: error.message });
          throw error;
        }
      case '/rest/classification/update':
        return classify(x, body);
      case '/rest/crimes/status':
        return crimeStatus(x, body);
      case '/rest/monitor/global/commands/isolate':
      case '/rest/monitor/global/commands/un-isolate':
        return isolate(x, body, path.endsWith('/isolate'));
      default:
        return json(x, 404, { status: 'FAILURE', message: `No such API ${path}` });
    }
  }

  function management(raw: unknown): unknown {
    const body = (raw ?? {}) as ManagementRequest;
    const from = Number(body.range?.from ?? 0);
    const to = Number(body.range?.to ?? Number.MAX_SAFE_INTEGER);
    const statuses: unknown = body.filter?.malop?.status;
    const guid: unknown = body.search?.malop?.guid;
    const guids =
      guid === undefined ? null : new Set((Array.isArray(guid) ? guid : [guid]).map(String));
    const sort = Array.isArray(body.sort)
      ? (body.sort[0] as ManagementSort | undefined)
      : undefined;
    const field = /creation/i.test(String(sort?.field ?? '')) ? 'creationTime' : 'lastUpdateTime';
    const descending = String(sort?.order ?? 'desc').toLowerCase() !== 'asc';
    const pageSize = Math.min(Math.max(1, Number(body.pagination?.pageSize ?? 50) || 50), 1000);
    const offset = Math.max(0, Number(body.pagination?.offset ?? 0) || 0);
    const matching = state
      .sortedMalops(field, descending)
      .filter(
        (m) =>
          m.lastUpdateTime >= from &&
          m.lastUpdateTime <= to &&
          (!Array.isArray(statuses) || statuses.length === 0 || statuses.includes(m.status)) &&
          (guids === null || guids.has(m.guid)),
      );
    const page = matching.slice(offset, offset + pageSize);
    const total = render.quirks ? String(matching.length) : matching.length;
    return {
      status: 'SUCCESS',
      message: '',
      data: {
        pageSize,
        pages: Math.ceil(matching.length / pageSize),
        offset,
        totalHits: total,
        token: '',
        data: page.map((m) => managementMalop(m, render)),
      },
    };
  }

  function inbox(x: Exchange, raw: unknown): void {
    const body = (raw ?? {}) as Record<string, unknown>;
    const from = Number(body.startTime);
    const to = Number(body.endTime);
    if (!Number.isFinite(from) || !Number.isFinite(to)) {
      return json(x, 400, { status: 'FAILURE', message: 'startTime and endTime are required' });
    }
    const malops = [...state.malops.values()]
      .filter((m) => m.lastUpdateTime >= from && m.lastUpdateTime <= to)
      .map((m) => inboxMalop(m, render));
    return json(x, 200, { malops });
  }

  function classify(x: Exchange, raw: unknown): void {
    if (!Array.isArray(raw))
      return json(x, 400, { status: 'FAILURE', message: 'Expected a JSON array' });
    for (const item of raw as Record<string, unknown>[]) {
      const keys = item?.keys;
      const type = item?.reputationType;
      const malicious = item?.maliciousType;
      if (
        !Array.isArray(keys) ||
        !['IP', 'DOMAIN', 'FILE'].includes(String(type)) ||
        !['blacklist', 'whitelist'].includes(String(malicious))
      ) {
        return json(x, 200, { outcome: 'failure', data: 'Invalid classification request' });
      }
      if (item.prevent === true && type !== 'FILE') {
        return json(x, 200, { outcome: 'failure', data: 'prevent is supported for files only' });
      }
      for (const key of keys.map(String)) {
        if (item.remove === true) {
          state.reputations.delete(key);
          continue;
        }
        state.reputations.set(key, {
          key,
          reputationType: type as SimReputation['reputationType'],
          maliciousType: malicious as SimReputation['maliciousType'],
          prevent: item.prevent === true,
          comment: typeof item.comment === 'string' ? item.comment : '',
          expiration: Number(item.expiration ?? 0) || 0,
        });
      }
    }
    return json(x, 200, { outcome: 'success', data: 'true' });
  }

  function crimeStatus(x: Exchange, raw: unknown): void {
    const entries = Object.entries((raw ?? {}) as Record<string, unknown>);
    if (entries.length === 0) return json(x, 400, { status: 'FAILURE', message: 'No malop given' });
    for (const [guid, status] of entries) {
      if (!CRIME_STATUSES.has(status as CrimeStatus)) {
        return json(x, 400, { status: 'FAILURE', message: `Unknown status ${String(status)}` });
      }
      if (!state.malops.has(guid))
        return json(x, 200, { status: 'FAILURE', message: `No malop with guid ${guid}` });
    }
    for (const [guid, status] of entries) state.setCrimeStatus(guid, status as CrimeStatus);
    return json(x, 200, { status: 'SUCCESS' });
  }

  function isolate(x: Exchange, raw: unknown, on: boolean): void {
    const ids = (raw as { pylumIds?: unknown } | null)?.pylumIds;
    if (!Array.isArray(ids))
      return json(x, 400, { status: 'FAILURE', message: 'pylumIds is required' });
    const results: Record<string, string> = {};
    for (const id of ids.map(String)) {
      const machine = state.machine(id);
      if (machine) machine.isolated = on;
      results[id] = machine ? 'Succeeded' : 'Failed';
    }
    return json(x, 200, results);
  }

  function takeFault(x: Exchange): Fault | undefined {
    const at = faults.findIndex(
      (f) => x.path.startsWith(f.path) && (f.method === undefined || f.method === x.req.method),
    );
    if (at < 0) return undefined;
    const fault = faults[at]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) faults.splice(at, 1);
    return fault;
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    state,
    requests,
    inject: (fault) => faults.push({ ...fault }),
    expireSessions: () => state.expireSessions(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function cookie(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie ?? '';
  return /(?:^|;\s*)JSESSIONID=([^;]+)/.exec(header)?.[1];
}

function json(x: Exchange, status: number, value: unknown): void {
  send(x, status, 'application/json;charset=UTF-8', JSON.stringify(value));
}

function send(
  x: Exchange,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  x.record.status = status;
  x.res.writeHead(status, { 'content-type': contentType, ...headers });
  x.res.end(body);
}
