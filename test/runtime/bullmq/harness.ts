import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import { connectRedis } from '../../../src/runtime/redis-connection.js';
import { deleteKeys } from '../../helpers/redis.js';
import { builtinIntegrations } from '../../../integrations/index.js';
import { parseConfig, type SoarConfig } from '../../../src/integration-sdk/config.js';
import { Instances } from '../../../src/integration-sdk/instances.js';
import { Registry } from '../../../src/integration-sdk/registry.js';
import { RedisJournalStore } from '../../../src/journal/redis-store.js';
import { DistributedEngine } from '../../../src/runtime/bullmq/distributed-engine.js';
import { RuntimeQueues } from '../../../src/runtime/bullmq/queues.js';
import { RedisNames } from '../../../src/runtime/bullmq/redis-names.js';
import { RedisRunStore } from '../../../src/runtime/bullmq/redis-run-store.js';
import { RuntimeWorker } from '../../../src/runtime/bullmq/runtime-worker.js';
import { ScheduledWork } from '../../../src/runtime/bullmq/scheduled-work.js';
import { HttpClients } from '../../../src/runtime/http-clients.js';
import type { IntelService } from '../../../src/intel/service.js';
import type { RunSummary } from '../../../src/runtime/local/local-engine.js';
import { PlaybookLibrary } from '../../../src/runtime/playbook-library.js';

/*
 * The distributed runtime on the test Redis, under a prefix of its own: an engine (the
 * producer side) and any number of in-process workers, each with its own connections, as
 * separate processes would have.
 */

export interface Distributed {
  prefix: string;
  url: string;
  client: Redis | Cluster;
  names: RedisNames;
  engine: DistributedEngine;
  store: RedisRunStore;
  journal: RedisJournalStore;
  library: PlaybookLibrary;
  /** Starts one more worker process's worth of consumers (own engine, own connections). */
  addWorker(options?: { lockDurationMs?: number; ticks?: ScheduledWork }): Promise<RuntimeWorker>;
  /** Fires schedule ticks on a worker, with this runtime's configuration (and `intel` for feeds). */
  ticks(intel?: IntelService): ScheduledWork;
  /** Stops every worker started so far (as if their processes ended). */
  stopWorkers(): Promise<void>;
  /** Commits that lost the compare-and-set, summed over every engine of this runtime. */
  conflicts(): number;
  /** Polls until the run completes or fails, or waits on people only. */
  settled(runId: string, timeoutMs?: number): Promise<RunSummary>;
  /** Polls until the run completes or fails. */
  finished(runId: string, timeoutMs?: number): Promise<RunSummary>;
  close(): Promise<void>;
}

const registry = new Registry(builtinIntegrations);

function configOf(yaml: string | undefined): SoarConfig {
  if (!yaml) return {};
  const parsed = parseConfig('soar.config.yaml', Buffer.from(yaml));
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  return parsed.config;
}

export async function startDistributed(options: {
  url: string;
  playbooks: string;
  config?: string;
  workers?: number;
  lockDurationMs?: number;
}): Promise<Distributed> {
  const prefix = `test-${randomUUID().slice(0, 8)}`;
  const names = new RedisNames(prefix);
  const config = configOf(options.config);
  const library = new PlaybookLibrary(options.playbooks, registry);
  const opened: { close(): Promise<void> }[] = [];
  const workers: RuntimeWorker[] = [];
  const engines: DistributedEngine[] = [];

  const side = () => {
    const client = connectRedis(options.url, { maxRetriesPerRequest: null });
    client.on('error', () => undefined); // reconnects by itself (the AOF test restarts Redis)
    const journal = new RedisJournalStore(client, { prefix: names.journalPrefix });
    const store = new RedisRunStore(client, journal, names);
    const queues = new RuntimeQueues(client, names);
    const instances = new Instances(config, registry);
    const engine = new DistributedEngine({
      registry,
      instances,
      store,
      journal,
      queues,
      library,
    });
    engines.push(engine);
    opened.push({
      async close() {
        await engine.close();
        await queues.close();
        await journal.close();
        client.disconnect();
      },
    });
    return { client, journal, store, engine, instances };
  };

  const main = side();
  const clients = new HttpClients();
  const addWorker = async (extra: { lockDurationMs?: number; ticks?: ScheduledWork } = {}) => {
    const own = side();
    const worker = new RuntimeWorker({
      engine: own.engine,
      instances: own.instances,
      names,
      redisUrl: options.url,
      lockDurationMs: extra.lockDurationMs ?? options.lockDurationMs ?? 5_000,
      statsFlushMs: 100,
      ...(extra.ticks ? { ticks: extra.ticks } : {}),
      onError: (error, where) => {
        if (process.env.SOAR_DEBUG) console.error(where, error);
      },
    });
    await worker.start();
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < (options.workers ?? 1); i++) await addWorker();

  const poll = async (runId: string, peopleToo: boolean, timeoutMs = 20_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const record = await main.store.loadRun(runId);
      if (record) {
        const summary = await main.engine.summary(runId);
        if (summary.status === 'completed' || summary.status === 'failed') return summary;
        if (
          peopleToo &&
          summary.status === 'waiting' &&
          (await waitsOnPeopleOnly(main.store, runId))
        ) {
          return summary;
        }
      }
      if (Date.now() > deadline) throw new Error(`run ${runId} did not settle in ${timeoutMs} ms`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  return {
    prefix,
    url: options.url,
    client: main.client,
    names,
    engine: main.engine,
    store: main.store,
    journal: main.journal,
    library,
    addWorker,
    ticks(intel) {
      return new ScheduledWork({
        sources: {
          engine: main.engine,
          store: main.store,
          library,
          instances: main.instances,
          registry,
          clients,
          ...(intel ? { intel } : {}),
        },
        store: main.store,
        client: main.client,
        names,
      });
    },
    async stopWorkers() {
      await Promise.all(workers.splice(0).map((worker) => worker.close()));
    },
    conflicts: () => engines.reduce((sum, engine) => sum + engine.stats.conflicts, 0),
    settled: (runId, timeoutMs) => poll(runId, true, timeoutMs),
    finished: (runId, timeoutMs) => poll(runId, false, timeoutMs),
    async close() {
      await Promise.all(workers.map((worker) => worker.close()));
      const cleaner = connectRedis(options.url);
      try {
        await deleteKeys(cleaner, prefix);
      } finally {
        cleaner.disconnect();
      }
      for (const side of opened) await side.close();
      await clients.close();
    },
  };
}

/** A run (and its children) whose only pending effects are approvals and their timeouts. */
async function waitsOnPeopleOnly(store: RedisRunStore, runId: string): Promise<boolean> {
  const record = await store.loadRun(runId);
  if (!record) return false;
  for (const effect of record.outbox) {
    if (effect.kind === 'approval') continue;
    if (effect.kind === 'timer' && effect.purpose === 'approval-timeout') continue;
    if (effect.kind === 'subrun') {
      if (!(await waitsOnPeopleOnly(store, `${record.id}-${effect.token}`))) return false;
      continue;
    }
    return false;
  }
  return true;
}
