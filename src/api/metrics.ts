import type { Cluster, Redis } from 'ioredis';
import { Counter, Gauge, Registry } from 'prom-client';
import type { Instances } from '../integration-sdk/instances.js';
import { JOB_STATES, runtimeQueueNames, type RuntimeQueues } from '../runtime/bullmq/queues.js';
import type { RedisNames } from '../runtime/bullmq/redis-names.js';
import { readStepHistograms, type StepHistogram } from '../runtime/bullmq/step-stats.js';

/**
 * Prometheus metrics of the whole installation, read from Redis at each scrape (so any API
 * process reports the same figures): queue depths per state, runs in flight and finished,
 * approvals pending, incidents, and steps run with their durations (counted by the workers).
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
    new Counter({
      name: 'soar_steps_total',
      help: 'Steps run by all workers, per step queue and outcome (each attempt of a retried step counts).',
      labelNames: ['queue', 'outcome'],
      registers: [this.registry],
      collect: async function (this: Counter) {
        this.reset();
        for (const histogram of await readStepHistograms(client, names.stepStats)) {
          this.inc({ queue: histogram.queue, outcome: 'completed' }, histogram.completed);
          this.inc({ queue: histogram.queue, outcome: 'failed' }, histogram.failed);
        }
      },
    });
    this.stepHistograms = () => readStepHistograms(client, names.stepStats);
  }

  private readonly stepHistograms: () => Promise<StepHistogram[]>;

  async text(): Promise<string> {
    const [metrics, histograms] = await Promise.all([
      this.registry.metrics(),
      this.stepHistograms(),
    ]);
    return metrics + stepDurationText(histograms);
  }
}

/**
 * The workers' step durations in the Prometheus text format. prom-client builds histograms
 * from its own observations only; these are counted by other processes, so they are written
 * out here.
 */
function stepDurationText(histograms: readonly StepHistogram[]): string {
  const name = 'soar_step_duration_seconds';
  const lines = [
    `# HELP ${name} Time steps took to run their command, per step queue, over all workers.`,
    `# TYPE ${name} histogram`,
  ];
  for (const { queue, buckets, sum } of histograms) {
    const label = `queue="${escapeLabel(queue)}"`;
    for (const { le, count } of buckets) lines.push(`${name}_bucket{${label},le="${le}"} ${count}`);
    lines.push(`${name}_sum{${label}} ${sum}`, `${name}_count{${label}} ${buckets.at(-1)!.count}`);
  }
  return `${lines.join('\n')}\n`;
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}
