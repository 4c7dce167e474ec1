import { assign, setup, type AnyStateMachine } from 'xstate';
import { Decider, IGNORE, STAY, type Decision } from './decide.js';
import type { MachineAction, RunContext, RunEvent, RunInput } from './run-model.js';
import { PureTransitions } from './pure-transition.js';
import type { Playbook } from './schema.js';
import {
  analyse,
  regionDoneIdOf,
  stateIdOf,
  targetsAfter,
  targetsOf,
  type Region,
  type Structure,
} from './structure.js';

export interface CompiledPlaybook {
  playbook: Playbook;
  /** Content hash of the playbook a run is pinned to. */
  hash: string;
  machine: AnyStateMachine;
  decider: Decider;
  structure: Structure;
  /** Pure `transition()` for this machine. */
  transitions: PureTransitions;
}

type Ctx = { context: RunContext; event: RunEvent | { type: string } };

/**
 * Compiles a validated playbook into an xstate v5 machine: one state per step (parallel steps
 * become parallel states, one region per branch), transitions guarded by the pure Decider.
 * The machine performs no I/O: every effect leaves it as an `effects` action that
 * `transition()` returns and the driver executes.
 */
export function compilePlaybook(playbook: Playbook, hash: string): CompiledPlaybook {
  const structure = analyse(playbook);
  const decider = new Decider(playbook, structure);
  // Guards and actions of one transition see the same (context, event): decide once per step.
  // A few recent decisions suffice; they are consulted within one synchronous transition.
  const recent: { event: object; step: string; context: RunContext; decision: Decision }[] = [];
  const decide = (context: RunContext, event: Ctx['event'], step: string): Decision => {
    for (const hit of recent) {
      if (hit.event === event && hit.step === step && hit.context === context) return hit.decision;
    }
    const decision = decider.decide(context, event, step);
    if (recent.length >= 8) recent.shift();
    recent.push({ event, step, context, decision });
    return decision;
  };

  // The actions of the transition in progress, handed from the assign that computed them to
  // the `effects` action that follows it in the same synchronous microstep.
  let produced: MachineAction[] = [];
  const take = (context: RunContext): RunContext => {
    produced = context.pending;
    return context.pending.length === 0 ? context : { ...context, pending: [] };
  };
  const emit = { type: 'effects' as const, params: () => ({ actions: produced }) };
  const applyFor = (step: string) => [
    assign(({ context, event }: Ctx) => take(decide(context, event, step).context)),
    emit,
  ];
  const routesTo = (step: string, route: string) => ({
    type: 'routes' as const,
    params: { step, route },
  });

  const transitionsFor = (step: string, targets: string[]) => [
    ...targets.map((target) => ({
      guard: routesTo(step, target),
      target,
      reenter: true,
      actions: applyFor(step),
    })),
    { guard: routesTo(step, STAY), actions: applyFor(step) },
  ];

  const stepState = (step: string): Record<string, unknown> => {
    const def = playbook.steps[step]!;
    const entry = decider.selfEntering.has(step)
      ? [assign(({ context }: Ctx) => take(decider.enter(context, step))), emit]
      : [];
    if (def.type !== 'parallel') {
      return {
        id: stateIdOf(step),
        entry,
        on: { '*': transitionsFor(step, targetsOf(playbook, structure, step)) },
      };
    }
    const regions: Record<string, unknown> = {};
    def.branches.forEach((branch, index) => {
      const region: Region = { parallel: step, branch, index };
      regions[`branch_${index}`] = {
        initial: branch,
        states: { ...statesIn(region), __done: { id: regionDoneIdOf(region), type: 'final' } },
      };
    });
    return {
      id: stateIdOf(step),
      type: 'parallel',
      entry,
      states: regions,
      on: { '*': transitionsFor(step, targetsOf(playbook, structure, step)) },
      onDone: transitionsFor(step, targetsAfter(playbook, structure, step)),
    };
  };

  const statesIn = (region: Region | null): Record<string, unknown> => {
    const states: Record<string, unknown> = {};
    for (const id of Object.keys(playbook.steps)) {
      const owner = structure.regionOf.get(id) ?? null;
      const same =
        owner === region ||
        (owner !== null &&
          region !== null &&
          owner.parallel === region.parallel &&
          owner.index === region.index);
      if (same) states[id] = stepState(id);
    }
    return states;
  };

  const machine = setup({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- xstate infers types from this value
    types: {} as { context: RunContext; events: RunEvent; input: RunInput },
    guards: {
      routes: ({ context, event }, params: { step: string; route: string }) => {
        const route = decide(context, event, params.step).route;
        return route !== IGNORE && route === params.route;
      },
    },
    actions: {
      // Never executed here: returned by transition() for the driver to carry out.
      effects: (_args, _params: { actions: MachineAction[] }) => undefined,
    },
  }).createMachine({
    id: 'run',
    initial: playbook.start,
    context: ({ input }: { input: RunInput }) => ({
      run: input.run,
      inputs: input.inputs,
      incident: input.incident,
      vars: {},
      steps: {},
      active: {},
      loops: {},
      branches: {},
      executions: 0,
      now: input.run.started_at,
      outcome: null,
      pending: [
        {
          kind: 'journal',
          entry: {
            kind: 'run.started',
            step: null,
            summary: `run of playbook '${playbook.id}' v${playbook.version ?? 1} started`,
            data: {
              playbook: playbook.id,
              version: playbook.version ?? 1,
              hash,
              inputs: input.inputs,
              parent: input.run.parent,
            },
          },
        },
      ],
    }),
    states: {
      ...statesIn(null),
      finished: {
        type: 'final',
        entry: [assign(({ context }: Ctx) => take(decider.finish(context))), emit],
      },
    },
  } as never);
  const sample: RunInput = {
    run: {
      id: 'compile-check',
      playbook: playbook.id,
      version: playbook.version ?? 1,
      started_at: '1970-01-01T00:00:00.000Z',
      parent: null,
    },
    inputs: {},
    incident: null,
  };
  const compiledMachine = machine as unknown as AnyStateMachine;
  return {
    playbook,
    hash,
    machine: compiledMachine,
    decider,
    structure,
    transitions: new PureTransitions(compiledMachine, sample),
  };
}
