import type { CommandContext, FetchedIncidents } from '../../src/integration-sdk/index.js';
import { CybereasonClient } from './client.js';
import { fetchInbox, fetchManaged } from './malop-api.js';
import type { Malop } from './malops.js';

/** The first fetch of an instance looks back this far. */
const FIRST_LOOKBACK_MS = 24 * 60 * 60 * 1000;
const PAGE_SIZE = 500;
const LIMIT = 100_000;
const SEVERITIES = new Set(['informational', 'low', 'medium', 'high', 'critical']);

/**
 * One incident per malop updated since the watermark (epoch ms of the newest update seen).
 * The window starts at the watermark itself: a malop updated in that same millisecond comes
 * back once more, and its key (the guid) makes that an update, never a second incident.
 */
export async function fetchMalopIncidents(
  ctx: Omit<CommandContext, 'run'>,
  since: string | null,
): Promise<FetchedIncidents> {
  const client = new CybereasonClient(ctx);
  const to = Date.now();
  const from = since !== null && /^\d+$/.test(since) ? Number(since) : to - FIRST_LOOKBACK_MS;
  const managed = await fetchManaged(client, { from, to, pageSize: PAGE_SIZE, limit: LIMIT });
  const malops = managed?.malops ?? (await fetchInbox(client, from, to)).malops;
  const newest = malops.reduce((max, m) => Math.max(max, m.updated ?? 0), from);
  return { incidents: malops.map(toIncident), watermark: String(newest) };
}

function toIncident(malop: Malop) {
  const severity = malop.severity?.toLowerCase() ?? 'unknown';
  return {
    key: malop.guid,
    type: 'cybereason.malop',
    name: malop.name ?? `Malop ${malop.guid}`,
    severity: SEVERITIES.has(severity) ? severity : 'unknown',
    fields: { ...malop },
  };
}
