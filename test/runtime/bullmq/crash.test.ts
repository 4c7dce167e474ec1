import type { ChildProcess } from 'node:child_process';
import { QueueEvents } from 'bullmq';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEntries } from '../../../src/journal/verify.js';
import { soarAsync, tempDir, untilConsuming, writePlaybook } from '../../cli/cli-helpers.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startDistributed, type Distributed } from './harness.js';

/*
 * DESIGN §4 with real processes: 200 runs of a 10-step playbook on two `soar worker`
 * processes; one is killed with SIGKILL mid-load and another started. Every run completes,
 * and each journal holds exactly one completion per step and verifies.
 */

const RUNS = 200;
const STEPS = 10;
const chain = Array.from({ length: STEPS }, (_, i) => {
  const next = i + 1 < STEPS ? `s${i + 1}` : 'done';
  return `  s${i}:\n    uses: core.sleep\n    with: { ms: 15 }\n    next: ${next}\n`;
}).join('');
const PLAYBOOK = `id: chain\nname: Ten short steps\nstart: s0\nsteps:\n${chain}  done:\n    type: end\n    outputs: { finished: true }\n`;
/** Job locks this short let the surviving workers take over a killed one's jobs within seconds. */
const LOCK_MS = 2_000;

let server: TestRedis;
let runtime: Distributed;
const workers: ChildProcess[] = [];

beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  for (const worker of workers) worker.kill('SIGKILL');
  await runtime?.close();
  await server?.stop();
});

function startWorker(playbooks: string): Promise<ChildProcess> {
  const child = soarAsync(
    [
      'worker',
      '--prefix',
      runtime.prefix,
      '--playbooks',
      playbooks,
      '--lock-duration',
      String(LOCK_MS),
    ],
    { REDIS_URL: server.url },
  );
  workers.push(child);
  return untilConsuming(child);
}

async function completed(ids: readonly string[]): Promise<number> {
  let done = 0;
  for (const id of ids) {
    const record = await runtime.store.loadRun(id);
    if (record?.status === 'completed') done++;
  }
  return done;
}

describe('workers killed with SIGKILL', () => {
  it(`completes ${RUNS} runs of ${STEPS} steps each exactly once per step`, async () => {
    const dir = tempDir('soar-crash-');
    writePlaybook(dir, 'chain', PLAYBOOK);
    runtime = await startDistributed({ url: server.url, playbooks: dir, workers: 0 });
    await Promise.all([startWorker(dir), startWorker(dir)]);
    // Jobs the killed worker held come back as stalled: counted to show the kill hit work in flight.
    const eventsConnection = new Redis(server.url, { maxRetriesPerRequest: null });
    const events = new QueueEvents('steps.core', {
      connection: eventsConnection,
      prefix: runtime.names.queuePrefix,
    });
    let stalled = 0;
    events.on('stalled', () => stalled++);
    await events.waitUntilReady();

    const ids: string[] = [];
    for (let i = 0; i < RUNS; i++) ids.push(await runtime.engine.start('chain', {}, null));

    // Kill one worker once the load is under way, with runs finished and runs in flight.
    await expect.poll(() => completed(ids), { timeout: 30_000, interval: 50 }).toBeGreaterThan(20);
    const victim = workers[0]!;
    const exited = new Promise((resolve) => victim.once('exit', resolve));
    victim.kill('SIGKILL');
    await exited;
    const atKill = await completed(ids);
    expect(atKill).toBeLessThan(RUNS);
    await startWorker(dir);

    await expect.poll(() => completed(ids), { timeout: 60_000, interval: 200 }).toBe(RUNS);
    expect(stalled).toBeGreaterThan(0);
    await events.close();
    eventsConnection.disconnect();
    for (const id of ids) {
      const entries = await runtime.journal.read(id);
      expect(verifyEntries(entries)).toMatchObject({ ok: true });
      const completions = entries.filter((e) => e.kind === 'step.completed').map((e) => e.step);
      expect(completions).toEqual([...Array.from({ length: STEPS }, (_, i) => `s${i}`), 'done']);
      expect(entries.filter((e) => e.kind === 'run.finished')).toHaveLength(1);
    }
  }, 120_000);
});
