/*
 * The simulator's Get Objects endpoint, after medallion's memory backend: filters
 * (`added_after` exclusive, `match[type]`, `match[id]`), a page of at most the server's
 * maximum, and a paging session per `next` token holding the rest of the result. A token
 * unused for longer than its TTL is forgotten, and a forgotten or unknown token, like a
 * `next` sent with other filters, is answered 400 as medallion answers it.
 */
import { randomUUID } from 'node:crypto';
import type { SimCollection, SimStoredObject } from './simulator-state.js';
import { parseInstant } from './time.js';

export interface ObjectsSettings {
  maxPageSize: number;
  nextTtlMs: number;
  /** 400 for `added_after` without fractional seconds, as some servers answer. */
  requireFractionalSeconds: boolean;
  /** How an empty result is written: `{}` (medallion) or a full envelope. */
  emptyPage: 'empty-object' | 'envelope';
  now: () => number;
}

export type ObjectsAnswer =
  | { status: 200; body: unknown; headers: Record<string, string> }
  | { status: 400; description: string };

interface PagingSession {
  remaining: SimStoredObject[];
  filters: string;
  lastUsedMs: number;
}

const NOT_UNDERSTOOD = 'The server did not understand the request or filter parameters';

export class PagingSessions {
  private readonly sessions = new Map<string, PagingSession>();

  constructor(private readonly settings: ObjectsSettings) {}

  /** Forgets every token, as if each had outlived its TTL. */
  expireAll(): void {
    this.sessions.clear();
  }

  get size(): number {
    return this.sessions.size;
  }

  answer(collection: SimCollection, query: URLSearchParams): ObjectsAnswer {
    const limit = this.pageSize(query.get('limit'));
    if (typeof limit === 'string') return { status: 400, description: limit };
    const token = query.get('next');
    if (token !== null) return this.continueSession(token, filterKey(query), limit);
    const matching = this.filter(collection, query);
    if (typeof matching === 'string') return { status: 400, description: matching };
    return this.page(matching, limit, filterKey(query));
  }

  private continueSession(token: string, filters: string, limit: number): ObjectsAnswer {
    const session = this.sessions.get(token);
    const now = this.settings.now();
    if (session === undefined || now - session.lastUsedMs > this.settings.nextTtlMs) {
      this.sessions.delete(token);
      return { status: 400, description: `${NOT_UNDERSTOOD}: 'next' not valid` };
    }
    if (session.filters !== filters) {
      return {
        status: 400,
        description: `${NOT_UNDERSTOOD}: params changed over subsequent transaction`,
      };
    }
    this.sessions.delete(token);
    return this.page(session.remaining, limit, filters, token);
  }

  private page(
    objects: SimStoredObject[],
    limit: number,
    filters: string,
    token?: string,
  ): ObjectsAnswer {
    const page = objects.slice(0, limit);
    const rest = objects.slice(limit);
    const first = page[0];
    const last = page[page.length - 1];
    if (first === undefined || last === undefined) {
      const body = this.settings.emptyPage === 'empty-object' ? {} : { more: false, objects: [] };
      return { status: 200, body, headers: {} };
    }
    const headers = {
      'X-TAXII-Date-Added-First': first.date_added,
      'X-TAXII-Date-Added-Last': last.date_added,
    };
    const body: Record<string, unknown> = { more: rest.length > 0 };
    if (rest.length > 0) {
      // medallion keeps one token for a whole paging session.
      const next = token ?? randomUUID();
      this.sessions.set(next, { remaining: rest, filters, lastUsedMs: this.settings.now() });
      body.next = next;
    }
    body.objects = page.map((stored) => stored.object);
    return { status: 200, body, headers };
  }

  private filter(collection: SimCollection, query: URLSearchParams): SimStoredObject[] | string {
    const addedAfter = query.get('added_after');
    let after: bigint | undefined;
    if (addedAfter !== null) {
      after = parseInstant(addedAfter);
      if (after === undefined)
        return `${NOT_UNDERSTOOD}: added_after '${addedAfter}' is not a timestamp`;
      if (this.settings.requireFractionalSeconds && !/\.\d+/.test(addedAfter)) {
        return `${NOT_UNDERSTOOD}: added_after '${addedAfter}' must have fractional seconds`;
      }
    }
    const types = listParameter(query.get('match[type]'));
    const ids = listParameter(query.get('match[id]'));
    return collection.objects.filter(
      (stored) =>
        (after === undefined || stored.addedAt > after) &&
        (types === undefined || types.has(stored.object.type)) &&
        (ids === undefined || ids.has(stored.object.id)),
    );
  }

  private pageSize(raw: string | null): number | string {
    if (raw === null) return this.settings.maxPageSize;
    const limit = Number(raw);
    if (!/^\d+$/.test(raw) || limit < 1)
      return `${NOT_UNDERSTOOD}: 'limit' must be a positive integer`;
    return Math.min(limit, this.settings.maxPageSize);
  }
}

function listParameter(raw: string | null): Set<string> | undefined {
  return raw === null ? undefined : new Set(raw.split(',').map((item) => item.trim()));
}

/** The filters of a request, order-insensitive; `next` and `limit` may change between pages. */
function filterKey(query: URLSearchParams): string {
  const entries = [...query.entries()]
    .filter(([name]) => name !== 'next' && name !== 'limit')
    .map(([name, value]) => `${name}=${value.split(',').sort().join(',')}`);
  return entries.sort().join('&');
}
