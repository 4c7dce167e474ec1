import type { AnyMachineSnapshot } from 'xstate';
import type { Incident } from '../../incidents/incident.js';
import type { FetchedIncident } from '../../integration-sdk/define.js';
import type { Instances } from '../../integration-sdk/instances.js';
import type { Registry } from '../../integration-sdk/registry.js';
import type { IntelService } from '../../intel/service.js';
import type { JournalDraft } from '../../journal/entry.js';
import { RecentMap } from '../../journal/recent-map.js';
import type { RedisJournalStore } from '../../journal/redis-store.js';
import { advance, restoreSnapshot, type Advanced } from '../../playbook/advance.js';
import { compilePlaybook, type CompiledPlaybook } from '../../playbook/compile.js';
import { resolveInputs } from '../../playbook/inputs.js';
import { effectKey, type PendingEffect } from '../../playbook/outbox.js';
import type { IoEffect, RunEvent, RunOutcome } from '../../playbook/run-model.js';
import { executeCommand, type CommandLogLine } from '../executor.js';
import { HttpClients } from '../http-clients.js';
import { LazyAbort } from '../lazy-abort.js';
import {
  EngineError,
  SerialByKey,
  alreadyDecided,
  checkDecision,
  parentEvent,
} from '../run-rules.js';
import type { PlaybookLibrary } from '../playbook-library.js';
import {
  draftOf,
  fetchedIncidentId,
  firstRecord,
  newId,
  nextRecord,
  type RunStart,
} from '../run-records.js';
import { createIncident, ingestFetched, summarizeRun, type RunSummary } from '../run-views.js';
import type { ApprovalRecord, RunRecord } from '../run-store.js';
import {
  FALLBACK_STEP_QUEUE,
  stepQueueName,
  type EventJob,
  type ExecuteEffect,
  type IngestJob,
  type RuntimeQueues,
  type StepJob,
} from './queues.js';
import type { RedisRunStore } from './redis-run-store.js';
import type { StepOutcome } from './step-stats.js';

export interface DistributedEngineOptions {
  registry: Registry;
  instances: Instances;
  store: RedisRunStore;
  journal: RedisJournalStore;
  queues: RuntimeQueues;
  /** Playbooks by id, for starts by id and sub-playbooks; runs themselves load their pinned copy. */
  library?: PlaybookLibrary;
  http?: HttpClients;
  intel?: IntelService;
  log?: (line: CommandLogLine) => void;
  redact?: <T>(value: T) => T;
  now?: () => Date;
  /** Told of every run this process sees finish (metrics, benchmarks). */
  onRunFinished?: (record: RunRecord) => void;
}

/** Commits that lose the compare-and-set to another worker are redone; each loss is a win elsewhere. */
const MAX_COMMIT_ATTEMPTS = 100;

/** Running runs whose latest state a process keeps in memory (a cache: Redis has it all). */
const MAX_LIVE_RUNS = 2_000;

/** How long an instance's queue pauses after a 429 that gave no Retry-After. */
const DEFAULT_RATE_LIMIT_BACKOFF_MS = 5_000;

/** What handling a step job did: the command it ran (if it ran one), and any back-off asked for. */
export interface StepHandled {
  executed?: { seconds: number; outcome: StepOutcome };
  backoffMs?: number;
}

export class RunConflictError extends Error {
  override readonly name = 'RunConflictError';
}

/**
 * Drives runs whose state lives in Redis, from any number of processes. An event is applied
 * to the run's stored record and committed with its journal entries in one compare-and-set
 * (RedisRunStore.commit); only then are the effects it produced dispatched as jobs, under
 * deterministic ids. Whoever handles the run next (or the sweeper) dispatches its outbox again,
 * so a process dying between the two loses nothing.
 *
 * The producer side (startRun, approve, ingest) is used by the CLI, the API and schedulers;
 * the consumer side (handleEvent, handleStep) by workers.
 */
export class DistributedEngine {
  private readonly now: () => Date;
  private readonly http: HttpClients;
  private readonly compiled = new Map<string, CompiledPlaybook>();
  private readonly serialized = new SerialByKey();
  /**
   * The last record and live snapshot this process committed per running run: skips a read
   * when still current. The least recently committed go first past the cap.
   */
  private readonly live = new RecentMap<
    string,
    { record: RunRecord; snapshot: AnyMachineSnapshot; owned: WeakSet<object> }
  >(MAX_LIVE_RUNS);
  private readonly running = new Map<string, LazyAbort>();
  /** Commits that lost the compare-and-set to another worker (then redone). */
  readonly stats = { conflicts: 0 };

  constructor(private readonly options: DistributedEngineOptions) {
    this.now = options.now ?? (() => new Date());
    this.http = options.http ?? new HttpClients();
  }

  get store(): RedisRunStore {
    return this.options.store;
  }

  // ---- producer side ----------------------------------------------------------------

  /** Creates an incident from an alert, journals it, and returns it. */
  createIncident(alert: unknown, source: string, id = newId('inc')): Promise<Incident> {
    return createIncident(this.options, alert, source, id, this.now().toISOString());
  }

  /** An incident from a vendor record: created once, updated (and journaled) on a change. */
  ingest(
    integration: string,
    fetched: FetchedIncident,
    source: string,
  ): Promise<{ incident: Incident; outcome: 'created' | 'updated' | 'unchanged' }> {
    return ingestFetched(this.options, integration, fetched, source, this.now().toISOString());
  }

  /**
   * Starts a run of a compiled playbook (pinned by content hash): its first event is applied
   * and committed here, and its first steps queued, so a run costs no job before its first
   * step. With `runId` the start is idempotent: a run that exists is left alone (its pending
   * effects are dispatched again).
   */
  async startRun(
    compiled: CompiledPlaybook,
    inputs: Record<string, unknown>,
    incident: Incident | null,
    options: { runId?: string } = {},
  ): Promise<string> {
    const id = options.runId ?? newId('run');
    await this.begin({
      run: id,
      compiled,
      inputs: resolveInputs(compiled.playbook, inputs),
      incident,
      parent: null,
      root: id,
    });
    return id;
  }

  /** `start` by playbook id, through the library. */
  async start(
    playbookId: string,
    inputs: Record<string, unknown>,
    incident: Incident | null,
    options: { runId?: string } = {},
  ): Promise<string> {
    const library = this.options.library;
    if (!library) throw new EngineError('no playbook library to start runs by id', 'NO_LIBRARY');
    return this.startRun(await library.get(playbookId), inputs, incident, options);
  }

  /**
   * Records a decision and enqueues it for the run. Of two people deciding at once, one
   * wins; the other is told who did. The decision is stored before it is enqueued; the
   * sweeper enqueues again a decision whose job was lost.
   */
  async approve(
    approvalId: string,
    option: string,
    by: string,
    comment?: string,
  ): Promise<ApprovalRecord> {
    const approval = await this.options.store.loadApproval(approvalId);
    checkDecision(approvalId, approval, option);
    const at = this.now().toISOString();
    if (approval.timeout_at !== null && Date.parse(approval.timeout_at) <= Date.parse(at)) {
      throw new EngineError(
        `approval '${approvalId}' is no longer pending: it timed out at ${approval.timeout_at}`,
        'GONE',
      );
    }
    const record = await this.options.store.loadRun(approval.run);
    if (!record?.outbox.some((e) => e.kind === 'approval' && e.id === approvalId)) {
      await this.options.store.saveApproval({ ...approval, state: 'expired' });
      throw new EngineError(
        `approval '${approvalId}' is no longer pending: its run has moved on`,
        'GONE',
      );
    }
    const decided: ApprovalRecord = {
      ...approval,
      state: 'decided',
      decision: { option, by, at, ...(comment ? { comment } : {}) },
    };
    const outcome = await this.options.store.decideApproval(decided);
    if (outcome.status === 'missing')
      throw new EngineError(`no approval '${approvalId}'`, 'NOT_FOUND');
    if (outcome.status === 'not-pending') {
      if (outcome.approval.state === 'decided') throw alreadyDecided(outcome.approval);
      throw new EngineError(`approval '${approvalId}' is no longer pending`, 'GONE');
    }
    await this.enqueueDecision(decided);
    return decided;
  }

  private async enqueueDecision(approval: ApprovalRecord): Promise<void> {
    const decision = approval.decision!;
    await this.options.queues.addEvent(`decide-${approval.id}`, {
      kind: 'event',
      run: approval.run,
      event: {
        type: 'APPROVAL.DECIDED',
        step: approval.step,
        token: approval.token,
        at: decision.at,
        option: decision.option,
        by: decision.by,
        ...(decision.comment ? { comment: decision.comment } : {}),
      },
    });
  }

  // ---- consumer side ----------------------------------------------------------------

  /** Handles a job of the events queue. */
  async handleEvent(job: EventJob): Promise<void> {
    if (job.kind !== 'event') {
      // Not something this version queues: failing it keeps it visible among failed jobs.
      throw new EngineError(`events job of unknown kind ${JSON.stringify(job.kind)}`, 'BAD_JOB');
    }
    return this.apply(job.run, job.event, job.extra ?? []);
  }

  /** The incident an API alert with this dedup key becomes. */
  incidentIdFor(key: string): string {
    return fetchedIncidentId('api', key);
  }

  /**
   * Handles a job of the ingest queue: the alert becomes an incident (or updates the one with
   * its key), and the incident type's playbooks start. A playbook's run id derives from the
   * incident, so a repeated alert, or this job run twice, starts nothing twice.
   */
  async handleIngest(job: IngestJob): Promise<{ incident: string; runs: string[] }> {
    const { incident } = await this.ingest('api', { key: job.key, ...job.alert }, job.source);
    const library = this.options.library;
    if (!library) throw new EngineError('no playbook library to start runs', 'NO_LIBRARY');
    const playbooks = await library.playbooksFor(incident.type);
    if (playbooks.length === 0) {
      // The API checked the type against its playbooks: a worker without them must not drop the
      // alert silently. The job fails (and is retried), so a worker that has them can take it.
      throw new EngineError(
        `incident ${incident.id}: no playbook for incident type '${incident.type}' in this worker's playbooks`,
        'NO_PLAYBOOK',
      );
    }
    const runs: string[] = [];
    for (const playbook of playbooks) {
      const runId = `run-${incident.id}-${playbook}`;
      runs.push(await this.startRun(await library.get(playbook), {}, incident, { runId }));
    }
    return { incident: incident.id, runs };
  }

  /**
   * Handles a job of a step queue: runs the command, then applies its outcome to the run.
   * `retried` (the job ran before, in a worker that died or failed) checks first that the run
   * still wants the result: a step already completed is not executed again.
   */
  async handleStep(job: StepJob, retried: boolean): Promise<StepHandled> {
    const key = effectKey(job.run, job.effect);
    if (retried) {
      const record = await this.options.store.loadRun(job.run);
      const wanted = record?.outbox.some(
        (effect) => effect.kind === 'execute' && effectKey(job.run, effect) === key,
      );
      if (!wanted) {
        // Its event may have been committed by the worker that died before dispatching.
        if (record) await this.dispatchOutbox(record);
        return {};
      }
    }
    const controller = new LazyAbort();
    this.running.set(key, controller);
    const started = performance.now();
    try {
      const { event, journal } = await executeCommand(this.options.registry, job.effect, {
        runId: job.run,
        incident: job.incident,
        cancel: controller,
        instances: this.options.instances,
        http: this.http,
        ...(this.options.log
          ? { log: (line: CommandLogLine) => this.options.log?.(this.redact(line)) }
          : {}),
        ...(this.options.intel ? { intel: this.options.intel } : {}),
        now: this.now,
      });
      const executed = {
        seconds: (performance.now() - started) / 1000,
        outcome: event.type === 'STEP.FAILED' ? ('failed' as const) : ('completed' as const),
      };
      const drafts = journal.map((entry, i) =>
        draftOf(entry, `${key}-j${i}`, event.at, { id: job.run, incident: job.incident }),
      );
      await this.apply(job.run, event, drafts);
      // A vendor saying "too many requests" slows the instance's queue for every worker.
      if (event.type === 'STEP.FAILED' && event.error.code === 'RATE_LIMITED') {
        return {
          executed,
          backoffMs: event.error.retryAfterMs ?? DEFAULT_RATE_LIMIT_BACKOFF_MS,
        };
      }
      return { executed };
    } finally {
      this.running.delete(key);
    }
  }

  /**
   * A run's first commit (version 1), made by whoever starts the run. Of two starts of one
   * run id, the second finds the run stored (the commit expects no record) and only
   * dispatches its pending effects again.
   */
  private async begin(start: RunStart): Promise<void> {
    await this.options.store.savePlaybook(start.compiled.hash, start.compiled.playbook);
    this.compiled.set(start.compiled.hash, start.compiled);
    const owned = new WeakSet<object>();
    const { record, result } = await firstRecord(start, this.now().toISOString(), owned);
    await this.serial(start.run, async () => {
      const committed = await this.commit(record, result, record.updated_at, [], owned);
      if (!committed) {
        const stored = await this.options.store.loadRun(start.run);
        if (stored) await this.dispatchOutbox(stored);
      }
    });
  }

  /** Applies one event to a run, redoing it on a fresh record if another worker committed first. */
  apply(runId: string, event: RunEvent, extra: JournalDraft[]): Promise<void> {
    return this.serial(runId, async () => {
      for (let attempt = 1; attempt <= MAX_COMMIT_ATTEMPTS; attempt++) {
        const cached = this.live.get(runId);
        const record = cached?.record ?? (await this.options.store.loadRun(runId));
        if (!record) throw new EngineError(`no run '${runId}'`, 'NOT_FOUND');
        if (record.snapshot.status === 'done') {
          await this.dispatchOutbox(record);
          return;
        }
        const compiled = await this.compiledFor(record.playbook.hash, runId);
        const snapshot = cached?.snapshot ?? restoreSnapshot(compiled, record.snapshot);
        const owned = cached?.owned ?? new WeakSet<object>();
        let result: Advanced;
        try {
          result = await advance(compiled, snapshot, event, { owned });
        } catch (error) {
          this.live.delete(runId);
          throw error;
        }
        if (await this.commit(record, result, event.at, extra, owned)) return;
      }
      throw new RunConflictError(
        `run ${runId}: lost ${MAX_COMMIT_ATTEMPTS} commits in a row to other workers`,
      );
    });
  }

  /** Commits the record after `result`; false (and nothing written) if the run moved on. */
  private async commit(
    record: RunRecord,
    result: Advanced,
    at: string,
    extra: JournalDraft[],
    owned: WeakSet<object>,
  ): Promise<boolean> {
    const next = nextRecord(record, result, at, extra);
    const outcome = await this.options.store.commit(next, next.drafts);
    if (outcome.status === 'conflict') {
      // The live snapshot may have been updated in place: start again from the store.
      this.live.delete(record.id);
      this.stats.conflicts++;
      return false;
    }
    // Runs that wait on people, or are done, leave memory: their state is in Redis.
    if (next.status !== 'running') this.live.delete(next.id);
    else this.live.set(next.id, { record: next, snapshot: result.snapshot, owned });
    if (next.status === 'completed' || next.status === 'failed') {
      this.options.onRunFinished?.(next);
    }
    await this.afterCommit(record, next, result.effects);
    return true;
  }

  /** Dispatches what a commit produced; also closes approvals that left the outbox undecided. */
  private async afterCommit(
    before: RunRecord,
    after: RunRecord,
    effects: readonly IoEffect[],
  ): Promise<void> {
    const work: Promise<void>[] = [];
    for (const effect of before.outbox) {
      if (effect.kind === 'approval' && !after.outbox.includes(effect)) {
        work.push(this.closeApproval(effect.id));
      }
    }
    for (const effect of effects) work.push(this.dispatch(after, effect));
    await Promise.all(work);
  }

  /** Dispatches every effect still pending (jobs already queued are deduplicated by id). */
  async dispatchOutbox(record: RunRecord): Promise<void> {
    const work: Promise<void>[] = record.outbox.map((effect) => this.dispatch(record, effect));
    if (record.snapshot.status === 'done' && record.snapshot.context.outcome) {
      work.push(this.notifyParent(record, record.snapshot.context.outcome));
    }
    // A decision whose job was lost (stored, then the process died) is enqueued again.
    for (const effect of record.outbox) {
      if (effect.kind !== 'approval') continue;
      work.push(
        this.options.store.loadApproval(effect.id).then(async (approval) => {
          if (approval?.state === 'decided') await this.enqueueDecision(approval);
        }),
      );
    }
    await Promise.all(work);
  }

  private async closeApproval(id: string): Promise<void> {
    const approval = await this.options.store.loadApproval(id);
    if (approval?.state === 'pending') {
      await this.options.store.saveApproval({ ...approval, state: 'expired' });
    }
  }

  private async dispatch(record: RunRecord, effect: IoEffect): Promise<void> {
    switch (effect.kind) {
      case 'finish':
        return this.notifyParent(record, effect.outcome);
      case 'cancel':
        for (const [key, controller] of this.running) {
          if (key.startsWith(`${record.id}-execute-${effect.token}`)) controller.abort();
        }
        return;
      case 'execute':
        return this.options.queues.addStep(this.stepQueueOf(effect), effectKey(record.id, effect), {
          run: record.id,
          incident: record.incident,
          effect,
        });
      case 'timer': {
        const delay = Math.max(0, Date.parse(effect.fireAt) - this.now().getTime());
        return this.options.queues.addEvent(
          effectKey(record.id, effect),
          {
            kind: 'event',
            run: record.id,
            event: {
              type: 'TIMER',
              step: effect.step,
              token: effect.token,
              purpose: effect.purpose,
              at: effect.fireAt,
              ...(effect.item ? { item: effect.item } : {}),
            },
          },
          delay,
        );
      }
      case 'approval':
        await this.options.store.requestApproval({
          id: effect.id,
          run: record.id,
          root: record.root,
          step: effect.step,
          token: effect.token,
          prompt: effect.prompt,
          options: effect.options,
          assignees: effect.assignees,
          requested_at: this.now().toISOString(),
          timeout_at: effect.timeoutAt,
          state: 'pending',
        });
        return;
      case 'subrun':
        return this.startChild(record, effect);
    }
  }

  /** The queue of the instance a step runs against. */
  private stepQueueOf(effect: ExecuteEffect): string {
    if (effect.instance !== undefined) return stepQueueName(effect.instance);
    const integration = this.options.registry.resolve(effect.uses)?.integration.id;
    if (integration === undefined) return FALLBACK_STEP_QUEUE;
    try {
      return stepQueueName(this.options.instances.forIntegration(integration).id);
    } catch {
      // No usable instance: the executor says why, from the fallback queue.
      return FALLBACK_STEP_QUEUE;
    }
  }

  private async startChild(
    record: RunRecord,
    effect: Extract<PendingEffect, { kind: 'subrun' }>,
  ): Promise<void> {
    // Deterministic child id: a re-dispatched subrun effect finds the child it already started.
    const childId = `${record.id}-${effect.token}`;
    const parent = { run: record.id, step: effect.step, token: effect.token };
    let compiled: CompiledPlaybook;
    try {
      if (!this.options.library) throw new Error('no playbook library in this process');
      compiled = await this.options.library.get(effect.playbook);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.options.queues.addEvent(`${childId}-refused`, {
        kind: 'event',
        run: record.id,
        event: {
          type: 'STEP.FAILED',
          step: effect.step,
          token: effect.token,
          at: this.now().toISOString(),
          error: {
            message: `cannot start playbook '${effect.playbook}': ${message}`,
            code: 'SUBRUN',
            retryable: false,
          },
        },
      });
      return;
    }
    const incident = record.incident
      ? await this.options.store.loadIncident(record.incident)
      : null;
    await this.begin({
      run: childId,
      compiled,
      inputs: resolveInputs(compiled.playbook, effect.inputs),
      incident,
      parent,
      root: record.root,
    });
  }

  private async notifyParent(record: RunRecord, outcome: RunOutcome): Promise<void> {
    const notice = parentEvent(record, outcome, record.updated_at);
    if (!notice) return;
    await this.options.queues.addEvent(`${record.id}-finished`, {
      kind: 'event',
      run: notice.run,
      event: notice.event,
    });
  }

  // ---- reading ----------------------------------------------------------------------

  async record(runId: string): Promise<RunRecord> {
    const record = await this.options.store.loadRun(runId);
    if (!record) throw new EngineError(`no run '${runId}'`, 'NOT_FOUND');
    return record;
  }

  /** The same summary as the local engine's, read from Redis. */
  async summary(runId: string): Promise<RunSummary> {
    const record = await this.record(runId);
    return this.redact(await summarizeRun(record, (id) => this.options.store.loadRun(id)));
  }

  async close(): Promise<void> {
    for (const controller of this.running.values()) controller.abort();
    if (!this.options.http) await this.http.close();
  }

  // ---- helpers ----------------------------------------------------------------------

  private async compiledFor(hash: string, runId: string): Promise<CompiledPlaybook> {
    const cached = this.compiled.get(hash);
    if (cached) return cached;
    // Runs are pinned to the playbook they started with, whatever any file says now.
    const playbook = await this.options.store.loadPlaybook(hash);
    if (!playbook) {
      throw new EngineError(`run ${runId}: its pinned playbook ${hash} is not in Redis`, 'CORRUPT');
    }
    const compiled = compilePlaybook(playbook, hash);
    this.compiled.set(hash, compiled);
    return compiled;
  }

  private serial(runId: string, work: () => Promise<void>): Promise<void> {
    return this.serialized.run(runId, work);
  }

  private redact<T>(value: T): T {
    return this.options.redact ? this.options.redact(value) : value;
  }
}
