import { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { Gauge, Registry } from 'prom-client';
import type { Instances } from '../integration-sdk/instances.js';
import {
  EVENTS_QUEUE,
  FALLBACK_STEP_QUEUE,
  INGEST_QUEUE,
  stepQueueName,
} from '../runtime/bullmq/queues.js';
import type { RedisNames } from '../runtime/bullmq/redis-names.js';

const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
/** Step latency is read off this many of each step queue's most recently finished jobs. */
const LATENCY_SAMPLE = 200;

/**
 * Prometheus metrics of the whole installation, read from Redis at each scrape (so any API
 * process reports the same figures): queue depths per state, runs in flight and finished,
 * approvals pending, incidents, and step latency quantiles from recently finished step jobs.
 */
export class ApiMetrics {
  readonly registry = new Registry();
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly client: Redis | Cluster,
    private readonly names: RedisNames,
    private readonly instances: Instances,
  ) {
    // prom-client calls each collect with `this` bound to its gauge: the store is reached by name.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const metrics = this;
    const queueNames = () => [
      EVENTS_QUEUE,
      INGEST_QUEUE,
      FALLBACK_STEP_QUEUE,
      ...instances.list().map((instance) => stepQueueName(instance.id)),
    ];
    new Gauge({
      name: 'soar_queue_jobs',
      help: 'Jobs per queue and state (completed: those still kept, an hour at most).',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      collect: async function (this: Gauge) {
        this.reset();
        for (const name of queueNames()) {
          const counts = await metrics.queue(name).getJobCounts(...JOB_STATES);
          for (const state of JOB_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
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
          const jobs = await metrics.queue(name).getCompleted(0, LATENCY_SAMPLE - 1);
          const seconds = jobs
            .filter((job) => job.processedOn && job.finishedOn)
            .map((job) => (job.finishedOn! - job.processedOn!) / 1000)
            .sort((a, b) => a - b);
          if (seconds.length === 0) continue;
          for (const q of [0.5, 0.9, 0.99]) {
            const value = seconds[Math.min(seconds.length - 1, Math.floor(q * seconds.length))]!;
            this.set({ queue: name, quantile: String(q) }, value);
          }
        }
      },
    });
  }

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, { connection: this.client, prefix: this.names.queuePrefix });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async text(): Promise<string> {
    return this.registry.metrics();
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
  }
}
