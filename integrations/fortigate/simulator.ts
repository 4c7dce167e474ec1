/*
 * A local FortiGate (FortiOS REST API) for tests and demos: the CMDB envelope and error
 * shapes, -5 with HTTP 500 on a duplicate create, 404 for missing objects, group member
 * sub-tables, API tokens and login sessions with ccsrftoken, the lockout after repeated bad
 * keys, a request log, inspectable state and fault injection.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { defaultSeed } from './fixtures/default.js';
import { Cmdb, type CmdbOptions, type CmdbRecord, type CmdbSeed } from './simulator-cmdb.js';

export const SIMULATOR_SERIAL = 'FGVM02TM24000001';
const VERSION = { serial: SIMULATOR_SERIAL, version: 'v7.4.4', build: 2662 };
const MAX_BODY_BYTES = 1024 * 1024;

export type Fault =
  | { kind: 'status'; status: number; body?: string | object; headers?: Record<string, string> }
  | { kind: 'html'; status?: number }
  | { kind: 'truncated' }
  | { kind: 'not-json' }
  | { kind: 'reset' }
  | { kind: 'delay'; ms: number }
  | { kind: 'rate-limit'; retryAfterSeconds: number };

export interface FaultRule {
  fault: Fault;
  method?: string;
  /** Matched against the path without query (`/api/v2/cmdb/firewall/address`). */
  path?: string | RegExp;
  /** How many matching requests it applies to (default 1; Infinity for all). */
  times?: number;
}

export interface LoggedRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  body: unknown;
  auth: 'token' | 'session' | 'none';
}

export interface SimulatorOptions {
  /** Valid API tokens. */
  tokens?: string[];
  /** Admin users for session login: username → password. */
  users?: Record<string, string>;
  /** Ask for the login disclaimer (`/logindisclaimer`) after a successful login. */
  disclaimer?: boolean;
  /** `ccsrftoken` (FortiOS 6) or `ccsrftoken_<port>_<id>` (FortiOS 7) cookie name. */
  csrfCookie?: 'plain' | 'suffixed';
  /** Accept `?access_token=` (off by default since FortiOS 7.4.5). */
  allowAccessTokenInQuery?: boolean;
  /** Bad keys from one source before it is locked out (default 3 in 60 s, for 60 s). */
  lockout?: { attempts: number; windowMs: number; durationMs: number };
  /** Waited before each request is handled (lets concurrent clients interleave). */
  latencyMs?: number | (() => number);
  /** Initial configuration; default fixtures/default.ts. */
  seed?: CmdbSeed;
  cmdb?: CmdbOptions;
  now?: () => number;
}

interface Session {
  csrf: string;
  user: string;
  confirmed: boolean;
}

export class FortiGateSimulator {
  readonly cmdb: Cmdb;
  readonly requests: LoggedRequest[] = [];
  private readonly faults: (FaultRule & { left: number })[] = [];
  private readonly sessions = new Map<string, Session>();
  private readonly failures = new Map<string, number[]>();
  private readonly lockedUntil = new Map<string, number>();
  private readonly tokens: Set<string>;
  private readonly now: () => number;
  private server: Server | null = null;
  private port = 0;
  private inFlight = 0;
  /** The most requests handled at once so far. */
  maxInFlight = 0;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.cmdb = new Cmdb(options.seed ?? defaultSeed, options.cmdb);
    this.tokens = new Set(options.tokens ?? []);
    this.now = options.now ?? Date.now;
  }

  static async start(options: SimulatorOptions = {}): Promise<FortiGateSimulator> {
    const simulator = new FortiGateSimulator(options);
    await simulator.listen();
    return simulator;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    this.server = createServer((req, res) => void this.serve(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server) return resolve();
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }

  inject(rule: FaultRule): void {
    this.faults.push({ ...rule, left: rule.times ?? 1 });
  }

  /** Names of the address objects in a table (`firewall/address`), for assertions. */
  addresses(table = 'firewall/address', vdom = 'root'): CmdbRecord[] {
    return this.cmdb.entries(vdom, table);
  }

  members(group: string, table = 'firewall/addrgrp', vdom = 'root'): string[] {
    return this.cmdb.members(vdom, table, group);
  }

  get activeSessions(): number {
    return this.sessions.size;
  }

  private async serve(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    const url = new URL(req.url ?? '/', 'http://simulator');
    const entry: LoggedRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      status: 0,
      body: null,
      auth: 'none',
    };
    this.requests.push(entry);
    try {
      const raw = await readBody(req);
      const latency = this.options.latencyMs;
      const wait = typeof latency === 'function' ? latency() : (latency ?? 0);
      if (wait > 0) await sleep(wait);
      if (await this.applyFault(entry, res)) return;
      const answer = this.route(req, url, raw, entry);
      entry.status = answer.status;
      res.writeHead(answer.status, {
        'content-type': answer.text !== undefined ? 'text/plain' : 'application/json',
        ...(answer.cookies ? { 'set-cookie': answer.cookies } : {}),
      });
      res.end(answer.text ?? JSON.stringify(answer.json));
    } catch (error) {
      entry.status = 500;
      res.writeHead(500, { 'content-type': 'text/plain' }).end(String(error));
    } finally {
      this.inFlight--;
    }
  }

  private async applyFault(entry: LoggedRequest, res: ServerResponse): Promise<boolean> {
    const rule = this.faults.find(
      (f) =>
        f.left > 0 &&
        (f.method === undefined || f.method === entry.method) &&
        (f.path === undefined ||
          (typeof f.path === 'string' ? f.path === entry.path : f.path.test(entry.path))),
    );
    if (!rule) return false;
    rule.left--;
    const { fault } = rule;
    switch (fault.kind) {
      case 'delay':
        await sleep(fault.ms);
        return false;
      case 'status': {
        const body = typeof fault.body === 'string' ? fault.body : JSON.stringify(fault.body ?? {});
        entry.status = fault.status;
        res
          .writeHead(fault.status, { 'content-type': 'application/json', ...fault.headers })
          .end(body);
        return true;
      }
      case 'rate-limit':
        entry.status = 429;
        res
          .writeHead(429, {
            'retry-after': String(fault.retryAfterSeconds),
            'content-type': 'text/plain',
          })
          .end('Too Many Requests');
        return true;
      case 'html':
        entry.status = fault.status ?? 200;
        res
          .writeHead(entry.status, { 'content-type': 'text/html' })
          .end(
            '<!DOCTYPE html><html><head><title>FortiGate Login</title></head><body></body></html>',
          );
        return true;
      case 'truncated':
        entry.status = 200;
        res
          .writeHead(200, { 'content-type': 'application/json' })
          .end('{"http_method":"GET","results":[{"na');
        return true;
      case 'not-json':
        entry.status = 200;
        res.writeHead(200, { 'content-type': 'application/json' }).end('Internal error: cmdb busy');
        return true;
      case 'reset':
        entry.status = -1;
        res.socket?.destroy();
        return true;
    }
  }

  private route(
    req: IncomingMessage,
    url: URL,
    raw: string,
    entry: LoggedRequest,
  ): { status: number; json?: unknown; text?: string; cookies?: string[] } {
    const method = entry.method;
    const source = req.socket.remoteAddress ?? 'unknown';
    if (url.pathname === '/logincheck' && method === 'POST') return this.login(raw, source);
    if (url.pathname === '/logindisclaimer' && method === 'POST') return this.disclaimer(req, raw);
    if (url.pathname === '/logout' && method === 'POST') return this.logout(req);
    const match = /^\/api\/v2\/cmdb\/(.+)$/.exec(url.pathname);
    if (!match) return { status: 404, text: 'Not Found' };

    const auth = this.authenticate(req, url, method, source);
    entry.auth = auth.kind;
    if (auth.kind === 'none') {
      return {
        status: auth.status,
        json: { http_status: auth.status, status: 'error', ...VERSION },
      };
    }
    let body: CmdbRecord | null = null;
    if (raw.trim() !== '') {
      try {
        body = JSON.parse(raw) as CmdbRecord;
      } catch {
        return this.envelope(method, url, 424, { status: 'error', http_status: 424, error: -1 });
      }
      entry.body = body;
    }
    const vdom = url.searchParams.get('vdom') ?? 'root';
    const segments = match[1]!.split('/').map((s) => decodeURIComponent(s));
    const answer = this.cmdb.handle(method, vdom, segments, body, url.searchParams);
    return this.envelope(method, url, answer.status, answer.fields, segments, vdom);
  }

  private envelope(
    method: string,
    url: URL,
    status: number,
    fields: Record<string, unknown>,
    segments: string[] = [],
    vdom = 'root',
  ): { status: number; json: unknown } {
    const [path, name, , child, childKey] = segments;
    return {
      status,
      json: {
        http_method: method,
        ...(method === 'GET' && status === 200 ? { revision: this.cmdb.revision } : {}),
        ...fields,
        vdom,
        path,
        name,
        ...(child ? { child_path: child, ...(childKey ? { child_mkey: childKey } : {}) } : {}),
        status: fields.status ?? 'success',
        http_status: status,
        ...VERSION,
      },
    };
  }

  private authenticate(
    req: IncomingMessage,
    url: URL,
    method: string,
    source: string,
  ): { kind: 'token' | 'session' } | { kind: 'none'; status: number } {
    if (this.isLockedOut(source)) return { kind: 'none', status: 403 };
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)$/i.exec(header)?.[1];
    const queryToken = this.options.allowAccessTokenInQuery
      ? url.searchParams.get('access_token')
      : null;
    const token = bearer ?? queryToken;
    if (token) {
      if (this.tokens.has(token)) return { kind: 'token' };
      this.recordFailure(source);
      return { kind: 'none', status: 401 };
    }
    const session = this.sessionOf(req);
    if (!session || !session.confirmed) return { kind: 'none', status: 401 };
    if (method !== 'GET' && req.headers['x-csrftoken'] !== session.csrf) {
      return { kind: 'none', status: 403 };
    }
    return { kind: 'session' };
  }

  private login(raw: string, source: string): { status: number; text: string; cookies?: string[] } {
    if (this.isLockedOut(source)) return { status: 200, text: '2' };
    const form = new URLSearchParams(raw);
    const user = form.get('username') ?? '';
    const expected = this.options.users?.[user];
    if (expected === undefined || expected !== form.get('secretkey')) {
      this.recordFailure(source);
      return { status: 200, text: this.isLockedOut(source) ? '2' : '0' };
    }
    const id = randomBytes(12).toString('hex');
    const csrf = randomBytes(16).toString('hex');
    const confirmed = !this.options.disclaimer;
    this.sessions.set(id, { csrf, user, confirmed });
    const csrfName =
      this.options.csrfCookie === 'suffixed'
        ? `ccsrftoken_${this.port}_${id.slice(0, 7)}`
        : 'ccsrftoken';
    return {
      status: 200,
      text: confirmed ? '1' : '1document.location="/logindisclaimer";',
      cookies: [
        `APSCOOKIE_${SIMULATOR_SERIAL}="${id}"; path=/; HttpOnly`,
        `${csrfName}="${csrf}"; path=/`,
      ],
    };
  }

  private disclaimer(req: IncomingMessage, raw: string): { status: number; text: string } {
    const session = this.sessionOf(req);
    if (!session) return { status: 401, text: 'no session' };
    if (new URLSearchParams(raw).get('confirm') === '1') session.confirmed = true;
    return { status: 200, text: '1' };
  }

  private logout(req: IncomingMessage): { status: number; text: string; cookies: string[] } {
    const id = this.sessionId(req);
    if (id) this.sessions.delete(id);
    return {
      status: 200,
      text: '',
      cookies: [`APSCOOKIE_${SIMULATOR_SERIAL}=""; path=/; expires=Thu, 01 Jan 1970 00:00:00 GMT`],
    };
  }

  private sessionId(req: IncomingMessage): string | undefined {
    const cookies = req.headers.cookie ?? '';
    const match = new RegExp(`APSCOOKIE_${SIMULATOR_SERIAL}="?([0-9a-f]+)"?`).exec(cookies);
    return match?.[1];
  }

  private sessionOf(req: IncomingMessage): Session | undefined {
    const id = this.sessionId(req);
    return id ? this.sessions.get(id) : undefined;
  }

  private recordFailure(source: string): void {
    const { attempts, windowMs, durationMs } = this.lockoutRule();
    const now = this.now();
    const recent = (this.failures.get(source) ?? []).filter((t) => now - t < windowMs);
    recent.push(now);
    this.failures.set(source, recent);
    if (recent.length >= attempts) {
      this.lockedUntil.set(source, now + durationMs);
      this.failures.delete(source);
    }
  }

  private isLockedOut(source: string): boolean {
    const until = this.lockedUntil.get(source);
    return until !== undefined && this.now() < until;
  }

  private lockoutRule(): { attempts: number; windowMs: number; durationMs: number } {
    return this.options.lockout ?? { attempts: 3, windowMs: 60_000, durationMs: 60_000 };
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        reject(new Error('request body too large'));
        req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
