import { createActor, type AnyMachineSnapshot, type AnyStateMachine } from 'xstate';

type Action = { type: string; params?: unknown };

/**
 * `transition()` and `initialTransition()` from xstate, without their per-call cost.
 *
 * xstate's helpers build a throwaway actor on every call, and an actor eagerly computes the
 * machine's initial state: for a 1,000-step playbook that dominated each event. This keeps one
 * inert scope per machine and swaps the collector of actions per call. Like xstate's
 * helpers, it executes no action: custom actions are returned to the caller.
 */
export class PureTransitions {
  private readonly scope: Parameters<AnyStateMachine['transition']>[2];
  private collected: Action[] = [];

  constructor(
    private readonly machine: AnyStateMachine,
    sampleInput: unknown,
  ) {
    const self = createActor(machine, { input: sampleInput });
    this.scope = {
      self,
      id: '',
      sessionId: '',
      system: self.system,
      defer: () => undefined,
      logger: () => undefined,
      stopChild: () => undefined,
      emit: () => undefined,
      actionExecutor: (action: Action) => {
        this.collected.push(action);
      },
    };
  }

  initial(input: unknown): [AnyMachineSnapshot, Action[]] {
    return this.collect(() => this.machine.getInitialSnapshot(this.scope, input));
  }

  next(snapshot: AnyMachineSnapshot, event: { type: string }): [AnyMachineSnapshot, Action[]] {
    return this.collect(() => this.machine.transition(snapshot, event, this.scope));
  }

  private collect(run: () => AnyMachineSnapshot): [AnyMachineSnapshot, Action[]] {
    this.collected = [];
    const snapshot = run();
    const actions = this.collected;
    this.collected = [];
    return [snapshot, actions];
  }
}
