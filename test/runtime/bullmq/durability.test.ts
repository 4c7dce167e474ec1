import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyEntries } from '../../../src/journal/verify.js';
import type { EventJob } from '../../../src/runtime/bullmq/queues.js';
import { tempDir, writePlaybook } from '../../cli/cli-helpers.js';
import { startOwnedRedis, startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startDistributed, type Distributed } from './harness.js';

/*
 * DESIGN §4 under stress, on real Redis: parallel branches finishing together on different
 * workers lose no update; approvals and timers outlive every worker; runs finish across a
 * Redis crash and restart with AOF.
 */

const BRANCHES = 8;
const FAN = [
  'id: fan',
  'name: Eight branches that finish together',
  'start: fan_out',
  'steps:',
  '  fan_out:',
  '    type: parallel',
  `    branches: [${Array.from({ length: BRANCHES }, (_, i) => `b${i}`).join(', ')}]`,
  '    join: all',
  '    next: done',
  ...Array.from(
    { length: BRANCHES },
    (_, i) => `  b${i}:\n    uses: core.echo\n    with: { n: ${i} }`,
  ),
  '  done:',
  '    type: end',
  '    outputs:',
  `      sum: '\${{ ${Array.from({ length: BRANCHES }, (_, i) => `steps.b${i}.output.n`).join(' + ')} }}'`,
  '',
].join('\n');

const ASK = `id: ask
name: An approval that times out, then a wait
start: ask
steps:
  ask:
    type: approval
    prompt: Contain the host?
    options: [contain, ignore]
    timeout: 1s
    on_timeout: pause
    next: { contain: contained, ignore: ignored }
  pause:
    type: wait
    for: 300ms
    next: timed_out
  timed_out:
    type: end
    outputs: { result: timed out }
  contained:
    type: end
    outputs: { result: contained }
  ignored:
    type: end
    outputs: { result: ignored }
`;

const CHAIN = `id: chain
name: Ten short steps
start: s0
steps:
${Array.from({ length: 10 }, (_, i) => `  s${i}:\n    uses: core.sleep\n    with: { ms: 50 }\n    next: ${i < 9 ? `s${i + 1}` : 'done'}\n`).join('')}  done:
    type: end
`;

let server: TestRedis;
let playbooks: string;
let runtime: Distributed | null = null;

beforeAll(async () => {
  server = await startTestRedis();
  playbooks = tempDir('soar-durability-');
  writePlaybook(playbooks, 'fan', FAN);
  writePlaybook(playbooks, 'ask', ASK);
  writePlaybook(playbooks, 'chain', CHAIN);
});
afterEach(async () => {
  await runtime?.close();
  runtime = null;
});
afterAll(async () => {
  await server?.stop();
});

const countKinds = (entries: { kind: string; step: string | null }[], kind: string) =>
  entries.filter((entry) => entry.kind === kind).length;

describe('the distributed runtime', () => {
  it('loses no update when parallel branches finish at the same instant on different workers', async () => {
    runtime = await startDistributed({ url: server.url, playbooks, workers: 3 });
    const ids = await Promise.all(
      Array.from({ length: 60 }, () => runtime!.engine.start('fan', {}, null)),
    );
    const summaries = await Promise.all(ids.map((id) => runtime!.settled(id, 60_000)));
    const expectedSum = (BRANCHES * (BRANCHES - 1)) / 2;
    for (const [index, summary] of summaries.entries()) {
      expect(summary).toMatchObject({ status: 'completed', outputs: { sum: expectedSum } });
      const entries = await runtime.journal.read(ids[index]!);
      expect(verifyEntries(entries).ok).toBe(true);
      expect(countKinds(entries, 'step.completed')).toBe(BRANCHES + 2);
    }
    // Workers really raced: some commits lost the compare-and-set and were redone.
    expect(runtime.conflicts()).toBeGreaterThan(0);
  }, 90_000);

  it('keeps approvals and timers while no worker runs, and fires a timeout once', async () => {
    runtime = await startDistributed({ url: server.url, playbooks, workers: 1 });
    await runtime.addWorker();
    const timed = await runtime.engine.start('ask', {}, null);
    const decided = await runtime.engine.start('ask', {}, null);
    const waiting = await runtime.settled(decided);
    expect(waiting.status).toBe('waiting');
    await runtime.settled(timed);

    // Every worker stops. The decision is recorded and queued meanwhile; the timeout comes due.
    await runtime.stopWorkers();
    await runtime.engine.approve(waiting.approvals[0]!.id, 'contain', 'alice');
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    expect((await runtime.engine.record(timed)).status).toBe('waiting');

    await runtime.addWorker();
    await runtime.addWorker();
    const [t, d] = await Promise.all([runtime.finished(timed), runtime.finished(decided)]);
    expect(t).toMatchObject({ status: 'completed', outputs: { result: 'timed out' } });
    expect(d).toMatchObject({ status: 'completed', outputs: { result: 'contained' } });
    const timedEntries = await runtime.journal.read(timed);
    expect(countKinds(timedEntries, 'approval.timed_out')).toBe(1);
    expect(countKinds(timedEntries, 'run.finished')).toBe(1);
    const decidedEntries = await runtime.journal.read(decided);
    expect(decidedEntries.find((e) => e.kind === 'approval.decided')?.actor).toEqual({
      kind: 'user',
      id: 'alice',
    });
    expect(verifyEntries(timedEntries).ok && verifyEntries(decidedEntries).ok).toBe(true);
    expect((await runtime.store.loadApproval(waiting.approvals[0]!.id))?.state).toBe('decided');
  }, 60_000);

  it('finishes every run when Redis is killed mid-load and restarted from its AOF', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'soar-aof-'));
    const redis = await startOwnedRedis(dir);
    try {
      runtime = await startDistributed({ url: redis.url, playbooks, workers: 2 });
      const ids: string[] = [];
      for (let i = 0; i < 60; i++) ids.push(await runtime.engine.start('chain', {}, null));
      await new Promise((resolve) => setTimeout(resolve, 300));
      const finishedBeforeKill = await Promise.all(ids.map((id) => runtime!.store.loadRun(id)));
      expect(finishedBeforeKill.filter((r) => r?.status === 'completed').length).toBeLessThan(60);
      await redis.kill();
      await new Promise((resolve) => setTimeout(resolve, 500));
      await redis.restart();
      const summaries = await Promise.all(ids.map((id) => runtime!.settled(id, 60_000)));
      expect(summaries.every((summary) => summary.status === 'completed')).toBe(true);
      for (const id of ids) {
        const entries = await runtime.journal.read(id);
        expect(verifyEntries(entries).ok).toBe(true);
        expect(countKinds(entries, 'step.completed')).toBe(11);
        expect(countKinds(entries, 'run.finished')).toBe(1);
      }
    } finally {
      await runtime?.close();
      runtime = null;
      await redis.stop();
    }
  }, 120_000);
  it('starts a run id once: a repeated start, even of a finished run, changes nothing', async () => {
    runtime = await startDistributed({ url: server.url, playbooks, workers: 1 });
    const chain = await runtime.library.get('chain');
    const runId = 'run-once';
    await Promise.all([1, 2, 3].map(() => runtime!.engine.startRun(chain, {}, null, { runId })));
    expect(await runtime.finished(runId)).toMatchObject({ status: 'completed' });
    const finished = await runtime.engine.record(runId);
    await runtime.engine.startRun(chain, {}, null, { runId });
    expect(await runtime.engine.record(runId)).toEqual(finished);
    // Not listed among unfinished runs again, where the sweeper would visit it for ever.
    expect(await runtime.store.activeRuns()).not.toContain(runId);
    const entries = await runtime.journal.read(runId);
    expect(countKinds(entries, 'run.started')).toBe(1);
    expect(countKinds(entries, 'step.completed')).toBe(11);
  });

  it('lists for the sweeper only unfinished runs started before a given time', async () => {
    runtime = await startDistributed({ url: server.url, playbooks, workers: 0 });
    const chain = await runtime.library.get('chain');
    const older = await runtime.engine.startRun(chain, {}, null);
    await new Promise((resolve) => setTimeout(resolve, 30));
    const cut = Date.now();
    await new Promise((resolve) => setTimeout(resolve, 30));
    const newer = await runtime.engine.startRun(chain, {}, null);
    expect(await runtime.store.activeRuns()).toEqual([older, newer]);
    expect(await runtime.store.activeRuns({ startedBefore: cut })).toEqual([older]);
    expect(await runtime.store.activeRuns({ count: 1 })).toEqual([older]);
    // A job of a kind this version does not queue fails plainly instead of touching a run.
    const stray = { kind: 'start', run: older } as unknown as EventJob;
    await expect(runtime.engine.handleEvent(stray)).rejects.toThrow(
      'events job of unknown kind "start"',
    );
  });

  it('dispatches again what a process committed but never queued (the outbox sweep)', async () => {
    runtime = await startDistributed({ url: server.url, playbooks, workers: 0 });
    // A producer commits the run's first event and queues its step; the queued job is lost
    // (as if the process died between the commit and the queueing).
    const runId = 'run-swept';
    await runtime.engine.startRun(await runtime.library.get('chain'), {}, null, { runId });
    const steps = new Queue('steps.core', {
      connection: runtime.client,
      prefix: runtime.names.queuePrefix,
    });
    expect(await steps.getJobCounts('waiting')).toEqual({ waiting: 1 });
    await steps.obliterate({ force: true });
    expect((await runtime.engine.record(runId)).outbox.map((e) => e.kind)).toEqual(['execute']);

    // A worker that starts later finds the run idle for longer than a job lock and re-queues.
    await new Promise((resolve) => setTimeout(resolve, 600));
    await runtime.addWorker({ lockDurationMs: 500 });
    expect(await runtime.finished(runId)).toMatchObject({ status: 'completed' });
    const entries = await runtime.journal.read(runId);
    expect(countKinds(entries, 'step.completed')).toBe(11);
    await steps.close();
  });
});
