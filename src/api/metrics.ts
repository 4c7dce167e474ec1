import type { Cluster, Redis } from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import type { Instances } from '../integration-sdk/instances.js';
import { JOB_STATES, runtimeQueueNames, type RuntimeQueues } from '../runtime/bullmq/queues.js';
import type { RedisNames } from '../runtime/bullmq/redis-names.js';

/** Step latency is read off this many of each step queue's most recently finished jobs. */
const LATENCY_SAMPLE = 200;

/**
 * Prometheus metrics of the whole installation, read from Redis at each scrape (so any API
 * process reports the same figures): queue depths per state, runs in flight and finished,
 * approvals pending, incidents, and step latency quantiles from recently finished step jobs.
 */
export class ApiMetrics {
  readonly registry = new Registry();

  constructor(
    client: Redis | Cluster,
    names: RedisNames,
    queues: RuntimeQueues,
    instances: Instances,
  ) {
    const queueNames = () => runtimeQueueNames(instances);
    new Gauge({
      name: 'soar_queue_jobs',
      help: 'Jobs per queue and state (completed: those still kept, an hour at most).',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.reset();
        for (const name of queueNames()) {
          const counts = await queues.jobCounts(name);
          for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state]);
        }
      },
    });
    new Gauge({
      name: 'soar_runs',
      help: 'Runs in flight (running or waiting), and runs finished since the installation began.',
      labelNames: ['status'],
      registers: [this.registry],
      collect: async function (this: Gauge) {
        const [active, stats] = await Promise.all([
          client.zcard(names.activeRuns),
          client.hgetall(names.stats),
        ]);
        this.set({ status: 'in_flight' }, active);
        this.set({ status: 'completed' }, Number(stats.runs_completed ?? 0));
        this.set({ status: 'failed' }, Number(stats.runs_failed ?? 0));
      },
    });
    new Gauge({
      name: 'soar_approvals_pending',
      help: 'Approvals waiting for an analyst.',
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.set(await client.zcard(names.pendingApprovals));
      },
    });
    new Gauge({
      name: 'soar_incidents',
      help: 'Incidents stored.',
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.set(await client.zcard(names.incidents));
      },
    });
    new Gauge({
      name: 'soar_step_duration_seconds',
      help: `Step execution time (job start to finish), quantiles over the last ${LATENCY_SAMPLE} finished steps per instance queue.`,
      labelNames: ['queue', 'quantile'],
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.reset();
        for (const name of queueNames().slice(2)) {
          const seconds = (await queues.recentDurations(name, LATENCY_SAMPLE)).sort(
            (a, b) => a - b,
          );
          if (seconds.length === 0) continue;
          for (const q of [0.5, 0.9, 0.99]) {
            const value = seconds[Math.min(seconds.length - 1, Math.floor(q * seconds.length))]!;
            this.set({ queue: name, quantile: String(q) }, value);
          }
        }
      },
    });
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }
}
