import { incidentFromAlert, type Incident } from '../incidents/incident.js';
import type { FetchedIncident } from '../integration-sdk/define.js';
import type { JournalStore } from '../journal/store.js';
import { fetchedIncidentId, incidentCreatedDraft, incidentUpdate } from './run-records.js';
import type { RunRecord, RunStore } from './run-store.js';

/*
 * What both drivers do the same way against their own stores: take incidents in, and sum a
 * run up for the CLI and the API.
 */

export interface RunSummary {
  run: string;
  incident: string | null;
  status: 'completed' | 'failed' | 'waiting' | 'running';
  outputs: Record<string, unknown>;
  approvals: { id: string; step: string; prompt: string; options: string[] }[];
  error?: string;
}

/** A run's summary with what `soar runs show` and `GET /api/v1/runs/:id` add. */
export interface RunDetails extends RunSummary {
  playbook: { id: string; hash: string };
  /** Events applied so far (the record's version). */
  events: number;
  updated_at: string;
  /** Effects the run waits on: steps executing, timers, approvals, sub-runs. */
  pending: { kind: string; step: string }[];
}

export function runDetails(summary: RunSummary, record: RunRecord): RunDetails {
  return {
    ...summary,
    playbook: record.playbook,
    events: record.version,
    updated_at: record.updated_at,
    pending: record.outbox.map((effect) => ({ kind: effect.kind, step: effect.step })),
  };
}

type IncidentStores = {
  store: Pick<RunStore, 'saveIncident' | 'loadIncident'>;
  journal: Pick<JournalStore, 'append'>;
};

/** Creates an incident from an alert and journals it. */
export async function createIncident(
  { store, journal }: IncidentStores,
  alert: unknown,
  source: string,
  id: string,
  now: string,
): Promise<Incident> {
  const incident = incidentFromAlert(alert, { id, now, source });
  await store.saveIncident(incident);
  await journal.append(incident.id, [incidentCreatedDraft(incident, source)]);
  return incident;
}

/**
 * An incident from a vendor record. Its id derives from the integration and the record's key,
 * so fetching the same record again finds it: the incident is updated (and the update
 * journaled) instead of created twice, even after a crash between the two writes.
 */
export async function ingestFetched(
  stores: IncidentStores,
  integration: string,
  fetched: FetchedIncident,
  source: string,
  now: string,
): Promise<{ incident: Incident; outcome: 'created' | 'updated' | 'unchanged' }> {
  const id = fetchedIncidentId(integration, fetched.key);
  const existing = await stores.store.loadIncident(id);
  if (!existing) {
    const alert = {
      type: fetched.type,
      name: fetched.name,
      severity: fetched.severity,
      fields: fetched.fields,
    };
    const incident = await createIncident(stores, alert, source, id, now);
    return { incident, outcome: 'created' };
  }
  const update = incidentUpdate(existing, fetched, source, now);
  if (!update) return { incident: existing, outcome: 'unchanged' };
  await stores.store.saveIncident(update.incident);
  await stores.journal.append(id, [update.draft]);
  return { incident: update.incident, outcome: 'updated' };
}

/**
 * A run as the CLI and API show it: `waiting` while an approval of the run or of a sub-run is
 * open. `recordOf` loads a run, or null when a child was never started (its parent crashed).
 */
export async function summarizeRun(
  record: RunRecord,
  recordOf: (runId: string) => Promise<RunRecord | null>,
): Promise<RunSummary> {
  const context = record.snapshot.context;
  const approvals: RunSummary['approvals'] = [];
  await collectApprovals(record, recordOf, approvals);
  const status =
    record.status === 'completed' || record.status === 'failed'
      ? record.status
      : approvals.length > 0
        ? 'waiting'
        : record.status;
  return {
    run: record.id,
    incident: record.incident,
    status,
    outputs: context.outcome?.outputs ?? {},
    approvals,
    ...(context.outcome?.error ? { error: context.outcome.error } : {}),
  };
}

async function collectApprovals(
  record: RunRecord,
  recordOf: (runId: string) => Promise<RunRecord | null>,
  out: RunSummary['approvals'],
): Promise<void> {
  for (const effect of record.outbox) {
    if (effect.kind === 'approval') {
      out.push({
        id: effect.id,
        step: effect.step,
        prompt: effect.prompt,
        options: effect.options,
      });
    }
    if (effect.kind === 'subrun') {
      const child = await recordOf(`${record.id}-${effect.token}`);
      if (child) await collectApprovals(child, recordOf, out);
    }
  }
}
