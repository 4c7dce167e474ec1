import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FortiGateSimulator } from '../../../integrations/fortigate/simulator.js';
import { tempDir, writePlaybook } from '../../cli/cli-helpers.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startDistributed, type Distributed } from './harness.js';

/*
 * An instance's step queue on BullMQ: its rate_limit.concurrency holds across workers, and a
 * 429 with Retry-After pauses the whole queue, not only the step that got it.
 */

const TOKEN = 'fgt-token-rate-limit-0123456789abcdef';
const LIST = `id: list
name: List the block group
start: list
steps:
  list:
    uses: fortigate.list_blocked
    retry: { max: 3, backoff: exponential, delay: 10ms }
`;

let server: TestRedis;
let sim: FortiGateSimulator;
let runtime: Distributed;

beforeAll(async () => {
  server = await startTestRedis();
  sim = await FortiGateSimulator.start({ tokens: [TOKEN] });
  process.env.SOAR_TEST_FGT_TOKEN = TOKEN;
});
afterAll(async () => {
  await runtime?.close();
  await sim?.close();
  await server?.stop();
  delete process.env.SOAR_TEST_FGT_TOKEN;
});

describe("an instance's step queue", () => {
  it('pauses for every run when the vendor answers 429 with Retry-After', async () => {
    const playbooks = tempDir('soar-rate-limit-');
    writePlaybook(playbooks, 'list', LIST);
    runtime = await startDistributed({
      url: server.url,
      playbooks,
      workers: 2,
      config: [
        'instances:',
        '  fw:',
        '    integration: fortigate',
        `    url: ${sim.url}`,
        '    credentials: { token: "${env:SOAR_TEST_FGT_TOKEN}" }',
        '    settings: { block_group: SOAR-Blocklist }',
        '    rate_limit: { concurrency: 1 }',
        '',
      ].join('\n'),
    });
    sim.inject({ fault: { kind: 'rate-limit', retryAfterSeconds: 1 }, times: 1 });
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await runtime.engine.start('list', {}, null));
    const summaries = await Promise.all(ids.map((id) => runtime.finished(id, 20_000)));
    expect(summaries.map((summary) => summary.status)).toEqual([
      'completed',
      'completed',
      'completed',
    ]);
    // One run was refused and retried after the second it was told to wait; the others were
    // held back by the paused queue instead of going on at once.
    const finishedAfter = await Promise.all(
      ids.map(async (id) => Date.parse((await runtime.engine.record(id)).updated_at) - started),
    );
    expect(finishedAfter.filter((ms) => ms >= 900)).toHaveLength(3);
    const retried = await Promise.all(ids.map((id) => runtime.journal.read(id)));
    const refusals = retried.flat().filter((entry) => entry.kind === 'step.retried');
    expect(refusals).toHaveLength(1);
  }, 40_000);
  it('runs one step at a time across all workers when rate_limit.concurrency is 1', async () => {
    // Each request to the FortiGate takes 250 ms; two workers share the queue.
    sim.inject({ fault: { kind: 'delay', ms: 250 }, times: 4 });
    const started = Date.now();
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push(await runtime.engine.start('list', {}, null));
    await Promise.all(ids.map((id) => runtime.finished(id, 20_000)));
    const finishedAfter = await Promise.all(
      ids.map(async (id) => Date.parse((await runtime.engine.record(id)).updated_at) - started),
    );
    // One at a time: the last ends after four delays, not two.
    expect(Math.max(...finishedAfter)).toBeGreaterThanOrEqual(4 * 250);
  }, 40_000);
});
