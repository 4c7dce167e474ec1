import type { IntegrationDefinition } from '../integration-sdk/define.js';
import type { Instances } from '../integration-sdk/instances.js';
import type { HttpClients } from './http-clients.js';
import { hookContext } from './hook-context.js';
import type { LocalEngine } from './local/local-engine.js';
import type { RunStore } from './run-store.js';
import type { PlaybookLibrary } from './playbook-library.js';

/** A fetch of 100,000 malops takes well under a minute; ten is a generous bound. */
export const FETCH_TIMEOUT_MS = 10 * 60_000;

/** What a fetch needs of an engine: the local one, or the distributed one (which only enqueues). */
export interface IncidentEngine {
  ingest: LocalEngine['ingest'];
  start: LocalEngine['start'];
  summary: LocalEngine['summary'];
  /** Settles runs in this process; without it, started runs are reported as queued. */
  idle?: () => Promise<void>;
}

export interface FetchSources {
  engine: IncidentEngine;
  store: RunStore;
  library: PlaybookLibrary;
  instances: Instances;
  clients: HttpClients;
}

export interface FetchedRun {
  run: string;
  incident: string;
  playbook: string;
  status: string;
}

export interface FetchResult {
  instance: string;
  since: string | null;
  watermark: string | null;
  fetched: number;
  created: number;
  updated: number;
  unchanged: number;
  runs: FetchedRun[];
}

/**
 * One fetch of an instance: pulls the vendor's incidents since the instance's watermark,
 * creates or updates incidents (a record's key dedups it), starts the playbooks whose trigger
 * names each new incident's type, and waits for the runs to settle (finish or wait). The
 * watermark moves only after every incident is in, so a crash re-fetches rather than misses.
 */
export async function fetchIncidentsOnce(
  sources: FetchSources,
  integration: IntegrationDefinition,
  instanceId: string,
): Promise<FetchResult> {
  if (!integration.fetchIncidents) throw new Error(`'${integration.id}' does not fetch incidents`);
  const instance = sources.instances.get(instanceId);
  const since = await sources.store.loadWatermark(instanceId);
  const fetched = await integration.fetchIncidents(
    hookContext(instance, sources.clients, FETCH_TIMEOUT_MS),
    since,
  );
  const counts = { created: 0, updated: 0, unchanged: 0 };
  const started: Omit<FetchedRun, 'status'>[] = [];
  for (const record of fetched.incidents) {
    const { incident, outcome } = await sources.engine.ingest(
      integration.id,
      record,
      `instance:${instanceId}`,
    );
    counts[outcome]++;
    if (outcome !== 'created') continue;
    for (const playbook of await sources.library.playbooksFor(incident.type)) {
      const run = await sources.engine.start(playbook, {}, incident);
      started.push({ run, incident: incident.id, playbook });
    }
  }
  const settles = sources.engine.idle !== undefined;
  await sources.engine.idle?.();
  if (fetched.watermark !== null) await sources.store.saveWatermark(instanceId, fetched.watermark);
  const runs = await Promise.all(
    started.map(async (r) => ({
      ...r,
      status: settles ? (await sources.engine.summary(r.run)).status : 'queued',
    })),
  );
  return {
    instance: instanceId,
    since,
    watermark: fetched.watermark ?? since,
    fetched: fetched.incidents.length,
    ...counts,
    runs,
  };
}
