import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  GOLDEN_PLAYBOOKS,
  expectGolden,
  goldenNames,
  journalLines,
  loadExpected,
} from '../../golden/expectations.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startDistributed, type Distributed } from './harness.js';

/*
 * Every golden playbook, run by the distributed runtime (BullMQ workers on real Redis) instead
 * of the local engine, must end the same way with the same journal: the two drivers share the
 * machine, and this shows they drive it alike (timers as delayed jobs, approvals decided from
 * another connection, sub-playbooks as runs of their own).
 */

/**
 * Where workers may finish steps in another order than one process does. parallel-failure:
 * `good` may still be queued when `bad` fails the parallel step, and is then cancelled (a
 * note) instead of completed; the run's outcome is the same.
 */
const ORDER_VARIANTS: Record<string, [string, string][]> = {
  'parallel-failure': [['step.completed good', 'note good']],
};

let server: TestRedis;
let runtime: Distributed;

beforeAll(async () => {
  server = await startTestRedis();
  runtime = await startDistributed({ url: server.url, playbooks: GOLDEN_PLAYBOOKS, workers: 2 });
});
afterAll(async () => {
  await runtime?.close();
  await server?.stop();
});

describe('golden playbooks on the distributed runtime', () => {
  it.each(goldenNames())('%s', async (name) => {
    const expected = loadExpected(name);
    const runId = await runtime.engine.start(name, expected.inputs ?? {}, null);
    let summary = await runtime.settled(runId);
    for (const decision of expected.decisions ?? []) {
      expect(summary.status).toBe('waiting');
      await runtime.engine.approve(summary.approvals[0]!.id, decision.option, decision.by);
      // The decision is applied by a worker: wait for it to leave the outbox, then settle.
      await expect
        .poll(async () => (await runtime.engine.summary(runId)).approvals[0]?.id, {
          timeout: 10_000,
        })
        .not.toBe(summary.approvals[0]!.id);
      summary = await runtime.settled(runId);
    }
    if (expected.sleep_ms) {
      await new Promise((resolve) => setTimeout(resolve, expected.sleep_ms));
      summary = await runtime.settled(runId);
      if (summary.status === 'waiting') {
        // An approval timeout fires as a delayed job: give the worker its moment.
        await expect
          .poll(async () => (await runtime.engine.summary(runId)).status, { timeout: 10_000 })
          .not.toBe('waiting');
        summary = await runtime.settled(runId);
      }
    }
    const record = await runtime.engine.record(runId);
    const entries = await runtime.journal.read(record.journalKey);
    const lines = journalLines(entries);
    for (const [usual, variant] of ORDER_VARIANTS[name] ?? []) {
      if (lines.includes(variant) && !lines.includes(usual)) {
        expected.journal = expected.journal.map((line) => (line === usual ? variant : line));
      }
    }
    expectGolden(expected, summary, entries);
  });
});
