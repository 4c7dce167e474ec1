/*
 * The TAXII 2.1 resources the client reads, checked at the boundary: a body of the wrong
 * shape is a TAXII_BAD_RESPONSE naming the field, never a TypeError three calls later.
 * Optional lists a server leaves out (an empty envelope is `{}`) read as empty.
 */
import { TaxiiError, TaxiiErrorCode } from './errors.js';

/** A STIX 2.1 object as the feed sent it; only `type` and `id` are checked here. */
export interface StixObject {
  type: string;
  id: string;
  [property: string]: unknown;
}

export interface TaxiiDiscovery {
  title: string;
  description?: string;
  contact?: string;
  /** Absolute URL, resolved against the discovery URL. */
  default?: string;
  /** Absolute URLs, resolved against the discovery URL, in the server's order. */
  api_roots: string[];
}

export interface TaxiiApiRoot {
  title: string;
  description?: string;
  versions: string[];
  max_content_length?: number;
}

export interface TaxiiCollection {
  id: string;
  title: string;
  description?: string;
  alias?: string;
  can_read: boolean;
  can_write: boolean;
  media_types: string[];
}

export interface TaxiiEnvelope {
  more: boolean;
  next?: string;
  objects: StixObject[];
}

export function readDiscovery(
  body: unknown,
  path: string,
  resolve: (reference: string) => string,
): TaxiiDiscovery {
  const json = record(body, path, 'the discovery resource');
  const roots = stringList(json.api_roots, path, 'api_roots');
  const discovery: TaxiiDiscovery = {
    title: optionalString(json.title) ?? '',
    api_roots: roots.map((root) => resolveOrFail(root, path, 'api_roots', resolve)),
  };
  const description = optionalString(json.description);
  const contact = optionalString(json.contact);
  const fallback = optionalString(json.default);
  if (description !== undefined) discovery.description = description;
  if (contact !== undefined) discovery.contact = contact;
  if (fallback !== undefined) discovery.default = resolveOrFail(fallback, path, 'default', resolve);
  return discovery;
}

export function readApiRoot(body: unknown, path: string): TaxiiApiRoot {
  const json = record(body, path, 'the API root resource');
  const root: TaxiiApiRoot = {
    title: optionalString(json.title) ?? '',
    versions: stringList(json.versions, path, 'versions'),
  };
  const description = optionalString(json.description);
  if (description !== undefined) root.description = description;
  if (typeof json.max_content_length === 'number')
    root.max_content_length = json.max_content_length;
  return root;
}

export function readCollections(body: unknown, path: string): TaxiiCollection[] {
  const json = record(body, path, 'the collections resource');
  const list = json.collections ?? [];
  if (!Array.isArray(list)) throw shapeError(path, '"collections" is not a list');
  return list.map((item: unknown, index) => {
    const entry = record(item, path, `collections[${index}]`);
    if (typeof entry.id !== 'string' || entry.id === '') {
      throw shapeError(path, `collections[${index}] has no id`);
    }
    const collection: TaxiiCollection = {
      id: entry.id,
      title: optionalString(entry.title) ?? '',
      can_read: entry.can_read === true,
      can_write: entry.can_write === true,
      media_types: stringList(entry.media_types, path, `collections[${index}].media_types`),
    };
    const description = optionalString(entry.description);
    const alias = optionalString(entry.alias);
    if (description !== undefined) collection.description = description;
    if (alias !== undefined) collection.alias = alias;
    return collection;
  });
}

/** An envelope; `{}` and an empty body are the empty page. */
export function readEnvelope(body: unknown, path: string): TaxiiEnvelope {
  if (body === null) return { more: false, objects: [] };
  const json = record(body, path, 'the envelope');
  const objects = json.objects ?? [];
  if (!Array.isArray(objects)) throw shapeError(path, '"objects" is not a list');
  const envelope: TaxiiEnvelope = {
    more: json.more === true,
    objects: objects.map((item: unknown, index) => stixObject(item, path, index)),
  };
  if (json.more !== undefined && typeof json.more !== 'boolean') {
    throw shapeError(path, `"more" is ${JSON.stringify(json.more)}, not true or false`);
  }
  if (typeof json.next === 'string' && json.next !== '') envelope.next = json.next;
  else if (typeof json.next === 'number') envelope.next = String(json.next);
  return envelope;
}

function stixObject(item: unknown, path: string, index: number): StixObject {
  const object = record(item, path, `objects[${index}]`);
  if (typeof object.type !== 'string' || typeof object.id !== 'string') {
    throw shapeError(path, `objects[${index}] has no STIX type and id`);
  }
  return object as StixObject;
}

function record(value: unknown, path: string, what: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw shapeError(path, `${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

function stringList(value: unknown, path: string, field: string): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || !value.every((item) => typeof item === 'string')) {
    throw shapeError(path, `"${field}" is not a list of strings`);
  }
  return value;
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function resolveOrFail(
  reference: string,
  path: string,
  field: string,
  resolve: (reference: string) => string,
): string {
  try {
    return resolve(reference);
  } catch {
    throw shapeError(path, `"${field}" holds ${JSON.stringify(reference)}, not a URL`);
  }
}

/** `path` is the URL path the body was read from (all reads are GETs). */
function shapeError(path: string, problem: string): TaxiiError {
  return new TaxiiError(`TAXII GET ${path}: not a TAXII 2.1 response: ${problem}`, {
    code: TaxiiErrorCode.BAD_RESPONSE,
    path,
  });
}
