import type { StepErrorInfo } from '../integration-sdk/errors.js';
import { parseDuration } from './duration.js';
import { IGNORE, type Route } from './routes.js';
import {
  addMs,
  entryPhase,
  itemIsLive,
  journal,
  retryDelay,
  setItem,
  setPhase,
  stay,
  visitsOf,
  withEntry,
  writable,
} from './context-ops.js';
import type {
  ActiveStep,
  ForeachProgress,
  ItemRef,
  JournalRequest,
  MachineAction,
  RunContext,
  RunEvent,
} from './run-model.js';
import { approvalIdOf, tokenOf } from './run-model.js';
import type { Playbook, Step } from './schema.js';
import { FINISHED, regionDoneIdOf, stateIdOf, type Structure } from './structure.js';

export { IGNORE, STAY, type Route } from './routes.js';

/** A run may not execute more steps than this, whatever its loop bounds say. */
export const MAX_STEP_EXECUTIONS = 100_000;

export interface Decision {
  route: Route;
  context: RunContext;
}

/**
 * The pure heart of the engine: given a run's context and an event for one step, says where the
 * run goes next and what the new context is (with the actions to perform in `pending`).
 */
export class Decider {
  /**
   * Steps that xstate enters by itself (the start step, and each branch's first step when its
   * parallel state is entered): they run `enter` as their entry action. Every other step is
   * only ever reached through `goto`, which enters it in the same assignment as the transition
   * that leads there: one context update per step instead of two.
   */
  readonly selfEntering: ReadonlySet<string>;

  constructor(
    private readonly playbook: Playbook,
    private readonly structure: Structure,
  ) {
    const heads = Object.values(playbook.steps).flatMap((s) =>
      s.type === 'parallel' ? s.branches : [],
    );
    this.selfEntering = new Set([playbook.start, ...heads]);
  }

  /** Entering a step: count the visit, mint its token, ask for it to be prepared. */
  enter(ctx: RunContext, step: string): RunContext {
    const def = this.def(step);
    const visit = visitsOf(ctx, step) + 1;
    const token = tokenOf(step, visit, 1);
    const active: ActiveStep = { visit, attempt: 1, token, phase: entryPhase(def) };
    const pending: MachineAction[] = [
      journal('step.started', step, `${this.label(step)} started`, {
        type: def.type,
        visit,
        ...('uses' in def ? { uses: def.uses } : {}),
      }),
    ];
    if (def.type !== 'parallel') pending.push({ kind: 'prepare', step, token });
    return {
      ...ctx,
      active: { ...ctx.active, [step]: active },
      executions: ctx.executions + 1,
      pending: [...ctx.pending, ...pending],
    };
  }

  /** Entering the final state: announce the outcome. */
  finish(ctx: RunContext): RunContext {
    const outcome = ctx.outcome ?? {
      status: 'completed' as const,
      result: 'completed',
      outputs: {},
    };
    const summary =
      outcome.status === 'failed'
        ? `run failed: ${outcome.error ?? 'unknown error'}`
        : `run finished: ${outcome.result}`;
    return {
      ...ctx,
      outcome,
      pending: [
        ...ctx.pending,
        journal('run.finished', null, summary, { ...outcome }),
        { kind: 'finish', outcome },
      ],
    };
  }

  /**
   * Maps created while one event settles, which later transitions of that same settle may
   * update in place. Anything else is copied before it changes, so snapshots held by callers
   * never change under them. Without this, recording a result copies every earlier result:
   * quadratic in the length of the run.
   */
  owned: WeakSet<object> | null = null;

  decide(ctx: RunContext, event: RunEvent | { type: string }, step: string): Decision {
    const base: RunContext = {
      ...ctx,
      now: 'at' in event && typeof event.at === 'string' ? event.at : ctx.now,
    };
    // Regions raise done events of their own; only the parallel state's own one joins it.
    if (event.type.startsWith('xstate.done.state.')) {
      return event.type === `xstate.done.state.${stateIdOf(step)}`
        ? this.parallelDone(base, step)
        : { route: IGNORE, context: ctx };
    }
    const e = event as RunEvent;
    const active = ctx.active[step];
    if (e.step !== step || !active || e.token !== active.token)
      return { route: IGNORE, context: ctx };
    if (e.item && !itemIsLive(ctx, step, e.item)) return { route: IGNORE, context: ctx };
    switch (e.type) {
      case 'STEP.READY':
        return this.ready(base, e);
      case 'STEP.SKIPPED':
        return this.completed(base, step, null, 'skipped', null);
      case 'STEP.DONE':
        return e.item ? this.itemDone(base, step, e.item, e.output) : this.done(base, e);
      case 'STEP.FAILED':
        return this.failed(base, step, e.error, e.item);
      case 'FOREACH.ITEMS':
        return this.startItems(base, step, e.items);
      case 'TIMER':
        return this.timer(base, e);
      case 'APPROVAL.DECIDED':
        return this.approvalDecided(base, e);
    }
  }

  private ready(ctx: RunContext, e: Extract<RunEvent, { type: 'STEP.READY' }>): Decision {
    const { step, token, effect } = e;
    const def = this.def(step);
    const active = ctx.active[step]!;
    if (effect.kind === 'execute') {
      const attempt = e.item ? e.item.attempt : active.attempt;
      const action: MachineAction = {
        kind: 'execute',
        step,
        token,
        uses: effect.uses,
        ...(effect.instance !== undefined ? { instance: effect.instance } : {}),
        input: effect.input,
        timeoutMs: effect.timeoutMs,
        attempt,
        ...(e.item ? { item: e.item } : {}),
      };
      if (e.item)
        return stay(setItem(ctx, step, e.item.index, { attempt, phase: 'running' }), [action]);
      return stay(setPhase(ctx, step, 'running'), [action]);
    }
    if (effect.kind === 'timer') {
      return stay(setPhase(ctx, step, 'waiting'), [
        { kind: 'timer', step, token, purpose: 'wait', fireAt: effect.fireAt },
      ]);
    }
    if (effect.kind === 'subrun') {
      const note = journal('note', step, `starting playbook '${effect.playbook}'`, {
        playbook: effect.playbook,
        inputs: effect.inputs,
      });
      return stay(setPhase(ctx, step, 'subrun'), [
        note,
        { kind: 'subrun', step, token, playbook: effect.playbook, inputs: effect.inputs },
      ]);
    }
    if (def.type !== 'approval') return { route: IGNORE, context: ctx };
    const id = approvalIdOf(ctx.run.id, step, active.visit);
    const timeoutAt = def.timeout ? addMs(ctx.now, parseDuration(def.timeout)) : null;
    const actions: MachineAction[] = [
      journal('approval.requested', step, `approval requested: ${effect.prompt}`, {
        approval: id,
        prompt: effect.prompt,
        options: def.options,
        assignees: def.assignees ?? [],
        timeout_at: timeoutAt,
      }),
      {
        kind: 'approval',
        step,
        token,
        id,
        prompt: effect.prompt,
        options: def.options,
        assignees: def.assignees ?? [],
        timeoutAt,
      },
    ];
    if (timeoutAt)
      actions.push({ kind: 'timer', step, token, purpose: 'approval-timeout', fireAt: timeoutAt });
    return stay(setPhase(ctx, step, 'approval'), actions);
  }

  private done(ctx: RunContext, e: Extract<RunEvent, { type: 'STEP.DONE' }>): Decision {
    const def = this.def(e.step);
    let next = ctx;
    if (e.vars) next = { ...next, vars: { ...next.vars, ...e.vars } };
    if (def.type === 'end') {
      const outputs = (e.output ?? {}) as Record<string, unknown>;
      const result = def.status ?? 'resolved';
      next = {
        ...next,
        outcome: {
          status: result === 'failed' ? 'failed' : 'completed',
          result,
          outputs,
          ...(result === 'failed' ? { error: `ended with status failed at '${e.step}'` } : {}),
        },
      };
      return {
        route: FINISHED,
        context: this.record(next, e.step, 'completed', e.output, 'completed'),
      };
    }
    if (def.type === 'choice') {
      const recorded = this.record(
        next,
        e.step,
        'completed',
        e.output,
        e.next ? `chose '${e.next}'` : 'no choice matched',
      );
      return e.next ? this.goto(recorded, e.next) : this.continueAfter(recorded, e.step);
    }
    return this.completed(next, e.step, e.output, 'completed', null);
  }

  private completed(
    ctx: RunContext,
    step: string,
    output: unknown,
    status: 'completed' | 'skipped',
    _note: string | null,
  ): Decision {
    const def = this.def(step);
    const recorded = this.record(
      ctx,
      step,
      status,
      output,
      status === 'skipped' ? 'skipped (if was false)' : 'completed',
    );
    if (status === 'skipped' && def.type === 'choice' && def.default)
      return this.goto(recorded, def.default);
    if (status === 'skipped' && def.type === 'approval' && def.on_timeout)
      return this.goto(recorded, def.on_timeout);
    return this.continueAfter(recorded, step);
  }

  private record(
    ctx: RunContext,
    step: string,
    status: 'completed' | 'failed' | 'skipped',
    output: unknown,
    how: string,
    error?: StepErrorInfo,
  ): RunContext {
    const kind =
      status === 'completed'
        ? 'step.completed'
        : status === 'failed'
          ? 'step.failed'
          : 'step.skipped';
    const summary =
      status === 'failed'
        ? `${this.label(step)} failed: ${error?.message ?? 'unknown error'}`
        : `${this.label(step)} ${how}`;
    const data: Record<string, unknown> = status === 'failed' ? { error } : { output };
    const active = { ...ctx.active };
    delete active[step];
    return {
      ...ctx,
      active,
      steps: withEntry(
        ctx.steps,
        step,
        { status, output, visits: visitsOf(ctx, step), ...(error ? { error } : {}) },
        this.owned,
      ),
      pending: [...ctx.pending, journal(kind, step, summary, data)],
    };
  }

  /** Follows `next`, or ends the branch (or run) when the step has none. */
  private continueAfter(ctx: RunContext, step: string): Decision {
    const def = this.def(step);
    const next =
      def.type === 'approval'
        ? typeof def.next === 'string'
          ? def.next
          : undefined
        : 'next' in def
          ? def.next
          : undefined;
    if (typeof next === 'string') return this.goto(ctx, next);
    const region = this.structure.regionOf.get(step) ?? null;
    if (!region) return { route: FINISHED, context: ctx };
    const branches = {
      ...ctx.branches,
      [region.parallel]: {
        ...(ctx.branches[region.parallel] ?? {}),
        [region.branch]: ctx.steps[step]?.output ?? null,
      },
    };
    const withBranch = { ...ctx, branches };
    const parallel = this.def(region.parallel);
    if (parallel.type === 'parallel' && parallel.join === 'any')
      return this.completeParallel(withBranch, region.parallel);
    return { route: `#${regionDoneIdOf(region)}`, context: withBranch };
  }

  private parallelDone(ctx: RunContext, step: string): Decision {
    if (!ctx.active[step]) return { route: IGNORE, context: ctx };
    return this.completeParallel(ctx, step);
  }

  private completeParallel(ctx: RunContext, parallel: string): Decision {
    const cancelled = this.cancel(
      ctx,
      [...(this.structure.inside.get(parallel) ?? [])],
      `another branch of '${parallel}' finished first (join: any)`,
    );
    const output = ctx.branches[parallel] ?? {};
    const recorded = this.record(
      cancelled,
      parallel,
      'completed',
      output,
      'completed (branches joined)',
    );
    return this.continueAfter(recorded, parallel);
  }

  /** Stops active steps: their late results are ignored, and the journal says why. */
  private cancel(ctx: RunContext, steps: string[], reason: string): RunContext {
    const active = { ...ctx.active };
    const records = writable(ctx.steps, this.owned);
    const loops = { ...ctx.loops };
    const pending = [...ctx.pending];
    for (const id of steps) {
      const a = active[id];
      if (!a) continue;
      pending.push(
        { kind: 'cancel', step: id, token: a.token },
        journal('note', id, `${this.label(id)} cancelled: ${reason}`, { cancelled: true, reason }),
      );
      records[id] = { status: 'cancelled', output: null, visits: a.visit };
      delete active[id];
      delete loops[id];
    }
    return { ...ctx, active, steps: records, loops, pending };
  }

  private goto(ctx: RunContext, step: string): Decision {
    const def = this.def(step);
    const visits = visitsOf(ctx, step) + 1;
    if (def.max_visits !== undefined && visits > def.max_visits) {
      return this.failRun(
        ctx,
        step,
        `step '${step}' would run a ${visits}th time; its max_visits is ${def.max_visits}`,
      );
    }
    if (ctx.executions >= MAX_STEP_EXECUTIONS) {
      return this.failRun(
        ctx,
        step,
        `the run executed ${MAX_STEP_EXECUTIONS} steps and was stopped`,
      );
    }
    const entered = this.selfEntering.has(step) ? ctx : this.enter(ctx, step);
    return { route: `#${stateIdOf(step)}`, context: entered };
  }

  private failed(ctx: RunContext, step: string, error: StepErrorInfo, item?: ItemRef): Decision {
    const def = this.def(step);
    const policy =
      def.type === 'foreach' && item ? def.do.retry : 'retry' in def ? def.retry : undefined;
    const attempt = item ? item.attempt : ctx.active[step]!.attempt;
    if (error.retryable && policy && attempt <= policy.max) {
      const fireAt = addMs(ctx.now, retryDelay(policy, attempt, error.retryAfterMs));
      const note = journal(
        'step.retried',
        step,
        `${this.label(step)}${item ? ` item ${item.index}` : ''} attempt ${attempt} failed (${error.message}); retrying at ${fireAt}`,
        { attempt, error, retry_at: fireAt, ...(item ? { index: item.index } : {}) },
      );
      if (item) {
        const nextItem = { index: item.index, attempt: attempt + 1 };
        const updated = setItem(ctx, step, item.index, {
          attempt: attempt + 1,
          phase: 'retry-wait',
        });
        return stay(updated, [
          note,
          {
            kind: 'timer',
            step,
            token: ctx.active[step]!.token,
            item: nextItem,
            purpose: 'retry',
            fireAt,
          },
        ]);
      }
      const a = ctx.active[step]!;
      const token = tokenOf(step, a.visit, attempt + 1);
      const updated = {
        ...ctx,
        active: {
          ...ctx.active,
          [step]: { ...a, attempt: attempt + 1, token, phase: 'retry-wait' as const },
        },
      };
      return stay(updated, [note, { kind: 'timer', step, token, purpose: 'retry', fireAt }]);
    }
    if (item && def.type === 'foreach') {
      if (def.on_error === 'continue')
        return this.itemFinished(
          ctx,
          step,
          item.index,
          null,
          `item ${item.index}: ${error.message}`,
        );
      return this.stepFailed(ctx, step, {
        ...error,
        message: `item ${item.index} failed: ${error.message}`,
      });
    }
    return this.stepFailed(ctx, step, error);
  }

  private stepFailed(ctx: RunContext, step: string, error: StepErrorInfo): Decision {
    const def = this.def(step);
    const onError = 'on_error' in def ? def.on_error : undefined;
    const recorded = this.record(ctx, step, 'failed', null, 'failed', error);
    if (onError === 'continue') return this.continueAfter(recorded, step);
    if (onError && onError !== 'fail') return this.goto(recorded, onError);
    // Unhandled inside a branch: the parallel step fails, and its own on_error decides.
    const region = this.structure.regionOf.get(step);
    if (region) {
      const siblings = [...(this.structure.inside.get(region.parallel) ?? [])];
      const stopped = this.cancel(recorded, siblings, `branch step '${step}' failed`);
      const message = `branch step '${step}' failed: ${error.message}`;
      return this.stepFailed(stopped, region.parallel, { ...error, message });
    }
    return this.failRun(recorded, step, `step '${step}' failed: ${error.message}`);
  }

  private failRun(ctx: RunContext, _step: string, message: string): Decision {
    const cancelled = this.cancel(ctx, Object.keys(ctx.active), 'the run failed');
    return {
      route: FINISHED,
      context: {
        ...cancelled,
        outcome: { status: 'failed', result: 'failed', outputs: {}, error: message },
      },
    };
  }

  private startItems(ctx: RunContext, step: string, items: unknown[]): Decision {
    if (items.length === 0) return this.completed(ctx, step, [], 'completed', null);
    const progress: ForeachProgress = {
      items,
      outputs: items.map(() => null),
      nextIndex: 0,
      inflight: {},
      done: 0,
      errors: [],
    };
    const updated = setPhase({ ...ctx, loops: { ...ctx.loops, [step]: progress } }, step, 'items');
    return this.dispatchItems(updated, step);
  }

  private dispatchItems(ctx: RunContext, step: string): Decision {
    const def = this.def(step);
    const concurrency = def.type === 'foreach' ? (def.concurrency ?? 1) : 1;
    const progress = { ...ctx.loops[step]!, inflight: { ...ctx.loops[step]!.inflight } };
    const token = ctx.active[step]!.token;
    const actions: MachineAction[] = [];
    while (
      Object.keys(progress.inflight).length < concurrency &&
      progress.nextIndex < progress.items.length
    ) {
      const index = progress.nextIndex++;
      progress.inflight[index] = { attempt: 1, phase: 'running' };
      actions.push({ kind: 'prepare', step, token, item: { index, attempt: 1 } });
    }
    return stay({ ...ctx, loops: { ...ctx.loops, [step]: progress } }, actions);
  }

  private itemDone(ctx: RunContext, step: string, item: ItemRef, output: unknown): Decision {
    return this.itemFinished(ctx, step, item.index, output, null);
  }

  private itemFinished(
    ctx: RunContext,
    step: string,
    index: number,
    output: unknown,
    error: string | null,
  ): Decision {
    const progress = ctx.loops[step]!;
    const inflight = { ...progress.inflight };
    delete inflight[index];
    const outputs = [...progress.outputs];
    outputs[index] = output;
    const errors = error ? [...progress.errors, { index, message: error }] : progress.errors;
    const updated: ForeachProgress = {
      ...progress,
      inflight,
      outputs,
      done: progress.done + 1,
      errors,
    };
    const next = { ...ctx, loops: { ...ctx.loops, [step]: updated } };
    if (updated.done === updated.items.length) {
      const loops = { ...next.loops };
      delete loops[step];
      const finished = { ...next, loops };
      if (errors.length > 0) {
        finished.pending = [
          ...finished.pending,
          journal(
            'note',
            step,
            `${this.label(step)}: ${errors.length} of ${updated.items.length} items failed and were skipped (on_error: continue)`,
            { errors },
          ),
        ];
      }
      return this.completed(finished, step, outputs, 'completed', null);
    }
    return this.dispatchItems(next, step);
  }

  private timer(ctx: RunContext, e: Extract<RunEvent, { type: 'TIMER' }>): Decision {
    const { step, token } = e;
    if (e.purpose === 'retry') {
      if (e.item) {
        return stay(
          setItem(ctx, step, e.item.index, { attempt: e.item.attempt, phase: 'running' }),
          [{ kind: 'prepare', step, token, item: e.item }],
        );
      }
      if (ctx.active[step]!.phase !== 'retry-wait') return { route: IGNORE, context: ctx };
      return stay(setPhase(ctx, step, entryPhase(this.def(step))), [
        { kind: 'prepare', step, token },
      ]);
    }
    if (e.purpose === 'wait')
      return this.completed(ctx, step, { waited_until: ctx.now }, 'completed', null);
    const def = this.def(step);
    if (def.type !== 'approval' || ctx.active[step]!.phase !== 'approval')
      return { route: IGNORE, context: ctx };
    const id = approvalIdOf(ctx.run.id, step, ctx.active[step]!.visit);
    const timedOut = {
      ...ctx,
      pending: [
        ...ctx.pending,
        journal('approval.timed_out', step, `approval ${id} timed out`, { approval: id }),
      ],
    };
    if (def.on_timeout) {
      const recorded = this.record(
        timedOut,
        step,
        'completed',
        { option: null, timed_out: true },
        'timed out',
      );
      return this.goto(recorded, def.on_timeout);
    }
    return this.stepFailed(timedOut, step, {
      message: `approval ${id} timed out`,
      code: 'TIMEOUT',
      retryable: false,
    });
  }

  private approvalDecided(
    ctx: RunContext,
    e: Extract<RunEvent, { type: 'APPROVAL.DECIDED' }>,
  ): Decision {
    const def = this.def(e.step);
    if (def.type !== 'approval' || !def.options.includes(e.option))
      return { route: IGNORE, context: ctx };
    const id = approvalIdOf(ctx.run.id, e.step, ctx.active[e.step]!.visit);
    const decided: JournalRequest = {
      kind: 'journal',
      entry: {
        kind: 'approval.decided',
        step: e.step,
        summary: `${e.by} chose '${e.option}'`,
        data: {
          approval: id,
          option: e.option,
          by: e.by,
          ...(e.comment ? { comment: e.comment } : {}),
        },
        actor: { kind: 'user', id: e.by },
      },
    };
    const output = { option: e.option, by: e.by, at: e.at };
    const recorded = this.record(
      { ...ctx, pending: [...ctx.pending, decided] },
      e.step,
      'completed',
      output,
      `decided: ${e.option}`,
    );
    const target = typeof def.next === 'object' ? def.next[e.option] : def.next;
    return target ? this.goto(recorded, target) : this.continueAfter(recorded, e.step);
  }

  private def(step: string): Step {
    return this.playbook.steps[step]!;
  }

  private label(step: string): string {
    const name = this.def(step).name;
    return name ? `${step} (${name})` : step;
  }
}
