import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStepHistograms, StepStats } from '../../../src/runtime/bullmq/step-stats.js';
import { startTestRedis, testRedisClient, type TestRedis } from '../../helpers/redis.js';

let server: TestRedis;
let client: Redis;
let key: string;

beforeAll(async () => {
  server = await startTestRedis();
  client = testRedisClient(server.url);
});
afterEach(async () => {
  await client.del(key);
});
afterAll(async () => {
  await client.quit();
  await server.stop();
});

describe('step statistics', () => {
  it('adds up the counts of every worker into cumulative histograms per queue', async () => {
    key = `{test-${randomUUID()}}:step-stats`;
    const one = new StepStats(client, key);
    const two = new StepStats(client, key);
    one.record('steps.core', 0.0004, 'completed');
    one.record('steps.core', 0.03, 'completed');
    two.record('steps.core', 0.03, 'failed');
    two.record('steps.fortigate', 400, 'completed'); // beyond the last bound
    await Promise.all([one.flush(), two.flush()]);
    one.record('steps.core', 2, 'completed');
    await one.flush();
    await one.flush(); // nothing new: writes nothing

    const [core, fortigate] = await readStepHistograms(client, key);
    expect(core).toMatchObject({ queue: 'steps.core', completed: 3, failed: 1 });
    expect(core!.sum).toBeCloseTo(2.0604, 6);
    const at = (le: string) => core!.buckets.find((bucket) => bucket.le === le)!.count;
    expect([at('0.001'), at('0.01'), at('0.05'), at('1'), at('2.5'), at('+Inf')]).toEqual([
      1, 1, 3, 3, 4, 4,
    ]);
    expect(fortigate).toMatchObject({ queue: 'steps.fortigate', completed: 1, failed: 0 });
    expect(fortigate!.buckets.at(-2)).toEqual({ le: '300', count: 0 });
    expect(fortigate!.buckets.at(-1)).toEqual({ le: '+Inf', count: 1 });
  });

  it('keeps counts that could not be written for the next flush', async () => {
    key = `{test-${randomUUID()}}:step-stats`;
    await client.set(key, 'not a hash'); // every HINCRBY on it fails
    const stats = new StepStats(client, key);
    stats.record('steps.core', 0.002, 'completed');
    await expect(stats.flush()).rejects.toThrow(/WRONGTYPE/);
    await client.del(key);
    stats.record('steps.core', 0.002, 'completed');
    await stats.flush();
    const [core] = await readStepHistograms(client, key);
    expect(core).toMatchObject({ completed: 2 });
  });
});
