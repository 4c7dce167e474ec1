import type { JournalDraft } from '../journal/entry.js';
import type { PendingEffect } from '../playbook/outbox.js';
import type { RunContext, RunEvent } from '../playbook/run-model.js';
import type { Playbook } from '../playbook/schema.js';
import type { Incident } from '../incidents/incident.js';

export type RunStatus = 'running' | 'waiting' | 'completed' | 'failed';

/** Everything needed to resume a run: committed together after every event. */
export interface RunRecord {
  id: string;
  version: number;
  playbook: { id: string; hash: string };
  journalKey: string;
  incident: string | null;
  root: string;
  status: RunStatus;
  snapshot: { value: unknown; context: RunContext; status: string };
  outbox: PendingEffect[];
  /** The journal entries of the last commit; re-appended on resume (appends are idempotent). */
  drafts: JournalDraft[];
  updated_at: string;
}

export interface ApprovalRecord {
  id: string;
  run: string;
  root: string;
  step: string;
  token: string;
  prompt: string;
  options: string[];
  assignees: string[];
  requested_at: string;
  timeout_at: string | null;
  state: 'pending' | 'decided' | 'expired';
  decision?: { option: string; by: string; at: string; comment?: string };
}

/** One committed event, as the run log keeps it: enough to redo the commit from the one before. */
export interface RunLogEntry {
  version: number;
  at: string;
  event: RunEvent;
  /** Journal entries the event brought with it (an integration's notes, evidence, requests). */
  extra: JournalDraft[];
}

export interface RunStore {
  /** The run's last checkpoint; events committed after it are in `loadTail`. */
  loadRun(id: string): Promise<RunRecord | null>;
  /** Events committed after the checkpoint, in order. */
  loadTail(id: string): Promise<RunLogEntry[]>;
  /**
   * Commits a run. With `entry`, a store may append just the event (the record can be rebuilt
   * by replaying it); without, or whenever it likes, it writes the whole record.
   */
  saveRun(record: RunRecord, entry?: RunLogEntry): Promise<void>;
  savePlaybook(hash: string, playbook: Playbook): Promise<void>;
  loadPlaybook(hash: string): Promise<Playbook | null>;
  saveApproval(record: ApprovalRecord): Promise<void>;
  loadApproval(id: string): Promise<ApprovalRecord | null>;
  saveIncident(incident: Incident): Promise<void>;
  loadIncident(id: string): Promise<Incident | null>;
  /** Where an instance's next incident fetch starts. */
  loadWatermark(instance: string): Promise<string | null>;
  saveWatermark(instance: string, watermark: string): Promise<void>;
  /** The last tick a schedule fired for (see runtime/schedule). */
  loadScheduleState(key: string): Promise<ScheduleState | null>;
  saveScheduleState(state: ScheduleState): Promise<void>;
}

export interface ScheduleState {
  key: string;
  /** The tick (epoch ms) last fired, or the baseline a cron schedule was first seen at. */
  last_tick: number;
  /** When it last fired (ISO), null for a baseline. */
  fired_at: string | null;
  /** What the firing started or did, one line. */
  last_result: string | null;
}

/** Keeps everything in memory: for tests and benchmarks. */
export class MemoryRunStore implements RunStore {
  private readonly runs = new Map<string, RunRecord>();
  private readonly playbooks = new Map<string, Playbook>();
  private readonly approvals = new Map<string, ApprovalRecord>();
  private readonly incidents = new Map<string, Incident>();
  private readonly watermarks = new Map<string, string>();

  loadRun(id: string): Promise<RunRecord | null> {
    return Promise.resolve(this.runs.get(id) ?? null);
  }
  loadTail(_id: string): Promise<RunLogEntry[]> {
    return Promise.resolve([]);
  }
  saveRun(record: RunRecord): Promise<void> {
    // Records are replaced, never mutated, so keeping the reference is safe and O(1).
    this.runs.set(record.id, record);
    return Promise.resolve();
  }
  savePlaybook(hash: string, playbook: Playbook): Promise<void> {
    this.playbooks.set(hash, playbook);
    return Promise.resolve();
  }
  loadPlaybook(hash: string): Promise<Playbook | null> {
    return Promise.resolve(this.playbooks.get(hash) ?? null);
  }
  saveApproval(record: ApprovalRecord): Promise<void> {
    this.approvals.set(record.id, structuredClone(record));
    return Promise.resolve();
  }
  loadApproval(id: string): Promise<ApprovalRecord | null> {
    return Promise.resolve(structuredClone(this.approvals.get(id) ?? null));
  }
  saveIncident(incident: Incident): Promise<void> {
    this.incidents.set(incident.id, structuredClone(incident));
    return Promise.resolve();
  }
  loadIncident(id: string): Promise<Incident | null> {
    return Promise.resolve(structuredClone(this.incidents.get(id) ?? null));
  }
  loadWatermark(instance: string): Promise<string | null> {
    return Promise.resolve(this.watermarks.get(instance) ?? null);
  }
  private readonly schedules = new Map<string, ScheduleState>();
  loadScheduleState(key: string): Promise<ScheduleState | null> {
    return Promise.resolve(this.schedules.get(key) ?? null);
  }
  saveScheduleState(state: ScheduleState): Promise<void> {
    this.schedules.set(state.key, { ...state });
    return Promise.resolve();
  }
  saveWatermark(instance: string, watermark: string): Promise<void> {
    this.watermarks.set(instance, watermark);
    return Promise.resolve();
  }
}
