import { createHash, randomUUID } from 'node:crypto';
import type { Incident } from '../incidents/incident.js';
import { incidentFromAlert } from '../incidents/incident.js';
import type { FetchedIncident } from '../integration-sdk/define.js';
import { canonicalJson } from '../journal/canonical.js';
import type { JournalDraft } from '../journal/entry.js';
import { persistSnapshot, startRun, type Advanced } from '../playbook/advance.js';
import type { CompiledPlaybook } from '../playbook/compile.js';
import { isEffectLive, isPendingKind, type PendingEffect } from '../playbook/outbox.js';
import type { RunContext } from '../playbook/run-model.js';
import type { RunRecord, RunStatus } from './run-store.js';

/*
 * What both drivers (local and distributed) derive the same way from a run's events: the
 * record committed after each event, the journal entries of incidents, deterministic ids.
 * Pure apart from `newId` and the clock values passed in.
 */

/** A journal entry of a run, stamped with a deterministic id (appends are idempotent by id). */
export function draftOf(
  entry: Advanced['journal'][number],
  id: string,
  at: string,
  record: Pick<RunRecord, 'id' | 'incident'>,
): JournalDraft {
  return {
    id,
    at,
    incident: record.incident,
    run: record.id,
    step: entry.step,
    kind: entry.kind,
    actor: entry.actor ?? { kind: 'system', id: 'engine' },
    summary: entry.summary,
    ...(entry.data ? { data: entry.data } : {}),
    ...(entry.artifacts ? { artifacts: entry.artifacts } : {}),
  };
}

/** The record after a committed event: pure, so that replaying the run log rebuilds it. */
export function nextRecord(
  record: RunRecord,
  result: Advanced,
  at: string,
  extra: JournalDraft[],
): RunRecord {
  const context = result.snapshot.context as RunContext;
  const version = record.version + 1;
  const stamped = result.journal.map((entry, i) =>
    draftOf(entry, `${record.id}-${version}-${i}`, at, record),
  );
  const drafts = extra.length > 0 ? [...extra, ...stamped] : stamped;
  const outbox: PendingEffect[] = [];
  for (const effect of record.outbox) if (isEffectLive(context, effect)) outbox.push(effect);
  for (const effect of result.effects) {
    if (isPendingKind(effect) && isEffectLive(context, effect)) outbox.push(effect);
  }
  const waitsOnPeopleOnly = !outbox.some(
    (e) => e.kind !== 'approval' && !(e.kind === 'timer' && e.purpose === 'approval-timeout'),
  );
  const status: RunStatus =
    result.snapshot.status === 'done'
      ? context.outcome?.status === 'failed'
        ? 'failed'
        : 'completed'
      : waitsOnPeopleOnly
        ? 'waiting'
        : 'running';
  return {
    ...record,
    version,
    status,
    snapshot: persistSnapshot(result.snapshot),
    outbox,
    drafts,
    updated_at: at,
  };
}

export function newId(prefix: string): string {
  const stamp = new Date()
    .toISOString()
    .replace(/[-:TZ.]/g, '')
    .slice(0, 14);
  // randomUUID draws from a buffered pool: a system call per id would show when runs start by the thousand.
  return `${prefix}-${stamp}-${randomUUID().slice(0, 8)}`;
}

/** The incident view a run's expressions see (`incident.*`). */
function incidentView(incident: Incident | null): RunContext['incident'] {
  return incident
    ? {
        id: incident.id,
        type: incident.type,
        name: incident.name,
        severity: incident.severity,
        fields: incident.fields,
      }
    : null;
}

/** What a run starts from: the playbook it is pinned to, its inputs and its place. */
export interface RunStart {
  run: string;
  compiled: CompiledPlaybook;
  inputs: Record<string, unknown>;
  incident: Incident | null;
  parent: RunContext['run']['parent'];
  root: string;
}

/**
 * A run's first record (version 0, nothing committed yet) and the result of its initial
 * transition, which the driver commits as version 1.
 */
export async function firstRecord(
  { run: id, compiled, inputs, incident, parent, root }: RunStart,
  started: string,
  owned: WeakSet<object> = new WeakSet<object>(),
): Promise<{ record: RunRecord; result: Advanced }> {
  const result = await startRun(
    compiled,
    {
      run: {
        id,
        playbook: compiled.playbook.id,
        version: compiled.playbook.version ?? 1,
        started_at: started,
        parent,
      },
      inputs,
      incident: incidentView(incident),
    },
    { owned },
  );
  const record: RunRecord = {
    id,
    version: 0,
    playbook: { id: compiled.playbook.id, hash: compiled.hash },
    journalKey: incident?.id ?? root,
    incident: incident?.id ?? null,
    root,
    status: 'running',
    snapshot: persistSnapshot(result.snapshot),
    outbox: [],
    drafts: [],
    updated_at: started,
  };
  return { record, result };
}

/** The id of the incident made from a vendor record: fetching the record again finds it. */
export function fetchedIncidentId(integration: string, key: string): string {
  const digest = createHash('sha256').update(`${integration}\u0000${key}`).digest('hex');
  return `inc-${digest.slice(0, 24)}`;
}

/** The journal entry that opens an incident's journal. */
export function incidentCreatedDraft(incident: Incident, source: string): JournalDraft {
  return {
    id: `${incident.id}-created`,
    at: incident.created_at,
    incident: incident.id,
    run: null,
    step: null,
    kind: 'incident.created',
    actor: { kind: 'system', id: source },
    summary: `incident created: ${incident.name} (${incident.type}, ${incident.severity})`,
    data: { ...incident },
  };
}

/**
 * An existing incident after a repeat of its record: null when nothing that matters changed,
 * else the updated incident and the journal entry that says so (its id derives from the new
 * content, so journaling the same update twice keeps one entry).
 */
export function incidentUpdate(
  existing: Incident,
  fetched: Pick<FetchedIncident, 'type' | 'name' | 'severity' | 'fields'>,
  source: string,
  at: string,
): { incident: Incident; draft: JournalDraft } | null {
  const alert = {
    type: fetched.type,
    name: fetched.name,
    severity: fetched.severity,
    fields: fetched.fields,
  };
  const fresh = incidentFromAlert(alert, {
    id: existing.id,
    now: existing.created_at,
    source: existing.source,
  });
  const before = canonicalJson({
    name: existing.name,
    severity: existing.severity,
    fields: existing.fields,
  });
  const after = canonicalJson({ name: fresh.name, severity: fresh.severity, fields: fresh.fields });
  if (before === after) return null;
  const version = createHash('sha256').update(after).digest('hex').slice(0, 16);
  return {
    incident: fresh,
    draft: {
      id: `${existing.id}-updated-${version}`,
      at,
      incident: existing.id,
      run: null,
      step: null,
      kind: 'incident.updated',
      actor: { kind: 'system', id: source },
      summary: `incident updated from ${source}: ${fresh.name} (${fresh.severity})`,
      data: { name: fresh.name, severity: fresh.severity, fields: fresh.fields },
    },
  };
}
