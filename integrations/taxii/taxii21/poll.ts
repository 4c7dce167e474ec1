/*
 * Paging through a collection's objects: the same filters on every page (servers refuse a
 * `next` whose filters changed), `limit` sent with `next`, `{}` read as an empty page, and
 * one restart from the watermark when the server has forgotten a `next` token (medallion
 * drops them after 30 s idle; a slow consumer of pages runs into that).
 */
import { TaxiiError, TaxiiErrorCode } from './errors.js';
import { readEnvelope, type StixObject } from './resources.js';
import { addedAfterParameter, isInstant } from './time.js';
import type { TaxiiTransport } from './transport.js';
import { Watermark } from './watermark.js';

export interface PollOptions {
  /** API root: an absolute URL from `discover()`, or a path under the base URL ("api1/"). */
  root: string;
  /** Collection id (see `Taxii21Client.collection()` to find one by title). */
  collection: string;
  /** Only objects added after this instant; a previous poll's watermark, verbatim. */
  addedAfter?: string | Date;
  /** Page size asked for; the server may give fewer. */
  limit?: number;
  /** `match[type]`: STIX types to fetch ("indicator", "ipv4-addr"...). */
  types?: readonly string[];
  signal?: AbortSignal;
  /** A server repeating `more: true` forever stops here; default 10 000. */
  maxPages?: number;
}

export interface TaxiiPage {
  /** 1-based, counting every page fetched in this poll. */
  number: number;
  objects: StixObject[];
  more: boolean;
  dateAddedFirst?: string;
  dateAddedLast?: string;
  /** Fetched after the restart from the watermark: may repeat objects already delivered. */
  afterRestart: boolean;
}

export interface PollResult {
  /** The latest X-TAXII-Date-Added-Last, verbatim; `addedAfter` when no page carried one. */
  watermark: string | undefined;
  objects: number;
  pages: number;
  requests: number;
  restarted: boolean;
}

const DEFAULT_MAX_PAGES = 10_000;

export async function* pollPages(
  transport: TaxiiTransport,
  objectsUrl: URL,
  options: PollOptions,
): AsyncGenerator<TaxiiPage, PollResult, void> {
  const path = objectsUrl.pathname;
  const start = startingPoint(options.addedAfter, path);
  checkLimit(options.limit, path);
  const watermark = new Watermark(start);
  const maxPages = options.maxPages ?? DEFAULT_MAX_PAGES;
  const result: PollResult = {
    watermark: start,
    objects: 0,
    pages: 0,
    requests: 0,
    restarted: false,
  };
  let addedAfter = start;
  let next: string | undefined;

  for (;;) {
    if (options.signal?.aborted) {
      throw new TaxiiError(`TAXII GET ${path}: aborted`, { code: TaxiiErrorCode.ABORTED, path });
    }
    if (result.pages >= maxPages) {
      throw new TaxiiError(
        `TAXII GET ${path}: the server still says "more" after ${maxPages} pages; stopped`,
        { code: TaxiiErrorCode.BAD_RESPONSE, path },
      );
    }
    const query = {
      added_after: addedAfter === undefined ? undefined : addedAfterParameter(addedAfter),
      limit: options.limit,
      'match[type]': options.types?.length ? options.types.join(',') : undefined,
      next,
    };
    result.requests += 1;
    let response;
    try {
      response = await transport.get(objectsUrl, {
        query,
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      });
    } catch (error) {
      if (next === undefined || !isRefusedToken(error)) throw error;
      if (result.restarted) throw tokenRefusedTwice(error, path);
      // Objects re-delivered from the restart point are deduplicated later, by the store.
      result.restarted = true;
      addedAfter = watermark.restartPoint;
      next = undefined;
      continue;
    }
    const envelope = readEnvelope(response.body, path);
    const first = response.headers['x-taxii-date-added-first'];
    const last = response.headers['x-taxii-date-added-last'];
    if (last !== undefined) {
      if (!isInstant(last)) throw badHeader(path, last);
      watermark.advance(last);
    }
    result.pages += 1;
    result.objects += envelope.objects.length;
    result.watermark = watermark.current;
    yield {
      number: result.pages,
      objects: envelope.objects,
      more: envelope.more,
      ...(first !== undefined ? { dateAddedFirst: first } : {}),
      ...(last !== undefined ? { dateAddedLast: last } : {}),
      afterRestart: result.restarted,
    };
    if (!envelope.more) return result;
    if (envelope.next === undefined) {
      throw new TaxiiError(`TAXII GET ${path}: the envelope says "more" but has no "next"`, {
        code: TaxiiErrorCode.BAD_RESPONSE,
        path,
      });
    }
    next = envelope.next;
  }
}

/**
 * The same filters were accepted for the first page, so a 400/404/410 on a later one is
 * about its `next` token (medallion: 400 "'next' not valid" once the token has expired).
 */
function isRefusedToken(error: unknown): boolean {
  return error instanceof TaxiiError && [400, 404, 410].includes(error.status ?? 0);
}

function tokenRefusedTwice(error: unknown, path: string): TaxiiError {
  const said = error instanceof Error ? error.message : String(error);
  return new TaxiiError(
    `TAXII GET ${path}: the server refused a paging token again after restarting from the watermark (${said})`,
    {
      code: TaxiiErrorCode.NEXT_EXPIRED,
      path,
      status: error instanceof TaxiiError ? error.status : null,
    },
  );
}

function startingPoint(addedAfter: string | Date | undefined, path: string): string | undefined {
  if (addedAfter === undefined) return undefined;
  if (addedAfter instanceof Date) {
    if (Number.isNaN(addedAfter.getTime())) throw badStart(path, 'an invalid Date');
    return addedAfter.toISOString();
  }
  if (!isInstant(addedAfter)) throw badStart(path, JSON.stringify(addedAfter));
  return addedAfter.trim();
}

function checkLimit(limit: number | undefined, path: string): void {
  if (limit !== undefined && (!Number.isInteger(limit) || limit < 1)) {
    throw new TaxiiError(`TAXII GET ${path}: limit must be a positive integer, not ${limit}`, {
      code: TaxiiErrorCode.INVALID_REQUEST,
      path,
    });
  }
}

function badStart(path: string, what: string): TaxiiError {
  return new TaxiiError(
    `TAXII GET ${path}: addedAfter is ${what}, not an RFC 3339 instant such as 2026-01-01T00:00:00.000Z`,
    { code: TaxiiErrorCode.INVALID_REQUEST, path },
  );
}

function badHeader(path: string, value: string): TaxiiError {
  return new TaxiiError(
    `TAXII GET ${path}: X-TAXII-Date-Added-Last ${JSON.stringify(value.slice(0, 60))} is not an RFC 3339 instant; the watermark cannot advance`,
    { code: TaxiiErrorCode.BAD_RESPONSE, path },
  );
}
