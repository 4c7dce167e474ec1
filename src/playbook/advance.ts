import { initialTransition, transition, type AnyMachineSnapshot } from 'xstate';
import type { CompiledPlaybook } from './compile.js';
import { prepareStep } from './prepare.js';
import type {
  IoEffect,
  JournalRequest,
  MachineAction,
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
export async function startRun(compiled: CompiledPlaybook, input: RunInput): Promise<Advanced> {
  const [snapshot, actions] = initialTransition(compiled.machine, input);
  return settle(compiled, snapshot, actions);
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
): Promise<Advanced> {
  const [next, actions] = transition(compiled.machine, snapshot, event);
  return settle(compiled, next, actions);
}

async function settle(
  compiled: CompiledPlaybook,
  first: AnyMachineSnapshot,
  firstActions: readonly { type: string; params?: unknown }[],
): Promise<Advanced> {
  const journal: JournalRequest['entry'][] = [];
  const effects: IoEffect[] = [];
  let snapshot = first;
  let batch = firstActions;
  const queue: RunEvent[] = [];
  let processed = 0;
  for (;;) {
    const context = snapshot.context as RunContext;
    for (const action of collect(batch)) {
      if (action.kind === 'journal') journal.push(action.entry);
      else if (action.kind === 'prepare')
        queue.push(await prepareStep(compiled.playbook, context, action));
      else effects.push(action);
    }
    const event = queue.shift();
    if (!event) break;
    if (++processed > MAX_INTERNAL_EVENTS)
      throw new Error(
        `run ${context.run.id}: more than ${MAX_INTERNAL_EVENTS} internal events for one event`,
      );
    [snapshot, batch] = transition(compiled.machine, snapshot, event);
  }
  return { snapshot, journal, effects };
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
