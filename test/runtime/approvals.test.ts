import { afterEach, describe, expect, it } from 'vitest';
import { engineWith } from '../helpers/engine.js';

const ASK = (timeout: string) => `
id: ask
name: Ask
start: ask
steps:
  ask:
    type: approval
    prompt: Go?
    options: [go, stop]
    timeout: ${timeout}
    on_timeout: late
    next: { go: went, stop: stopped }
  went: { type: end, outputs: { result: went } }
  stopped: { type: end, outputs: { result: stopped } }
  late: { type: end, outputs: { result: late } }
`;

const PARENT = `
id: parent
name: Parent
start: call
steps:
  call:
    type: playbook
    playbook: child
    next: done
  done:
    type: end
    outputs: { child: "\${{ steps.call.output }}" }
`;
const CHILD = `
id: child
name: Child
start: ask
steps:
  ask:
    type: approval
    prompt: Child asks
    options: [yes, no]
    next: done
  done:
    type: end
    outputs: { answer: "\${{ steps.ask.output.option }}", by: "\${{ steps.ask.output.by }}" }
`;

let cleanup: (() => Promise<void>) | null = null;
afterEach(async () => {
  await cleanup?.();
  cleanup = null;
});

describe('approvals', () => {
  it('refuses a decision after the timeout and lets the timeout win', async () => {
    const env = await engineWith({ ask: ASK('40ms') });
    cleanup = () => env.cleanup();
    const runId = await env.engine.start('ask', {}, null);
    await env.engine.idle();
    const [approval] = (await env.engine.summary(runId)).approvals;
    await new Promise((resolve) => setTimeout(resolve, 80));
    await expect(env.engine.approve(approval!.id, 'go', 'alice')).rejects.toThrow(
      /no longer pending: it timed out/,
    );
    await env.engine.idle();
    expect(await env.engine.summary(runId)).toMatchObject({
      status: 'completed',
      outputs: { result: 'late' },
    });
    expect((await env.store.loadApproval(approval!.id))?.state).toBe('expired');
    const kinds = (await env.journal.read(runId)).map((e) => e.kind);
    expect(kinds).toContain('approval.timed_out');
    expect(kinds).not.toContain('approval.decided');
  });

  it('records who decided, once; a second decision is refused', async () => {
    const env = await engineWith({ ask: ASK('1h') });
    cleanup = () => env.cleanup();
    const runId = await env.engine.start('ask', {}, null);
    await env.engine.idle();
    const [approval] = (await env.engine.summary(runId)).approvals;
    await env.engine.approve(approval!.id, 'stop', 'bob', 'false positive');
    await env.engine.idle();
    await expect(env.engine.approve(approval!.id, 'go', 'carol')).rejects.toThrow(
      /already decided/,
    );
    expect(await env.engine.summary(runId)).toMatchObject({
      status: 'completed',
      outputs: { result: 'stopped' },
    });
    const decided = (await env.journal.read(runId)).filter((e) => e.kind === 'approval.decided');
    expect(decided).toHaveLength(1);
    expect(decided[0]).toMatchObject({
      actor: { kind: 'user', id: 'bob' },
      data: { option: 'stop', by: 'bob', comment: 'false positive' },
    });
  });

  it('surfaces an approval of a sub-playbook on the parent run, and finishes both', async () => {
    const env = await engineWith({ parent: PARENT, child: CHILD });
    cleanup = () => env.cleanup();
    const runId = await env.engine.start('parent', {}, null);
    await env.engine.idle();
    const waiting = await env.engine.summary(runId);
    expect(waiting).toMatchObject({
      status: 'waiting',
      approvals: [{ step: 'ask', prompt: 'Child asks', options: ['yes', 'no'] }],
    });
    await env.engine.approve(waiting.approvals[0]!.id, 'yes', 'dana');
    await env.engine.idle();
    expect(await env.engine.summary(runId)).toMatchObject({
      status: 'completed',
      outputs: { child: { answer: 'yes', by: 'dana' } },
    });
  });
});
