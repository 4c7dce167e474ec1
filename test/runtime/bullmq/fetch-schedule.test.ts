import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../../integrations/index.js';
import {
  SIM_INDICATORS_COLLECTION,
  SIM_PASSWORD,
  SIM_USER,
  startTaxii21Simulator,
  type Taxii21Simulator,
} from '../../../integrations/taxii/taxii21/simulator.js';
import { parseConfig } from '../../../src/integration-sdk/config.js';
import { Instances } from '../../../src/integration-sdk/instances.js';
import { Registry } from '../../../src/integration-sdk/registry.js';
import { ExclusionList } from '../../../src/intel/exclusions.js';
import { RedisIndicatorStore } from '../../../src/intel/redis-store.js';
import { IntelService } from '../../../src/intel/service.js';
import { RuntimeQueues } from '../../../src/runtime/bullmq/queues.js';
import { RedisScheduler } from '../../../src/runtime/bullmq/redis-scheduler.js';
import { tempDir } from '../../cli/cli-helpers.js';
import { startTestRedis, type TestRedis } from '../../helpers/redis.js';
import { startDistributed, type Distributed } from './harness.js';

/*
 * An instance's fetch_interval on the distributed runtime: the leader writes a job scheduler,
 * workers poll the feed on each tick into the Redis indicator store, from the stored watermark.
 */

let server: TestRedis;
let sim: Taxii21Simulator;
let runtime: Distributed;

beforeAll(async () => {
  server = await startTestRedis();
  sim = await startTaxii21Simulator();
  process.env.SOAR_TEST_CTI_USER = SIM_USER;
  process.env.SOAR_TEST_CTI_PASSWORD = SIM_PASSWORD;
});
afterAll(async () => {
  await runtime?.close();
  await sim?.close();
  await server?.stop();
});

describe('fetch intervals on Redis', () => {
  it('polls a feed on every tick, each poll from where the last one stopped', async () => {
    const yaml = [
      'instances:',
      '  cti:',
      '    integration: taxii',
      `    url: ${sim.url}`,
      '    fetch_interval: 1s',
      '    credentials: { username: "${env:SOAR_TEST_CTI_USER}", password: "${env:SOAR_TEST_CTI_PASSWORD}" }',
      `    settings: { version: "2.1", collection: ${SIM_INDICATORS_COLLECTION} }`,
      '',
    ].join('\n');
    const parsed = parseConfig('soar.config.yaml', yaml);
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    runtime = await startDistributed({
      url: server.url,
      playbooks: tempDir('soar-fetch-schedule-'),
      workers: 0,
      config: yaml,
    });
    const registry = new Registry(builtinIntegrations);
    const instances = new Instances(parsed.config, registry);
    const store = new RedisIndicatorStore(runtime.client, { prefix: `${runtime.prefix}:intel` });
    const intel = new IntelService({
      openStore: () => Promise.resolve(store),
      exclusions: ExclusionList.build([], 'intel.exclusions'),
      watermarks: {
        load: (feed) => runtime.store.loadWatermark(feed),
        save: (feed, watermark) => runtime.store.saveWatermark(feed, watermark),
      },
    });
    const ticks = runtime.ticks(intel);
    await runtime.addWorker({ ticks });
    const queues = new RuntimeQueues(runtime.client, runtime.names);
    const scheduler = new RedisScheduler({
      client: runtime.client,
      names: runtime.names,
      queues,
      sources: { library: runtime.library, instances, registry },
    });
    expect(await scheduler.reconcile()).toMatchObject({ leader: true, upserted: ['fetch.cti'] });

    // The first tick polls everything; later ones find nothing new.
    await expect
      .poll(async () => (await runtime.store.loadScheduleState('fetch.cti'))?.last_result, {
        timeout: 10_000,
      })
      .toMatch(/^[1-9]\d* objects/);
    const stored = await intel.count();
    expect(stored).toBeGreaterThan(0);
    expect(await runtime.store.loadWatermark('cti')).not.toBeNull();
    await expect
      .poll(async () => (await runtime.store.loadScheduleState('fetch.cti'))?.last_result, {
        timeout: 10_000,
      })
      .toMatch(/^0 objects/);
    expect(await intel.count()).toBe(stored);
    expect((await intel.lookup('203.0.113.7')).verdict).not.toBe('unknown');

    // A schedule taken out of the configuration is removed by the leader.
    const emptied = new RedisScheduler({
      client: runtime.client,
      names: runtime.names,
      queues,
      sources: { library: runtime.library, instances: new Instances({}, registry), registry },
    });
    expect((await emptied.reconcile()).leader).toBe(false); // the first one still leads
    await runtime.client.del(`${runtime.names.prefix}:scheduler:leader`);
    expect(await emptied.reconcile()).toMatchObject({ leader: true, removed: ['fetch.cti'] });
    await queues.close();
  }, 40_000);
});
