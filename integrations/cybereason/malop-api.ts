/*
 * Reading malops. The malop management API is paged by offset; servers without it (older
 * on-premises versions) answer 404, and then the detection inbox, which returns a time
 * window in one answer, takes its place.
 */
import { permanentError, transientError } from '../../src/integration-sdk/errors.js';
import type { CybereasonClient } from './client.js';
import { toMalop, type Malop } from './malops.js';
import { list, num, record, text } from './normalize.js';

export const MANAGEMENT_PATH = '/rest/mmng/v2/malops';
export const INBOX_PATH = '/rest/detection/inbox';

export interface MalopPage {
  malops: Malop[];
  /** What the server reported as the number of matching malops. */
  total: number;
  /** Entries without a guid, left out. */
  skipped: number;
  /** The server's total changed between pages: malops were created or updated meanwhile. */
  shifted: boolean;
}

export interface ManagementQuery {
  from: number;
  to: number;
  statuses?: string[];
  pageSize: number;
  /** Stop after this many malops. */
  limit: number;
}

/** Pages through the management API; null when this server has no such API (HTTP 404). */
export async function fetchManaged(
  client: CybereasonClient,
  query: ManagementQuery,
): Promise<MalopPage | null> {
  const found = new Map<string, Malop>();
  let offset = 0;
  let total: number | null = null;
  let skipped = 0;
  let shifted = false;
  for (;;) {
    const body = {
      search: {},
      range: { from: query.from, to: query.to },
      pagination: { pageSize: query.pageSize, offset },
      ...(query.statuses?.length ? { filter: { malop: { status: query.statuses } } } : {}),
      federation: { groups: [] },
      sort: [{ field: 'LastUpdateTime', order: 'desc' }],
    };
    const page = await managementCall(client, body, offset);
    if (page === null) return null;
    if (total !== null && page.totalHits !== null && page.totalHits !== total) shifted = true;
    total = page.totalHits ?? total;
    const before = found.size + skipped;
    for (const raw of page.items) {
      const malop = toMalop(raw, client.server);
      if (malop === null) skipped++;
      // Offset paging over a list that changes: a malop updated meanwhile can come twice.
      else if (!found.has(malop.guid)) found.set(malop.guid, malop);
    }
    offset += page.items.length;
    const reachedTotal = total !== null ? offset >= total : page.items.length < query.pageSize;
    // A page with nothing new means the server repeats itself: stop rather than page forever.
    const stalled = found.size + skipped === before;
    if (stalled && page.items.length > 0) shifted = true;
    if (stalled || reachedTotal || found.size >= query.limit) break;
  }
  return {
    malops: [...found.values()].slice(0, query.limit),
    total: total ?? found.size,
    skipped,
    shifted,
  };
}

/** One malop by guid from the management API; undefined when absent, null without the API. */
export async function getManaged(
  client: CybereasonClient,
  guid: string,
): Promise<Malop | undefined | null> {
  const body = {
    search: { malop: { guid } },
    range: { from: 0, to: Date.now() + 24 * 60 * 60 * 1000 },
    pagination: { pageSize: 10, offset: 0 },
    federation: { groups: [] },
  };
  const page = await managementCall(client, body, 0);
  if (page === null) return null;
  return (
    page.items.map((raw) => toMalop(raw, client.server)).find((m) => m?.guid === guid) ?? undefined
  );
}

/** The detection inbox: every malop updated within [from, to], in one answer. */
export async function fetchInbox(
  client: CybereasonClient,
  from: number,
  to: number,
): Promise<{ malops: Malop[]; skipped: number }> {
  const answer = await client.rest({ path: INBOX_PATH, json: { startTime: from, endTime: to } });
  const envelope = record(answer.body);
  if (!Array.isArray(envelope.malops)) {
    throw transientError(`POST ${INBOX_PATH}: the answer has no malops list`, 'BAD_RESPONSE');
  }
  const malops: Malop[] = [];
  let skipped = 0;
  for (const raw of envelope.malops) {
    const malop = toMalop(raw, client.server);
    if (malop === null) skipped++;
    else malops.push(malop);
  }
  return { malops, skipped };
}

async function managementCall(
  client: CybereasonClient,
  body: Record<string, unknown>,
  offset: number,
): Promise<{ items: unknown[]; totalHits: number | null } | null> {
  const answer = await client.rest({ path: MANAGEMENT_PATH, json: body, accept: [404] });
  if (answer.status === 404) {
    if (offset === 0) return null;
    throw permanentError(
      `POST ${MANAGEMENT_PATH}: HTTP 404 at offset ${offset}, after earlier pages succeeded`,
      'HTTP_4XX',
    );
  }
  const envelope = record(answer.body);
  const status = text(envelope.status);
  if (status !== null && status !== 'SUCCESS') {
    const message = text(envelope.message);
    throw permanentError(
      `POST ${MANAGEMENT_PATH}: status ${status}${message ? `: ${message}` : ''}`,
      'VENDOR_ERROR',
    );
  }
  const data = record(envelope.data);
  if (!Array.isArray(data.data)) {
    throw transientError(
      `POST ${MANAGEMENT_PATH}: the answer has no data.data list (offset ${offset})`,
      'BAD_RESPONSE',
    );
  }
  return { items: list(data.data), totalHits: num(data.totalHits) };
}
