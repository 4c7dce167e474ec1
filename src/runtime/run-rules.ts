import type { RunEvent, RunOutcome } from '../playbook/run-model.js';
import type { ApprovalRecord, RunRecord } from './run-store.js';

/*
 * Rules both drivers apply alike: when a decision may be taken, what a finished child run
 * tells its parent, and one-at-a-time work per run within a process.
 */

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    message: string,
    readonly code: string,
  ) {
    super(message);
  }
}

/** Refuses a decision on an approval that is missing, decided, expired, or not given `option`. */
export function checkDecision(
  approvalId: string,
  approval: ApprovalRecord | null,
  option: string,
): asserts approval is ApprovalRecord {
  if (!approval) throw new EngineError(`no approval '${approvalId}'`, 'NOT_FOUND');
  if (approval.state === 'decided') throw alreadyDecided(approval);
  if (approval.state === 'expired') {
    throw new EngineError(
      `approval '${approvalId}' is no longer pending: it timed out or its run ended`,
      'GONE',
    );
  }
  if (!approval.options.includes(option)) {
    throw new EngineError(
      `'${option}' is not an option of approval '${approvalId}': expected one of ${approval.options.join(', ')}`,
      'BAD_OPTION',
    );
  }
}

export function alreadyDecided(approval: ApprovalRecord): EngineError {
  const d = approval.decision;
  return new EngineError(
    `approval '${approval.id}' is already decided${d ? `: ${d.by} chose '${d.option}' at ${d.at}` : ''}`,
    'CONFLICT',
  );
}

/** The event a finished child run sends its parent's sub-playbook step, or null without a parent. */
export function parentEvent(
  record: RunRecord,
  outcome: RunOutcome,
  at: string,
): { run: string; event: RunEvent } | null {
  const parent = record.snapshot.context.run.parent;
  if (!parent) return null;
  const event: RunEvent =
    outcome.status === 'completed'
      ? { type: 'STEP.DONE', step: parent.step, token: parent.token, at, output: outcome.outputs }
      : {
          type: 'STEP.FAILED',
          step: parent.step,
          token: parent.token,
          at,
          error: {
            message: `playbook '${record.playbook.id}' failed: ${outcome.error ?? outcome.result}`,
            code: 'SUBRUN_FAILED',
            retryable: false,
          },
        };
  return { run: parent.run, event };
}

/** Work queued per key runs one item at a time, in order; keys run independently. */
export class SerialByKey {
  private readonly chains = new Map<string, Promise<void>>();

  run(key: string, work: () => Promise<void>): Promise<void> {
    const previous = this.chains.get(key) ?? Promise.resolve();
    const next = previous.then(work);
    const settled = next.catch(() => undefined);
    this.chains.set(key, settled);
    void settled.then(() => {
      if (this.chains.get(key) === settled) this.chains.delete(key);
    });
    return next;
  }
}
