import { Queue, type JobsOptions } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import type { JournalDraft } from '../../journal/entry.js';
import type { PendingEffect } from '../../playbook/outbox.js';
import type { RunEvent } from '../../playbook/run-model.js';
import type { Schedule } from '../schedule/due.js';
import type { Instances } from '../../integration-sdk/instances.js';
import type { RedisNames } from './redis-names.js';

/*
 * The queues of the distributed runtime:
 *   events           what happens to runs: timers (delayed jobs), decisions, a child run's
 *                    end. Workers apply them to the run's machine. A run's start is no job:
 *                    whoever starts it commits its first event and queues its first steps.
 *   steps.<instance> action steps, one queue per integration instance, so that an instance's
 *                    concurrency and rate limit hold across every worker.
 *   steps            steps whose instance cannot be told (a misconfigured step): they fail at once.
 *   ingest           alerts accepted by the API: each becomes (or updates) an incident, and the
 *                    incident type's playbooks start.
 * Job ids are deterministic (DESIGN §4), so dispatching an effect twice makes one job.
 */

export const EVENTS_QUEUE = 'events';
export const INGEST_QUEUE = 'ingest';
export const FALLBACK_STEP_QUEUE = 'steps';

export function stepQueueName(instance: string): string {
  return `steps.${instance}`;
}

/** Every queue of an installation with these instances: events, ingest, then the step queues. */
export function runtimeQueueNames(instances: Instances): string[] {
  return [
    EVENTS_QUEUE,
    INGEST_QUEUE,
    ...instances.list().map((instance) => stepQueueName(instance.id)),
    FALLBACK_STEP_QUEUE,
  ];
}

export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];

export type ExecuteEffect = Extract<PendingEffect, { kind: 'execute' }>;

/** Something that happened to a run: a timer, a decision, a child run's end (starts are committed by whoever starts a run). */
export interface EventJob {
  kind: 'event';
  run: string;
  event: RunEvent;
  extra?: JournalDraft[];
}

/** A schedule's tick, queued by its BullMQ job scheduler (see redis-scheduler.ts). */
export interface TickJob {
  kind: 'tick';
  schedule: Schedule;
}

/** An alert the API accepted: already checked, so it becomes an incident as it is. */
export interface IngestJob {
  /** The dedup key: a repeat of it updates the incident instead of creating another. */
  key: string;
  /** Who sent it (`api:<token or webhook name>`). */
  source: string;
  alert: { type: string; name: string; severity: string; fields: Record<string, unknown> };
}

export interface StepJob {
  run: string;
  incident: string | null;
  effect: ExecuteEffect;
}

/** Completed jobs are kept an hour (a re-dispatch within it is deduplicated), failed ones a week. */
const JOB_DEFAULTS: JobsOptions = {
  attempts: 20,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 3600, count: 100_000 },
  removeOnFail: { age: 7 * 24 * 3600 },
};

/** Producers of the runtime's jobs; one Queue object per queue, opened on first use. */
export class RuntimeQueues {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly connection: Redis | Cluster,
    private readonly names: RedisNames,
  ) {}

  queue(name: string): Queue {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue(name, {
        connection: this.connection,
        prefix: this.names.queuePrefix,
        defaultJobOptions: JOB_DEFAULTS,
      });
      this.queues.set(name, queue);
    }
    return queue;
  }

  async addEvent(jobId: string, data: EventJob, delayMs = 0): Promise<void> {
    await this.queue(EVENTS_QUEUE).add(data.kind, data, {
      jobId,
      ...(delayMs > 0 ? { delay: delayMs } : {}),
    });
  }

  async addIngest(jobId: string, data: IngestJob): Promise<void> {
    await this.queue(INGEST_QUEUE).add('alert', data, { jobId });
  }

  async addStep(queue: string, jobId: string, data: StepJob): Promise<void> {
    await this.queue(queue).add('step', data, { jobId });
  }

  /** How many jobs a queue holds in each state (completed: those still kept). */
  async jobCounts(name: string): Promise<Record<JobState, number>> {
    const counts = await this.queue(name).getJobCounts(...JOB_STATES);
    const out = {} as Record<JobState, number>;
    for (const state of JOB_STATES) out[state] = counts[state] ?? 0;
    return out;
  }

  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((queue) => queue.close()));
    this.queues.clear();
  }
}
