import type { Artifact, JournalKind } from '../journal/entry.js';
import type { StepErrorInfo } from '../integration-sdk/errors.js';

/** What a step is waiting for while it is active. */
export type Phase =
  'prepare' | 'running' | 'retry-wait' | 'waiting' | 'approval' | 'subrun' | 'items';

export interface ActiveStep {
  visit: number;
  attempt: number;
  /** `<step>.<visit>.<attempt>`: events for any other token are stale and ignored. */
  token: string;
  phase: Phase;
}

export interface StepRecord {
  status: 'completed' | 'failed' | 'skipped' | 'cancelled';
  output: unknown;
  /** How many times the step was entered. */
  visits: number;
  error?: StepErrorInfo;
}

export interface ItemProgress {
  attempt: number;
  phase: Phase;
}

export interface ForeachProgress {
  items: unknown[];
  outputs: unknown[];
  nextIndex: number;
  inflight: Record<number, ItemProgress>;
  done: number;
  errors: { index: number; message: string }[];
}

export interface IncidentView {
  id: string;
  type: string;
  name: string;
  severity: string;
  fields: Record<string, unknown>;
}

export interface RunInfo {
  id: string;
  playbook: string;
  version: number;
  started_at: string;
  parent: { run: string; step: string; token: string } | null;
}

export interface RunOutcome {
  status: 'completed' | 'failed';
  /** The end step's status (resolved, failed, …), or failed/completed. */
  result: string;
  outputs: Record<string, unknown>;
  error?: string;
}

export interface RunContext {
  run: RunInfo;
  inputs: Record<string, unknown>;
  incident: IncidentView | null;
  vars: Record<string, unknown>;
  steps: Record<string, StepRecord>;
  active: Record<string, ActiveStep>;
  loops: Record<string, ForeachProgress>;
  /** Per parallel step: the last output of each finished branch, by branch id. */
  branches: Record<string, Record<string, unknown>>;
  executions: number;
  now: string;
  outcome: RunOutcome | null;
  /** Actions produced by the transition in progress; always empty between events. */
  pending: MachineAction[];
}

export interface RunInput {
  run: RunInfo;
  inputs: Record<string, unknown>;
  incident: IncidentView | null;
}

export interface ItemRef {
  index: number;
  attempt: number;
}

/** Side effects the driver performs. Each names the step token it belongs to. */
export type IoEffect =
  | {
      kind: 'execute';
      step: string;
      token: string;
      item?: ItemRef;
      uses: string;
      /** The configured instance the step names; absent: the integration's default. */
      instance?: string;
      input: Record<string, unknown>;
      timeoutMs: number | null;
      attempt: number;
    }
  | {
      kind: 'timer';
      step: string;
      token: string;
      item?: ItemRef;
      purpose: 'retry' | 'wait' | 'approval-timeout';
      fireAt: string;
    }
  | {
      kind: 'approval';
      step: string;
      token: string;
      id: string;
      prompt: string;
      options: string[];
      assignees: string[];
      timeoutAt: string | null;
    }
  | {
      kind: 'subrun';
      step: string;
      token: string;
      playbook: string;
      inputs: Record<string, unknown>;
    }
  | { kind: 'cancel'; step: string; token: string }
  | { kind: 'finish'; outcome: RunOutcome };

/** What the machine asks of `advance`: evaluate a step's expressions, then report back. */
export interface PrepareRequest {
  kind: 'prepare';
  step: string;
  token: string;
  item?: ItemRef;
}

export interface JournalRequest {
  kind: 'journal';
  entry: {
    kind: JournalKind;
    step: string | null;
    summary: string;
    data?: Record<string, unknown>;
    artifacts?: Artifact[];
    actor?: { kind: 'system' | 'integration' | 'user'; id: string };
  };
}

export type MachineAction = IoEffect | PrepareRequest | JournalRequest;

/** The effect a prepared step asks for; the machine records the phase and emits it. */
export type ReadyEffect =
  | {
      kind: 'execute';
      uses: string;
      instance?: string;
      input: Record<string, unknown>;
      timeoutMs: number | null;
    }
  | { kind: 'timer'; fireAt: string }
  | { kind: 'approval'; prompt: string }
  | { kind: 'subrun'; playbook: string; inputs: Record<string, unknown> };

interface StepEventBase {
  step: string;
  token: string;
  at: string;
  item?: ItemRef;
}

export type RunEvent =
  | ({ type: 'STEP.READY'; effect: ReadyEffect } & StepEventBase)
  | ({
      type: 'STEP.DONE';
      output: unknown;
      next?: string | null;
      vars?: Record<string, unknown>;
    } & StepEventBase)
  | ({ type: 'STEP.FAILED'; error: StepErrorInfo } & StepEventBase)
  | ({ type: 'STEP.SKIPPED' } & StepEventBase)
  | ({ type: 'FOREACH.ITEMS'; items: unknown[] } & StepEventBase)
  | ({ type: 'TIMER'; purpose: 'retry' | 'wait' | 'approval-timeout' } & StepEventBase)
  | ({ type: 'APPROVAL.DECIDED'; option: string; by: string; comment?: string } & StepEventBase);

export function tokenOf(step: string, visit: number, attempt: number): string {
  return `${step}.${visit}.${attempt}`;
}

export function approvalIdOf(runId: string, step: string, visit: number): string {
  return `${runId}-${step}-${visit}`;
}
