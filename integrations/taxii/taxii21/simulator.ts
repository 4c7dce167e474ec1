/*
 * A local TAXII 2.1 server that behaves like medallion (the OASIS reference server) and the
 * stricter servers feeds run: discovery with relative or absolute API root URLs, API roots,
 * collections that may not be readable, Get Objects with filters, paging tokens that
 * expire, `{}` for an empty page, Basic auth, 406 unless Accept is exactly the TAXII 2.1
 * media type, both error body shapes, an HTML 401. Tests read `state` and `requests`,
 * add objects with `addObjects()`, and inject faults with `inject()`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { StixObject } from './resources.js';
import { answerRequest, type SimRoutes } from './simulator-routes.js';
import { PagingSessions } from './simulator-objects.js';
import type { ErrorShape } from './simulator-errors.js';
import { applyFault, takeFault, type TaxiiSimFault } from './simulator-faults.js';
import { defaultApiRoots, SIM_PASSWORD, SIM_USER } from './simulator-seed.js';
import {
  Taxii21SimState,
  type DateAdded,
  type SimApiRootSeed,
  type SimStoredObject,
} from './simulator-state.js';

export {
  defaultApiRoots,
  SIM_GROUP2_INDICATORS_COLLECTION,
  SIM_INDICATORS_COLLECTION,
  SIM_PASSWORD,
  SIM_RESTRICTED_COLLECTION,
  SIM_USER,
} from './simulator-seed.js';
export type { TaxiiSimFault } from './simulator-faults.js';
export type { DateAdded, SimApiRootSeed, SimCollectionSeed } from './simulator-state.js';

export interface Taxii21SimulatorOptions {
  /** username → password; default SIM_USER / SIM_PASSWORD. */
  users?: Record<string, string>;
  /** Default: `api1` (the fixtures, plus an unreadable collection) and `api2`. */
  apiRoots?: SimApiRootSeed[];
  /** Discovery's `default`; the first API root otherwise. */
  defaultRoot?: string;
  /** How discovery writes API root URLs: `http://host/api1/`, `/api1/` or `../api1/`. */
  apiRootUrls?: 'absolute' | 'path' | 'relative';
  /** The server's page size cap; default 100 (medallion's default). */
  maxPageSize?: number;
  /** A `next` token unused this long is forgotten; default 30 000 (medallion's). */
  nextTtlMs?: number;
  /** An empty result as `{}` (default, medallion) or `{"more": false, "objects": []}`. */
  emptyPage?: 'empty-object' | 'envelope';
  /** `exact` (default): only `application/taxii+json;version=2.1`; `lenient`: medallion's check. */
  acceptCheck?: 'exact' | 'lenient';
  /** Refuse (400) an `added_after` without fractional seconds; default false. */
  requireFractionalSeconds?: boolean;
  /** Error bodies as the spec's error resource (default) or `{code, name, description}`. */
  errorShape?: ErrorShape;
  /** A 401 as an HTML page from the web server in front, not a TAXII error. */
  unauthorizedHtml?: boolean;
  /** The clock, for date_added stamps and token expiry. */
  now?: () => number;
  port?: number;
}

export interface TaxiiSimRequest {
  method: string;
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string>;
  /** The raw query string, `?` included (empty without one). */
  search: string;
  /** Lower-case names; Authorization is left out. */
  headers: Record<string, string>;
  /** The Basic auth user, when the credentials were accepted. */
  user?: string;
  /** 0 until answered; -1 for a reset connection. */
  status: number;
}

export interface Taxii21Simulator {
  /** `http://127.0.0.1:<port>`, no trailing slash. */
  url: string;
  state: Taxii21SimState;
  requests: TaxiiSimRequest[];
  addObjects(collection: string, objects: StixObject[], dateAdded?: DateAdded): SimStoredObject[];
  inject(fault: TaxiiSimFault): void;
  /** Forgets every paging token now, as if each had outlived its TTL. */
  expireNextTokens(): void;
  close(): Promise<void>;
}

export async function startTaxii21Simulator(
  options: Taxii21SimulatorOptions = {},
): Promise<Taxii21Simulator> {
  const now = options.now ?? Date.now;
  const state = new Taxii21SimState(now);
  for (const root of options.apiRoots ?? defaultApiRoots()) state.addApiRoot(root);
  const paging = new PagingSessions({
    maxPageSize: options.maxPageSize ?? 100,
    nextTtlMs: options.nextTtlMs ?? 30_000,
    requireFractionalSeconds: options.requireFractionalSeconds ?? false,
    emptyPage: options.emptyPage ?? 'empty-object',
    now,
  });
  const faults: TaxiiSimFault[] = [];
  const requests: TaxiiSimRequest[] = [];
  let origin = '';
  const routes: SimRoutes = {
    state,
    paging,
    users: options.users ?? { [SIM_USER]: SIM_PASSWORD },
    errorShape: options.errorShape ?? 'taxii',
    unauthorizedHtml: options.unauthorizedHtml ?? false,
    acceptCheck: options.acceptCheck ?? 'exact',
    apiRootUrls: options.apiRootUrls ?? 'absolute',
    defaultRoot: options.defaultRoot,
    origin: () => origin,
  };

  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://simulator');
      const record: TaxiiSimRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        query: Object.fromEntries(url.searchParams),
        search: url.search,
        headers: headersWithoutAuthorization(req),
        status: 0,
      };
      requests.push(record);
      void serve(req, res, url, record).catch((error: unknown) => {
        if (!res.headersSent) send(res, record, 500, 'text/plain', String(error));
      });
    });
  });

  async function serve(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    record: TaxiiSimRequest,
  ): Promise<void> {
    const fault = takeFault(faults, record.method, record.path);
    if (fault !== undefined && (await applyFault(fault, req, res))) {
      record.status = fault.reset ? -1 : (fault.status ?? 0);
      return;
    }
    const answer = answerRequest(routes, req, url, record);
    send(res, record, answer.status, answer.contentType, answer.body, answer.headers);
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  origin = `http://127.0.0.1:${port}`;
  return {
    url: origin,
    state,
    requests,
    addObjects: (collection, objects, dateAdded) =>
      state.addObjects(collection, objects, dateAdded),
    inject: (fault) => faults.push({ ...fault }),
    expireNextTokens: () => paging.expireAll(),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function headersWithoutAuthorization(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (name === 'authorization' || value === undefined) continue;
    headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

function send(
  res: ServerResponse,
  record: TaxiiSimRequest,
  status: number,
  contentType: string,
  body: string,
  headers: Record<string, string> = {},
): void {
  record.status = status;
  res.writeHead(status, { 'content-type': contentType, ...headers });
  res.end(body);
}
