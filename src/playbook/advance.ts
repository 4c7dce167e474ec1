import type { AnyMachineSnapshot } from 'xstate';
import type { CompiledPlaybook } from './compile.js';
import { prepareStep } from './prepare.js';
import type {
  IoEffect,
  JournalRequest,
  MachineAction,
  ReadyEffect,
  RunContext,
  RunEvent,
  RunInput,
} from './run-model.js';

export interface Advanced {
  snapshot: AnyMachineSnapshot;
  journal: JournalRequest['entry'][];
  effects: IoEffect[];
}

/** Internal steps a single event may set off (choices, sets, skips) before it is an error. */
const MAX_INTERNAL_EVENTS = 200_000;

/** Starts a run: the initial transition, settled. */
export async function startRun(
  compiled: CompiledPlaybook,
  input: RunInput,
  options: AdvanceOptions = {},
): Promise<Advanced> {
  return settle(compiled, options, (apply) => apply(() => compiled.transitions.initial(input)));
}

export interface AdvanceOptions {
  /**
   * Maps that transitions may update in place. By default each call starts a fresh set, so
   * the snapshot passed in is never modified. A driver that keeps only a run's latest
   * snapshot may pass the same set for every event of that run, making each event O(1)
   * instead of O(steps so far); it must then discard its snapshot if a call throws.
   */
  owned?: WeakSet<object>;
}

/**
 * Applies one event and everything it sets off that needs no I/O (expression evaluation for
 * choices, sets, conditions and arguments), returning the new snapshot, the journal entries
 * and the effects for the driver. Deterministic for a given snapshot and event.
 */
export async function advance(
  compiled: CompiledPlaybook,
  snapshot: AnyMachineSnapshot,
  event: RunEvent,
  options: AdvanceOptions = {},
): Promise<Advanced> {
  return settle(compiled, options, (apply) =>
    apply(() => compiled.transitions.next(snapshot, event)),
  );
}

type Step = [AnyMachineSnapshot, { type: string; params?: unknown }[]];

async function settle(
  compiled: CompiledPlaybook,
  options: AdvanceOptions,
  begin: (apply: (transition: () => Step) => Step) => Step,
): Promise<Advanced> {
  // Maps created during this settle may be updated in place by its later transitions (see
  // Decider.owned). Ownership is armed only around each synchronous transition: settles of
  // other runs interleave at every await and must never see it.
  const owned = options.owned ?? new WeakSet<object>();
  const apply = (transition: () => Step): Step => {
    compiled.decider.owned = owned;
    try {
      return transition();
    } finally {
      compiled.decider.owned = null;
    }
  };
  const journal: JournalRequest['entry'][] = [];
  const effects: IoEffect[] = [];
  let [snapshot, batch] = begin(apply);
  const queue: RunEvent[] = [];
  let processed = 0;
  for (;;) {
    const context = snapshot.context as RunContext;
    for (const action of collect(batch)) {
      if (action.kind === 'journal') journal.push(action.entry);
      else if (action.kind === 'prepare') {
        const event = await prepareStep(compiled.playbook, context, action);
        // An action's arguments are ready: its execute effect needs no machine transition.
        if (event.type === 'STEP.READY' && event.effect.kind === 'execute') {
          effects.push(executeEffect(context, event, event.effect));
        } else queue.push(event);
      } else effects.push(action);
    }
    const event = queue.shift();
    if (!event) break;
    if (++processed > MAX_INTERNAL_EVENTS) {
      throw new Error(
        `run ${context.run.id}: more than ${MAX_INTERNAL_EVENTS} internal events for one event`,
      );
    }
    const current = snapshot;
    [snapshot, batch] = apply(() => compiled.transitions.next(current, event));
  }
  return { snapshot, journal, effects };
}

function executeEffect(
  context: RunContext,
  event: Extract<RunEvent, { type: 'STEP.READY' }>,
  effect: Extract<ReadyEffect, { kind: 'execute' }>,
): IoEffect {
  const attempt = event.item ? event.item.attempt : (context.active[event.step]?.attempt ?? 1);
  return {
    kind: 'execute',
    step: event.step,
    token: event.token,
    uses: effect.uses,
    ...(effect.instance !== undefined ? { instance: effect.instance } : {}),
    input: effect.input,
    timeoutMs: effect.timeoutMs,
    attempt,
    ...(event.item ? { item: event.item } : {}),
  };
}

function collect(actions: readonly { type: string; params?: unknown }[]): MachineAction[] {
  const out: MachineAction[] = [];
  for (const action of actions) {
    if (action.type === 'effects')
      out.push(...(action.params as { actions: MachineAction[] }).actions);
  }
  return out;
}

/** The persisted form of a snapshot: plain JSON. */
export function persistSnapshot(snapshot: AnyMachineSnapshot): {
  value: unknown;
  context: RunContext;
  status: string;
} {
  return {
    value: snapshot.value,
    context: snapshot.context as RunContext,
    status: snapshot.status,
  };
}

export function restoreSnapshot(
  compiled: CompiledPlaybook,
  persisted: { value: unknown; context: RunContext },
): AnyMachineSnapshot {
  return compiled.machine.resolveState({
    value: persisted.value as never,
    context: persisted.context,
  });
}
