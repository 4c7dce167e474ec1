/*
 * The simulator's answers, in the order a TAXII server checks a request: credentials
 * (401), the Accept header (406), the method, then the resource (404, 403 for a collection
 * the user may not read). Every TAXII resource URL ends with a slash.
 */
import type { IncomingMessage } from 'node:http';
import {
  renderError,
  renderUnauthorized,
  TAXII_CONTENT_TYPE,
  type ErrorShape,
  type SimAnswer,
} from './simulator-errors.js';
import type { PagingSessions } from './simulator-objects.js';
import type { SimApiRoot, SimCollection, Taxii21SimState } from './simulator-state.js';

export interface SimRoutes {
  state: Taxii21SimState;
  paging: PagingSessions;
  users: Record<string, string>;
  errorShape: ErrorShape;
  unauthorizedHtml: boolean;
  acceptCheck: 'exact' | 'lenient';
  apiRootUrls: 'absolute' | 'path' | 'relative';
  defaultRoot: string | undefined;
  /** `http://127.0.0.1:<port>`, known once the server listens. */
  origin: () => string;
}

/** What the request log needs to learn from routing. */
export interface RoutedRequest {
  user?: string;
}

export function answerRequest(
  routes: SimRoutes,
  req: IncomingMessage,
  url: URL,
  record: RoutedRequest,
): SimAnswer {
  const user = authenticatedUser(routes.users, req.headers.authorization);
  if (user === undefined) {
    return renderUnauthorized(routes.unauthorizedHtml ? 'html' : routes.errorShape);
  }
  record.user = user;
  const refuse = (status: number, description: string, details?: Record<string, unknown>) =>
    renderError(routes.errorShape, status, description, details);
  if (!acceptable(req.headers.accept, routes.acceptCheck)) {
    return refuse(406, 'Media type in the Accept header is invalid or not found');
  }
  if (req.method !== 'GET') return refuse(405, `${req.method ?? ''} is not supported here`);

  const segments = url.pathname.split('/');
  if (segments.at(-1) !== '' || segments[0] !== '') return refuse(404, 'Unknown resource');
  const [rootName, collections, collectionId, objects, extra] = segments.slice(1, -1);
  if (rootName === 'taxii2' && collections === undefined) return ok(discovery(routes));
  const root = rootName === undefined ? undefined : routes.state.roots.get(rootName);
  if (root === undefined) return refuse(404, `API root '${rootName ?? ''}' not found`);
  if (collections === undefined) return ok(apiRootResource(root));
  if (collections !== 'collections' || extra !== undefined) return refuse(404, 'Unknown resource');
  if (collectionId === undefined) {
    return ok({ collections: [...root.collections.values()].map(collectionResource) });
  }
  const collection = root.collections.get(collectionId);
  if (collection === undefined) {
    return refuse(404, `Collection '${collectionId}' not found in API root '${root.name}'`);
  }
  if (objects === undefined) return ok(collectionResource(collection));
  if (objects !== 'objects') return refuse(404, 'Unknown resource');
  if (!collection.can_read) {
    return refuse(403, `Forbidden to read collection '${collection.id}'`);
  }
  const answer = routes.paging.answer(collection, url.searchParams);
  if (answer.status === 400) {
    return refuse(400, answer.description, { query: Object.fromEntries(url.searchParams) });
  }
  return { ...ok(answer.body), headers: answer.headers };
}

function authenticatedUser(
  users: Record<string, string>,
  header: string | undefined,
): string | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (match?.[1] === undefined) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  const user = decoded.slice(0, colon);
  return Object.hasOwn(users, user) && users[user] === decoded.slice(colon + 1) ? user : undefined;
}

function acceptable(accept: string | undefined, check: 'exact' | 'lenient'): boolean {
  if (check === 'exact') return accept === TAXII_CONTENT_TYPE;
  // medallion: any listed type that is TAXII JSON with version 2.1 or no version.
  return (accept ?? '')
    .replace(/ /g, '')
    .split(',')
    .some((item) => /^application\/taxii\+json(;version=2\.1)?$/.test(item));
}

function discovery(routes: SimRoutes): unknown {
  const names = [...routes.state.roots.keys()];
  const urlFor = (name: string): string => {
    if (routes.apiRootUrls === 'absolute') return `${routes.origin()}/${name}/`;
    return routes.apiRootUrls === 'path' ? `/${name}/` : `../${name}/`;
  };
  const fallback = routes.defaultRoot ?? names[0];
  return {
    title: 'TAXII 2.1 simulator',
    description: 'A local TAXII 2.1 server for tests and demos',
    contact: 'soc@example.com',
    ...(fallback !== undefined ? { default: urlFor(fallback) } : {}),
    api_roots: names.map(urlFor),
  };
}

function apiRootResource(root: SimApiRoot): unknown {
  return {
    title: root.title,
    ...(root.description !== undefined ? { description: root.description } : {}),
    versions: root.versions,
    max_content_length: root.max_content_length,
  };
}

function collectionResource(collection: SimCollection): unknown {
  return {
    id: collection.id,
    title: collection.title,
    ...(collection.description !== undefined ? { description: collection.description } : {}),
    can_read: collection.can_read,
    can_write: collection.can_write,
    media_types: collection.media_types,
  };
}

function ok(body: unknown): SimAnswer {
  return { status: 200, contentType: TAXII_CONTENT_TYPE, body: JSON.stringify(body), headers: {} };
}
