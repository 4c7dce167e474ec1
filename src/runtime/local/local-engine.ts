import type { IntelService } from '../../intel/service.js';
import type { FetchedIncident } from '../../integration-sdk/define.js';
import type { AnyMachineSnapshot } from 'xstate';
import type { JournalDraft } from '../../journal/entry.js';
import type { JournalStore } from '../../journal/store.js';
import type { Registry } from '../../integration-sdk/registry.js';
import type { Incident } from '../../incidents/incident.js';
import { advance, restoreSnapshot, type Advanced } from '../../playbook/advance.js';
import { compilePlaybook, type CompiledPlaybook } from '../../playbook/compile.js';
import { resolveInputs } from '../../playbook/inputs.js';
import { effectKey, type PendingEffect } from '../../playbook/outbox.js';
import type { IoEffect, RunEvent, RunOutcome } from '../../playbook/run-model.js';
import { executeCommand, type CommandLogLine } from '../executor.js';
import { HttpClients } from '../http-clients.js';
import { LazyAbort } from '../lazy-abort.js';
import type { PlaybookLibrary } from '../playbook-library.js';
import type { Instances } from '../../integration-sdk/instances.js';
import type { ApprovalRecord, RunLogEntry, RunRecord, RunStore } from '../run-store.js';
import { draftOf, firstRecord, newId, nextRecord, type RunStart } from '../run-records.js';
import { EngineError, SerialByKey, checkDecision, parentEvent } from '../run-rules.js';
import { createIncident, ingestFetched, summarizeRun, type RunSummary } from '../run-views.js';

export interface LocalEngineOptions {
  registry: Registry;
  journal: JournalStore;
  store: RunStore;
  library: PlaybookLibrary;
  /** Integration instances; without them every integration gets an implicit, empty one. */
  instances?: Instances;
  /** HTTP clients for integration instances (one per instance; closed with the engine). */
  http?: HttpClients;
  /** Receives commands' log lines; the engine redacts them first. Default: none kept. */
  log?: (line: CommandLogLine) => void;
  /** Threat intelligence for `ctx.intel` (intel.lookup, feed polls). */
  intel?: IntelService;
  /** Applied to what `summary` reports (run outputs, errors), as the journal store applies its own. */
  redact?: <T>(value: T) => T;
  now?: () => Date;
}

export type { RunSummary } from '../run-views.js';

export { EngineError } from '../run-rules.js';

/**
 * Runs playbooks in one process with no Redis. After every event the run's snapshot, its
 * journal entries and its pending effects (the outbox) are committed; then effects are
 * dispatched. A killed process resumes from the data dir with `resume`.
 */
export class LocalEngine {
  private readonly now: () => Date;
  private readonly serialized = new SerialByKey();
  private readonly records = new Map<string, RunRecord>();
  /** Live snapshots of runs this process is driving, so an event need not rebuild one. */
  private readonly snapshots = new Map<
    string,
    { version: number; snapshot: AnyMachineSnapshot; owned: WeakSet<object> }
  >();
  private readonly compiled = new Map<string, CompiledPlaybook>();
  private readonly dispatched = new Map<string, LazyAbort | NodeJS.Timeout>();
  private busy = 0;
  private idleWaiters: (() => void)[] = [];
  private failure: unknown = null;
  private closed = false;

  private readonly http: HttpClients;

  constructor(private readonly options: LocalEngineOptions) {
    this.now = options.now ?? (() => new Date());
    this.http = options.http ?? new HttpClients();
  }

  /** Creates an incident from an alert and journals it. */
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
   * Starts a run of a playbook. With `options.runId` the start is idempotent: a run that
   * already has that id is left as it is (a scheduler re-firing a tick after a crash).
   */
  async start(
    playbookId: string,
    inputs: Record<string, unknown>,
    incident: Incident | null,
    options: { runId?: string } = {},
  ): Promise<string> {
    if (options.runId !== undefined && (await this.options.store.loadRun(options.runId))) {
      return options.runId;
    }
    const compiled = await this.options.library.get(playbookId);
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

  private async begin(start: RunStart): Promise<void> {
    const { compiled, run: id } = start;
    await this.options.store.savePlaybook(compiled.hash, compiled.playbook);
    this.compiled.set(compiled.hash, compiled);
    const started = this.now().toISOString();
    const owned = new WeakSet<object>();
    const { record, result } = await firstRecord(start, started, owned);
    this.busy++;
    try {
      await this.serial(id, () => this.commit(record, result, started, [], owned));
    } finally {
      this.release();
    }
  }

  /** Applies an event to a run, one event at a time per run. */
  send(runId: string, event: RunEvent, extraJournal: JournalDraft[] = []): Promise<void> {
    // A closed engine commits nothing more, as if its process had ended: work still in
    // flight is picked up again by whoever resumes the run.
    if (this.closed) return Promise.resolve();
    this.busy++;
    return this.serial(runId, async () => {
      // Cached records and machines are taken without an await: each one is a microtask hop.
      const record = this.records.get(runId) ?? (await this.record(runId));
      if (record.snapshot.status === 'done') return;
      const compiled = this.compiled.get(record.playbook.hash) ?? (await this.compiledFor(record));
      const live = this.snapshots.get(runId);
      const fresh = live?.version !== record.version;
      const snapshot = fresh ? restoreSnapshot(compiled, record.snapshot) : live.snapshot;
      // This engine keeps only a run's latest snapshot, so transitions may update its maps in place.
      const owned = fresh ? new WeakSet<object>() : live.owned;
      let result: Advanced;
      try {
        result = await advance(compiled, snapshot, event, { owned });
      } catch (error) {
        // The live snapshot may be half-updated: forget it; the store has the last commit.
        this.snapshots.delete(runId);
        this.records.delete(runId);
        throw error;
      }
      await this.commit(record, result, event.at, extraJournal, owned, event);
    }).finally(() => this.release());
  }

  private async commit(
    record: RunRecord,
    result: Advanced,
    at: string,
    extra: JournalDraft[],
    owned: WeakSet<object>,
    event?: RunEvent,
  ): Promise<void> {
    const next = nextRecord(record, result, at, extra);
    const entry = event ? { version: next.version, at, event, extra } : undefined;
    await this.options.store.saveRun(next, entry);
    this.records.set(next.id, next);
    this.snapshots.set(next.id, { version: next.version, snapshot: result.snapshot, owned });
    await this.options.journal.append(next.journalKey, next.drafts);
    if (record.outbox.some((e) => e.kind === 'approval'))
      await this.closeApprovals(record, next.outbox);
    for (const effect of result.effects) await this.dispatch(next, effect);
  }

  /** Picks a run up after a crash: journal re-appended, outbox re-dispatched. */
  async resume(runId: string): Promise<void> {
    const record = await this.record(runId);
    await this.options.journal.append(record.journalKey, record.drafts);
    for (const effect of record.outbox) await this.dispatch(record, effect);
    if (record.snapshot.status === 'done')
      await this.notifyParent(record, record.snapshot.context.outcome!);
  }

  async approve(
    approvalId: string,
    option: string,
    by: string,
    comment?: string,
  ): Promise<ApprovalRecord> {
    const approval = await this.options.store.loadApproval(approvalId);
    checkDecision(approvalId, approval, option);
    const at = this.now().toISOString();
    const record = await this.record(approval.run);
    const live = record.outbox.some((e) => e.kind === 'approval' && e.id === approvalId);
    const expired =
      approval.timeout_at !== null && Date.parse(approval.timeout_at) <= Date.parse(at);
    if (!live || expired) {
      await this.options.store.saveApproval({ ...approval, state: 'expired' });
      // Applies an overdue timeout (and anything else pending) before saying no.
      await this.resume(approval.run);
      await this.idle();
      const why = expired ? `it timed out at ${approval.timeout_at}` : 'its run has moved on';
      throw new EngineError(`approval '${approvalId}' is no longer pending: ${why}`, 'GONE');
    }
    // The decision goes in before anything else the run had pending is picked up again.
    await this.options.journal.append(record.journalKey, record.drafts);
    await this.send(approval.run, {
      type: 'APPROVAL.DECIDED',
      step: approval.step,
      token: approval.token,
      at,
      option,
      by,
      ...(comment ? { comment } : {}),
    });
    const decided: ApprovalRecord = {
      ...approval,
      state: 'decided',
      decision: { option, by, at, ...(comment ? { comment } : {}) },
    };
    await this.options.store.saveApproval(decided);
    await this.resume(approval.run);
    return decided;
  }

  /** Approvals that left the outbox without a decision timed out or were cancelled. */
  private async closeApprovals(before: RunRecord, outbox: PendingEffect[]): Promise<void> {
    for (const effect of before.outbox) {
      if (effect.kind !== 'approval' || outbox.includes(effect)) continue;
      const approval = await this.options.store.loadApproval(effect.id);
      if (approval?.state === 'pending') {
        await this.options.store.saveApproval({ ...approval, state: 'expired' });
      }
    }
  }

  private async dispatch(record: RunRecord, effect: IoEffect): Promise<void> {
    if (effect.kind === 'finish') return this.notifyParent(record, effect.outcome);
    if (effect.kind === 'cancel') {
      for (const [key, handle] of this.dispatched) {
        if (key.startsWith(`${record.id}-execute-${effect.token}`) && handle instanceof LazyAbort)
          handle.abort();
      }
      return;
    }
    const key = effectKey(record.id, effect);
    if (this.dispatched.has(key)) return;
    switch (effect.kind) {
      case 'execute':
        return this.execute(record, effect, key);
      case 'timer':
        return this.arm(record, effect, key);
      case 'approval':
        return this.requestApproval(record, effect);
      case 'subrun':
        return this.startChild(record, effect);
    }
  }

  private execute(
    record: RunRecord,
    effect: Extract<PendingEffect, { kind: 'execute' }>,
    key: string,
  ): void {
    const controller = new LazyAbort();
    this.dispatched.set(key, controller);
    this.busy++;
    void executeCommand(this.options.registry, effect, {
      runId: record.id,
      incident: record.incident,
      cancel: controller,
      ...(this.options.instances ? { instances: this.options.instances } : {}),
      http: this.http,
      ...(this.options.log
        ? { log: (line: CommandLogLine) => this.options.log?.(this.redact(line)) }
        : {}),
      ...(this.options.intel ? { intel: this.options.intel } : {}),
      now: this.now,
    })
      .then(({ event, journal }) => {
        const drafts = journal.map((entry, i) => draftOf(entry, `${key}-j${i}`, event.at, record));
        return this.send(record.id, event, drafts);
      })
      .catch((error: unknown) => this.fail(error))
      .finally(() => {
        this.dispatched.delete(key);
        this.release();
      });
  }

  private arm(
    record: RunRecord,
    effect: Extract<PendingEffect, { kind: 'timer' }>,
    key: string,
  ): void {
    const delay = Math.max(0, Date.parse(effect.fireAt) - this.now().getTime());
    // A pending approval timeout does not keep a local run busy (the run waits for a person);
    // an overdue one does, so that whoever picks the run up applies it before exiting.
    const holds = effect.purpose !== 'approval-timeout' || delay === 0;
    if (holds) this.busy++;
    const timer = setTimeout(
      () => {
        this.dispatched.delete(key);
        const event: RunEvent = {
          type: 'TIMER',
          step: effect.step,
          token: effect.token,
          purpose: effect.purpose,
          at: this.now().toISOString(),
          ...(effect.item ? { item: effect.item } : {}),
        };
        this.send(record.id, event)
          .catch((error: unknown) => this.fail(error))
          .finally(() => holds && this.release());
      },
      Math.min(delay, 2_147_483_647),
    );
    if (!holds) timer.unref();
    this.dispatched.set(key, timer);
  }

  private async requestApproval(
    record: RunRecord,
    effect: Extract<PendingEffect, { kind: 'approval' }>,
  ): Promise<void> {
    const existing = await this.options.store.loadApproval(effect.id);
    if (existing) return;
    await this.options.store.saveApproval({
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
  }

  private async startChild(
    record: RunRecord,
    effect: Extract<PendingEffect, { kind: 'subrun' }>,
  ): Promise<void> {
    // Deterministic child id: a re-dispatched subrun effect finds the child it already started.
    const childId = `${record.id}-${effect.token}`;
    const existing = await this.options.store.loadRun(childId);
    if (existing) return this.resume(childId);
    const parent = { run: record.id, step: effect.step, token: effect.token };
    const at = this.now().toISOString();
    try {
      const compiled = await this.options.library.get(effect.playbook);
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
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      await this.send(record.id, {
        type: 'STEP.FAILED',
        step: effect.step,
        token: effect.token,
        at,
        error: {
          message: `cannot start playbook '${effect.playbook}': ${message}`,
          code: 'SUBRUN',
          retryable: false,
        },
      });
    }
  }

  private notifyParent(record: RunRecord, outcome: RunOutcome): Promise<void> {
    const notice = parentEvent(record, outcome, this.now().toISOString());
    // Not awaited inside the child's commit: the parent has its own serial queue.
    if (notice) this.send(notice.run, notice.event).catch((error: unknown) => this.fail(error));
    return Promise.resolve();
  }

  /** Resolves once no step is executing and no short timer is pending (approvals may be). */
  async idle(): Promise<void> {
    if (this.busy > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    if (this.failure)
      throw this.failure instanceof Error ? this.failure : new Error('engine failure');
  }

  private redact<T>(value: T): T {
    return this.options.redact ? this.options.redact(value) : value;
  }

  async summary(runId: string): Promise<RunSummary> {
    const record = await this.record(runId);
    const summary = await summarizeRun(record, async (id) =>
      // Existence first: a child may not have been started yet when its parent crashed.
      (await this.options.store.loadRun(id)) ? this.record(id) : null,
    );
    return this.redact(summary);
  }

  async record(runId: string): Promise<RunRecord> {
    const cached = this.records.get(runId);
    if (cached) return cached;
    const loaded = await this.options.store.loadRun(runId);
    if (!loaded) throw new EngineError(`no run '${runId}'`, 'NOT_FOUND');
    const record = await this.replay(loaded, await this.options.store.loadTail(runId));
    this.records.set(runId, record);
    return record;
  }

  /**
   * Redoes the events committed after a checkpoint. `advance` is deterministic, so this
   * rebuilds exactly the record that was committed; the journal entries of every replayed
   * event are kept for `resume` to re-append (appends are idempotent).
   */
  private async replay(checkpoint: RunRecord, tail: RunLogEntry[]): Promise<RunRecord> {
    if (tail.length === 0) return checkpoint;
    const compiled = await this.compiledFor(checkpoint);
    let record = checkpoint;
    let snapshot = restoreSnapshot(compiled, checkpoint.snapshot);
    const owned = new WeakSet<object>();
    const drafts: JournalDraft[] = [];
    for (const entry of tail) {
      if (entry.version !== record.version + 1) {
        throw new EngineError(
          `run ${record.id}: its log jumps from version ${record.version} to ${entry.version}`,
          'CORRUPT',
        );
      }
      const result = await advance(compiled, snapshot, entry.event, { owned });
      record = nextRecord(record, result, entry.at, entry.extra);
      drafts.push(...record.drafts);
      snapshot = result.snapshot;
    }
    this.snapshots.set(record.id, { version: record.version, snapshot, owned });
    return { ...record, drafts };
  }

  close(): Promise<void> {
    this.closed = true;
    for (const handle of this.dispatched.values()) {
      if (handle instanceof LazyAbort) handle.abort();
      else clearTimeout(handle);
    }
    this.dispatched.clear();
    return this.options.http ? Promise.resolve() : this.http.close();
  }

  private async compiledFor(record: RunRecord): Promise<CompiledPlaybook> {
    const cached = this.compiled.get(record.playbook.hash);
    if (cached) return cached;
    // Runs are pinned to the playbook they started with, whatever the file says now.
    const playbook = await this.options.store.loadPlaybook(record.playbook.hash);
    if (!playbook)
      throw new EngineError(
        `run ${record.id}: its pinned playbook ${record.playbook.hash} is missing from the data dir`,
        'CORRUPT',
      );
    const compiled = compilePlaybook(playbook, record.playbook.hash);
    this.compiled.set(record.playbook.hash, compiled);
    return compiled;
  }

  private serial(runId: string, work: () => Promise<void>): Promise<void> {
    return this.serialized.run(runId, work);
  }

  private release(): void {
    this.busy--;
    if (this.busy === 0) {
      const waiters = this.idleWaiters;
      this.idleWaiters = [];
      // Let effects dispatched in the same tick register before declaring idle.
      setImmediate(() =>
        this.busy === 0 ? waiters.forEach((w) => w()) : this.idleWaiters.push(...waiters),
      );
    }
  }

  private fail(error: unknown): void {
    this.failure ??= error;
  }
}
