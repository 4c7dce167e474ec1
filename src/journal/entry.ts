import { hash } from 'node:crypto';
import { canonicalJson } from './canonical.js';

export type ActorKind = 'system' | 'integration' | 'user';
export interface Actor {
  kind: ActorKind;
  id: string;
}

export type ArtifactType =
  'ip' | 'domain' | 'url' | 'hash' | 'host' | 'user' | 'email' | 'file' | 'link';
export interface Artifact {
  type: ArtifactType;
  value: string;
  label?: string;
}

export const JOURNAL_KINDS = [
  'incident.created',
  'incident.updated',
  'run.started',
  'step.started',
  'step.completed',
  'step.failed',
  'step.retried',
  'step.skipped',
  'evidence',
  'request',
  'approval.requested',
  'approval.decided',
  'approval.timed_out',
  'note',
  'run.finished',
  'incident.closed',
] as const;
export type JournalKind = (typeof JOURNAL_KINDS)[number];

/** What the engine hands to a store: everything but the chain fields. `id` is deterministic and makes appends idempotent. */
export interface JournalDraft {
  id: string;
  /** ISO-8601 */
  at: string;
  incident: string | null;
  run: string | null;
  step: string | null;
  kind: JournalKind;
  actor: Actor;
  summary: string;
  data?: Record<string, unknown>;
  artifacts?: Artifact[];
}

export interface JournalEntry extends JournalDraft {
  /** 1-based position in its journal. */
  seq: number;
  /** Hash of the previous entry, GENESIS for the first. */
  prev: string;
  hash: string;
}

export const GENESIS = '0'.repeat(64);

/** SHA-256 hex of the RFC 8785 form, so the hash survives any re-serialization of the line. */
export function hashEntry(entryWithoutHash: Omit<JournalEntry, 'hash'>): string {
  return hash('sha256', canonicalJson(entryWithoutHash), 'hex');
}

/**
 * Copies only the known draft fields, so stray properties on the caller's object can
 * neither leak into the journal nor make the stored line disagree with its hash.
 * Field order here is the order of the stored JSON line.
 */
export function chainEntry(draft: JournalDraft, seq: number, prev: string): JournalEntry {
  const unhashed: Omit<JournalEntry, 'hash'> = {
    seq,
    at: draft.at,
    incident: draft.incident,
    run: draft.run,
    step: draft.step,
    kind: draft.kind,
    actor: { kind: draft.actor.kind, id: draft.actor.id },
    summary: draft.summary,
    ...(draft.data === undefined ? {} : { data: draft.data }),
    ...(draft.artifacts === undefined ? {} : { artifacts: draft.artifacts }),
    id: draft.id,
    prev,
  };
  return { ...unhashed, hash: hashEntry(unhashed) };
}
