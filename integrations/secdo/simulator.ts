/*
 * A local SECDO server for tests and demos (127.0.0.1, a free port).
 *
 * What is documented, and done as documented: POST publicapi/v2/enrich_with_secdo/ with a
 * JSON body carrying company, apikey and the event's fields answers HTTP 200 with the JSON
 * value `true`; the command API (POST publicapiv2/run/command/, COMMAND-NAME and API-KEY
 * headers) answers get_agents `{agents:[...]}`, isolate `{reply:true}` or
 * `{reply:{error}}`, load_ioc `true` or `{reason}` (from a public third-party client).
 *
 * What is NOT documented and is invented here, to give clients realistic failures to
 * handle: SECDO's error shapes. The URLs' trailing slashes suggest a Django REST Framework
 * service, so the simulator answers like one: a bad key or company → 403
 * `{"detail": "..."}`; a missing or malformed field → 400 `{"<field>": ["This field is
 * required."]}`; an unparsable body → 400 `{"detail": "JSON parse error - ..."}`; the path
 * without its trailing slash → 301 to the slashed path (Django's APPEND_SLASH); an unknown
 * path → a 404 HTML page. A real SECDO may differ in every one of these.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { ENRICH_PATH, COMMAND_PATH } from './client.js';

export interface SimulatedAgent {
  agentId: string;
  hostName: string;
  interfaces: string[];
  agentState: string;
}

export interface SecdoSimulatorOptions {
  company?: string;
  apikey?: string;
  agents?: SimulatedAgent[];
}

/** One enrichment as received (the body verbatim, apikey included) and what was answered. */
export interface ReceivedEnrichment {
  body: unknown;
  status: number;
  /** The answer's body, as sent. */
  answer: string;
}

export interface ReceivedCommand {
  command: string | null;
  apiKeyHeader: string | null;
  body: unknown;
  status: number;
  answer: string;
}

export interface LoadedIoc {
  severity: string;
  ioc_data: string;
  source: string;
  operations: string;
  artifacts_type: string;
  comment: string;
}

export type Fault =
  /** Any status and body (a 500 with a stack trace, a 502 from a proxy, ...). */
  | { kind: 'status'; status: number; body?: string; contentType?: string }
  /** Waits, then answers normally (for timeouts). */
  | { kind: 'delay'; ms: number }
  /** 429 with Retry-After in seconds. */
  | { kind: 'rate-limit'; retryAfterSeconds: number }
  /** 200 whose JSON is cut short. */
  | { kind: 'truncated' }
  /** 200 with a plain-text body. */
  | { kind: 'not-json' }
  /** 200 with an HTML login page, as a proxy or an expired SSO session answers. */
  | { kind: 'html' }
  /** 200 with a JSON body other than `true` (the request is recorded as not accepted). */
  | { kind: 'body'; json: unknown }
  /** The connection is dropped without an answer. */
  | { kind: 'reset' };

export type Route = 'enrich' | 'command';

export const SIMULATOR_COMPANY = 'acme';
export const SIMULATOR_APIKEY = 'b9cbe23a2c0acaa61c40abef3c792a83f302adb15649fe19bf73402e253dfd16';

export const DEFAULT_AGENTS: readonly SimulatedAgent[] = [
  {
    agentId: 'a7f3c2e1-0001',
    hostName: 'WKS-FIN-017',
    interfaces: ['192.168.204.133'],
    agentState: 'Connected',
  },
  {
    agentId: 'a7f3c2e1-0002',
    hostName: 'SRV-WEB-02',
    interfaces: ['192.168.52.131', '10.212.134.102'],
    agentState: 'Connected',
  },
  {
    agentId: 'a7f3c2e1-0003',
    hostName: 'LAP-HR-044',
    interfaces: ['192.168.60.12'],
    agentState: 'Disconnected',
  },
];

const NETWORK_REQUIRED = [
  'timestamp',
  'vendor',
  'product',
  'source_ip',
  'destination_ip',
  'destination_port',
] as const;
const NETWORK_OPTIONAL = ['source_port', 'severity', 'event_id'] as const;
const FILE_REQUIRED = ['timestamp', 'vendor', 'product', 'agent_ip', 'file_path'] as const;
const FILE_OPTIONAL = ['severity', 'event_id'] as const;
const EVENT_TYPES = ['OutgoingConnectionEvent', 'IncomingConnectionEvent', 'SuspiciousFileEvent'];
const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH'];
const IOC_SEVERITIES = ['HIGH', 'MEDIUM', 'LOW', 'INFORMATIONAL'];
const IOC_OPERATIONS = ['CASE', 'ICEBLOCK', 'ISOLATE', 'BLACKLIST', 'SYSLOG', 'REPORT'];
const IOC_TYPES = ['hostname', 'md5hash', 'filename', 'complex', 'fullpath', 'dest_ip', 'mixed'];
const MAX_BODY_BYTES = 1024 * 1024;

interface Answer {
  status: number;
  body: string;
  contentType: string;
  headers?: Record<string, string>;
}

export class SecdoSimulator {
  /** Every enrichment received, accepted or not, in arrival order. */
  readonly enrichments: ReceivedEnrichment[] = [];
  /** Every command-API call received. */
  readonly commands: ReceivedCommand[] = [];
  /** Hosts isolated so far. */
  readonly isolated: string[] = [];
  readonly iocs: LoadedIoc[] = [];
  readonly agents: SimulatedAgent[];
  readonly company: string;
  readonly apikey: string;
  private readonly faults: Array<{ fault: Fault; route: Route | 'any' }> = [];

  private readonly server: Server;
  private address = '';

  private constructor(options: SecdoSimulatorOptions) {
    this.server = createServer((req, res) => {
      this.handle(req, res).catch(() => res.destroy());
    });
    this.company = options.company ?? SIMULATOR_COMPANY;
    this.apikey = options.apikey ?? SIMULATOR_APIKEY;
    this.agents = (options.agents ?? DEFAULT_AGENTS).map((a) => ({
      ...a,
      interfaces: [...a.interfaces],
    }));
  }

  static async start(options: SecdoSimulatorOptions = {}): Promise<SecdoSimulator> {
    const simulator = new SecdoSimulator(options);
    const { server } = simulator;
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    simulator.address = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    return simulator;
  }

  /** The base URL to configure as the instance's `url`. */
  get url(): string {
    return this.address;
  }

  /** The next `times` requests (to `route`, or any) meet `fault` instead of the normal answer. */
  inject(fault: Fault, options: { times?: number; route?: Route } = {}): void {
    for (let i = 0; i < (options.times ?? 1); i++) {
      this.faults.push({ fault, route: options.route ?? 'any' });
    }
  }

  /** Enrichments SECDO accepted (answered 200 `true`). */
  accepted(): unknown[] {
    return this.enrichments
      .filter((e) => e.status === 200 && e.answer === 'true')
      .map((e) => e.body);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = new URL(req.url ?? '/', 'http://simulator').pathname;
    const route = routeOf(path);
    if (route === null) {
      const slashed = routeOf(`${path}/`);
      if (slashed !== null) {
        send(res, {
          status: 301,
          body: '',
          contentType: 'text/html',
          headers: { location: `${path}/` },
        });
      } else {
        send(res, { status: 404, body: NOT_FOUND_PAGE, contentType: 'text/html; charset=utf-8' });
      }
      return;
    }
    const text = await readBody(req);
    const fault = this.takeFault(route);
    if (fault?.kind === 'reset') {
      req.socket.destroy();
      return;
    }
    if (fault?.kind === 'delay') await new Promise((r) => setTimeout(r, fault.ms));
    const answer =
      fault && fault.kind !== 'delay'
        ? faultAnswer(fault)
        : req.method !== 'POST'
          ? json(405, { detail: `Method "${req.method}" not allowed.` })
          : text === null
            ? json(413, { detail: 'Request body too large.' })
            : route === 'enrich'
              ? this.enrich(text)
              : this.command(req, text);
    const body = text === null ? null : parseJson(text);
    if (route === 'enrich') {
      this.enrichments.push({ body, status: answer.status, answer: answer.body });
    } else {
      this.commands.push({
        command: header(req, 'command-name'),
        apiKeyHeader: header(req, 'api-key'),
        body,
        status: answer.status,
        answer: answer.body,
      });
    }
    send(res, answer);
  }

  private takeFault(route: Route): Fault | undefined {
    const index = this.faults.findIndex((f) => f.route === 'any' || f.route === route);
    if (index < 0) return undefined;
    return this.faults.splice(index, 1)[0]!.fault;
  }

  private enrich(text: string): Answer {
    const body = parseJson(text);
    if (body === undefined) return parseError(text);
    if (!isRecord(body))
      return json(400, { non_field_errors: ['Invalid data. Expected a dictionary.'] });
    if (body.apikey !== this.apikey || body.company !== this.company) {
      return json(403, { detail: 'Invalid API key or company.' });
    }
    const errors: Record<string, string[]> = {};
    const type = body.type;
    if (type === undefined || type === '') errors.type = ['This field is required.'];
    else if (typeof type !== 'string' || !EVENT_TYPES.includes(type)) {
      errors.type = [`${JSON.stringify(type)} is not a valid choice.`];
    }
    const file = type === 'SuspiciousFileEvent';
    for (const name of file ? FILE_REQUIRED : NETWORK_REQUIRED) {
      const value = body[name];
      if (value === undefined || value === null || value === '') {
        errors[name] = ['This field is required.'];
      }
    }
    for (const name of [
      ...(file ? FILE_REQUIRED : NETWORK_REQUIRED),
      ...(file ? FILE_OPTIONAL : NETWORK_OPTIONAL),
    ]) {
      const value = body[name];
      if (errors[name] || value === undefined) continue;
      // The guide's examples and script send every value as a string.
      if (typeof value !== 'string') errors[name] = ['Not a valid string.'];
    }
    if (
      typeof body.timestamp === 'string' &&
      !errors.timestamp &&
      !/^\d{1,16}$/.test(body.timestamp)
    ) {
      errors.timestamp = ['Enter a UTC epoch timestamp in milliseconds.'];
    }
    const severity = body.severity;
    if (typeof severity === 'string' && !errors.severity && !SEVERITIES.includes(severity)) {
      errors.severity = [`"${severity}" is not a valid choice.`];
    }
    for (const port of ['source_port', 'destination_port']) {
      const value = body[port];
      if (!file && typeof value === 'string' && !errors[port] && !/^\d{1,5}$/.test(value)) {
        errors[port] = ['A valid integer is required.'];
      }
    }
    if (Object.keys(errors).length > 0) return json(400, errors);
    return json(200, true);
  }

  private command(req: IncomingMessage, text: string): Answer {
    const body = parseJson(text);
    if (body === undefined) return parseError(text);
    if (
      header(req, 'api-key') !== this.apikey ||
      !isRecord(body) ||
      body.company !== this.company
    ) {
      return json(403, { detail: 'Invalid API key or company.' });
    }
    const name = header(req, 'command-name');
    switch (name) {
      case 'get_agents':
        return json(200, { agents: this.agents });
      case 'isolate':
        return this.isolate(body);
      case 'load_ioc':
        return this.loadIoc(body);
      default:
        return json(400, { detail: `Unknown command "${name ?? ''}".` });
    }
  }

  private isolate(body: Record<string, unknown>): Answer {
    const hostName = body.host_name;
    if (typeof hostName !== 'string' || hostName === '') {
      return json(200, { reply: { error: 'host_name is required' } });
    }
    const agent = this.agents.find((a) => a.hostName.toLowerCase() === hostName.toLowerCase());
    if (!agent) return json(200, { reply: { error: `No agent found for host ${hostName}` } });
    if (agent.agentState === 'Disconnected') {
      return json(200, { reply: { error: `Agent on ${hostName} is not connected` } });
    }
    // Isolating an isolated host again succeeds (the simulator's choice: undocumented).
    agent.agentState = 'Isolated';
    if (!this.isolated.includes(agent.hostName)) this.isolated.push(agent.hostName);
    return json(200, { reply: true });
  }

  private loadIoc(body: Record<string, unknown>): Answer {
    const text = (name: string): string => (typeof body[name] === 'string' ? body[name] : '');
    const checks: Array<[string, string[] | null]> = [
      ['severity', IOC_SEVERITIES],
      ['operations', IOC_OPERATIONS],
      ['artifacts_type', IOC_TYPES],
      ['ioc_data', null],
      ['source', null],
    ];
    for (const [name, allowed] of checks) {
      const value = text(name);
      if (value === '') return json(200, { reason: `${name} is required` });
      if (allowed && !allowed.includes(value))
        return json(200, { reason: `invalid ${name}: ${value}` });
    }
    this.iocs.push({
      severity: text('severity'),
      ioc_data: text('ioc_data'),
      source: text('source'),
      operations: text('operations'),
      artifacts_type: text('artifacts_type'),
      comment: text('comment'),
    });
    return json(200, true);
  }
}

function routeOf(path: string): Route | null {
  if (path === `/${ENRICH_PATH}`) return 'enrich';
  if (path === `/${COMMAND_PATH}`) return 'command';
  return null;
}

function faultAnswer(fault: Exclude<Fault, { kind: 'delay' | 'reset' }>): Answer {
  switch (fault.kind) {
    case 'status':
      return {
        status: fault.status,
        body: fault.body ?? '',
        contentType: fault.contentType ?? 'text/plain',
      };
    case 'rate-limit':
      return {
        ...json(429, { detail: 'Request was throttled.' }),
        headers: { 'retry-after': String(fault.retryAfterSeconds) },
      };
    case 'truncated':
      return { status: 200, body: '{"reply": tr', contentType: 'application/json' };
    case 'not-json':
      return { status: 200, body: 'OK', contentType: 'text/plain' };
    case 'html':
      return { status: 200, body: LOGIN_PAGE, contentType: 'text/html; charset=utf-8' };
    case 'body':
      return json(200, fault.json);
  }
}

function json(status: number, value: unknown): Answer {
  return { status, body: JSON.stringify(value), contentType: 'application/json' };
}

function parseError(text: string): Answer {
  const detail = text.trim() === '' ? 'Expecting value: line 1 column 1 (char 0)' : 'Invalid JSON';
  return json(400, { detail: `JSON parse error - ${detail}` });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function header(req: IncomingMessage, name: string): string | null {
  const value = req.headers[name];
  return typeof value === 'string' ? value : null;
}

/** The body as text, or null past MAX_BODY_BYTES. */
async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(res: ServerResponse, answer: Answer): void {
  res.writeHead(answer.status, {
    'content-type': answer.contentType,
    ...(answer.headers ?? {}),
  });
  res.end(answer.body);
}

const NOT_FOUND_PAGE =
  '<!DOCTYPE html><html><head><title>Not Found</title></head><body><h1>Not Found</h1>' +
  '<p>The requested resource was not found on this server.</p></body></html>';

const LOGIN_PAGE =
  '<!DOCTYPE html><html><head><title>SECDO - Login</title></head><body>' +
  '<form method="post" action="/login/"><input name="username"><input name="password" type="password"></form>' +
  '</body></html>';
