import type { ChildProcess } from 'node:child_process';
import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EVENTS_QUEUE } from '../../../src/runtime/bullmq/queues.js';
import { soarAsync, tempDir, writePlaybook } from '../../cli/cli-helpers.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startDistributed, type Distributed } from './harness.js';

/*
 * Scheduled playbooks on Redis: three `soar scheduler` processes, one leader writing BullMQ's
 * job scheduler, workers firing the ticks. Every second gets exactly one run.
 */

const TICK = `id: tick
name: Every second
trigger:
  schedule: '* * * * * *'
start: note
steps:
  note:
    uses: core.echo
    with: { at: '\${{ run.started_at }}' }
`;

let server: TestRedis;
let runtime: Distributed;
const schedulers: ChildProcess[] = [];

beforeAll(async () => {
  server = await startTestRedis();
});
afterAll(async () => {
  for (const child of schedulers) child.kill('SIGKILL');
  await runtime?.close();
  await server?.stop();
});

function startScheduler(playbooks: string): ChildProcess {
  const child = soarAsync(['scheduler', '--prefix', runtime.prefix, '--playbooks', playbooks], {
    REDIS_URL: server.url,
  });
  schedulers.push(child);
  return child;
}

describe('soar scheduler on Redis', () => {
  it('starts exactly one run per tick with three scheduler processes', async () => {
    const playbooks = tempDir('soar-schedules-');
    writePlaybook(playbooks, 'tick', TICK);
    runtime = await startDistributed({ url: server.url, playbooks, workers: 0 });
    const ticks = runtime.ticks();
    await runtime.addWorker({ ticks });
    await runtime.addWorker({ ticks });
    for (let i = 0; i < 3; i++) startScheduler(playbooks);

    const events = new Queue(EVENTS_QUEUE, {
      connection: runtime.client,
      prefix: runtime.names.queuePrefix,
    });
    await expect
      .poll(async () => (await events.getJobSchedulers(0, -1)).map((s) => s.key), {
        timeout: 20_000,
      })
      .toEqual(['playbook.tick']);
    // Let it tick a few seconds, then look at every run it started.
    await new Promise((resolve) => setTimeout(resolve, 4_500));
    for (const child of schedulers) child.kill('SIGTERM');
    const runIds = (await runtime.client.hkeys(runtime.names.runs)).filter((id) =>
      id.startsWith('run-tick-'),
    );
    expect(runIds.length).toBeGreaterThanOrEqual(3);
    const seconds = runIds.map((id) => id.slice('run-tick-'.length)).sort();
    // One run per tick: each second once, none skipped between the first and the last.
    expect(new Set(seconds).size).toBe(seconds.length);
    const first = Date.parse(isoOf(seconds[0]!));
    const last = Date.parse(isoOf(seconds.at(-1)!));
    expect((last - first) / 1000 + 1).toBe(seconds.length);
    // And one tick job per tick: the three schedulers wrote one job scheduler.
    const completedTicks = (await events.getCompleted(0, -1)).filter((job) => job.name === 'tick');
    expect(completedTicks.length).toBeGreaterThanOrEqual(seconds.length - 1);
    expect(completedTicks.length).toBeLessThanOrEqual(seconds.length + 1);
    const state = await runtime.store.loadScheduleState('playbook.tick');
    expect(state?.last_result).toMatch(/^run run-tick-\d+T\d+Z started$/);
    await events.close();
  }, 60_000);
});

/** `20261122T093015000Z` back to an ISO instant. */
function isoOf(compact: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})(\d{3})Z$/.exec(compact);
  if (!m) throw new Error(`not a tick: ${compact}`);
  return `${m[1]}-${m[2]}-${m[3]}T${m[4]}:${m[5]}:${m[6]}.${m[7]}Z`;
}
