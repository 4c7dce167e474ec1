import { Queue, Worker, type Job, type WorkerOptions } from 'bullmq';
import type { Cluster, Redis, RedisOptions } from 'ioredis';
import { connectRedis } from '../redis-connection.js';
import type { Instances } from '../../integration-sdk/instances.js';
import type { DistributedEngine } from './distributed-engine.js';
import {
  EVENTS_QUEUE,
  INGEST_QUEUE,
  runtimeQueueNames,
  type IngestJob,
  stepQueueName,
  type EventJob,
  type StepJob,
  type TickJob,
} from './queues.js';
import type { ScheduledWork } from './scheduled-work.js';
import type { RedisNames } from './redis-names.js';
import { StepStats } from './step-stats.js';

export interface RuntimeWorkerOptions {
  engine: DistributedEngine;
  instances: Instances;
  names: RedisNames;
  /** Where BullMQ's own connections go (each Worker holds a blocking one); see redis-connection.ts. */
  redisUrl: string;
  redisOptions?: RedisOptions;
  /** Events applied at once by this process (they wait on Redis, not on the CPU). */
  eventConcurrency?: number;
  /** Steps at once per instance queue, unless the instance's rate_limit.concurrency says. */
  stepConcurrency?: number;
  /** How long a job's lock lasts without renewal: a killed worker's jobs are retried after about this. */
  lockDurationMs?: number;
  /** How often runs that nobody moved for a while get their pending effects dispatched again. */
  sweepIntervalMs?: number;
  /** How often step counts and durations go to Redis for /metrics (default 5 s). */
  statsFlushMs?: number;
  /** Fires schedules' ticks (playbook runs, fetches, feed polls); without it ticks fail. */
  ticks?: ScheduledWork;
  /** Called with what went wrong in a job (it is retried) or in a sweep. */
  onError?: (error: unknown, where: string) => void;
}

const DEFAULT_LOCK_MS = 30_000;
/** How often a worker adds its step counts to the installation's (what /metrics lags by, at most). */
const STATS_FLUSH_MS = 5_000;

/**
 * One worker process's consumers: the events queue and one queue per integration instance
 * (with the instance's concurrency and rate limit, shared by every worker through BullMQ).
 * A sweeper re-dispatches the outbox of runs nobody has moved for a while: the recovery path
 * for a process that died between committing an event and queueing what it produced.
 */
export class RuntimeWorker {
  private readonly workers: Worker[] = [];
  private readonly connections: (Redis | Cluster)[] = [];
  /** For queue settings (global concurrency) and step statistics: one connection, however many queues. */
  private admin: Redis | Cluster | null = null;
  private sweeper: NodeJS.Timeout | null = null;
  /** Counts and durations of the steps this worker ran, added to Redis every few seconds. */
  private stepStats: StepStats | null = null;
  private statsFlusher: NodeJS.Timeout | null = null;
  private sweeping: Promise<void> | null = null;
  private readonly lockMs: number;

  constructor(private readonly options: RuntimeWorkerOptions) {
    this.lockMs = options.lockDurationMs ?? DEFAULT_LOCK_MS;
  }

  /** The queues this worker consumes: events, ingest, every instance's steps, the fallback. */
  queueNames(): string[] {
    return runtimeQueueNames(this.options.instances);
  }

  async start(): Promise<void> {
    const { engine, names } = this.options;
    this.admin ??= this.connection();
    this.stepStats = new StepStats(this.admin, names.stepStats);
    const base = (): WorkerOptions => ({
      connection: this.connection(),
      prefix: names.queuePrefix,
      lockDuration: this.lockMs,
      stalledInterval: Math.max(1_000, Math.round(this.lockMs / 2)),
      // A stalled job (its worker died) is retried, however many times that happens.
      maxStalledCount: 1_000,
    });
    const events = new Worker<EventJob | TickJob>(
      EVENTS_QUEUE,
      async (job: Job<EventJob | TickJob>) => {
        if (job.data.kind !== 'tick') return engine.handleEvent(job.data);
        if (!this.options.ticks) throw new Error('this worker does not fire schedules');
        // The job scheduler stamps each job with the tick it stands for.
        await this.options.ticks.handle(job.data.schedule, job.opts.prevMillis ?? job.timestamp);
      },
      { ...base(), concurrency: this.options.eventConcurrency ?? 32 },
    );
    this.watch(events, EVENTS_QUEUE);
    this.workers.push(events);
    const ingest = new Worker<IngestJob>(
      INGEST_QUEUE,
      async (job: Job<IngestJob>) => engine.handleIngest(job.data),
      { ...base(), concurrency: this.options.eventConcurrency ?? 32 },
    );
    this.watch(ingest, INGEST_QUEUE);
    this.workers.push(ingest);
    const summaries = this.options.instances.list();
    for (const name of this.queueNames().slice(2)) {
      const summary = summaries.find((instance) => stepQueueName(instance.id) === name);
      const limit = summary?.rateLimit;
      // rate_limit.concurrency holds across every worker: BullMQ's global concurrency, which
      // stays in Redis, so it is removed again when the configuration no longer sets it.
      await this.applyGlobalConcurrency(name, limit?.concurrency);
      // A vendor's 429 pauses its instance's queue (worker.rateLimit), which BullMQ honours only
      // on a rate-limited queue: vendor instances get a limiter even without a per_second.
      const limiter =
        limit?.perSecond !== undefined
          ? limiterOf(limit.perSecond)
          : summary && !summary.implicit
            ? UNLIMITED
            : undefined;
      const worker: Worker<StepJob> = new Worker<StepJob>(
        name,
        async (job: Job<StepJob>) => {
          const handled = await engine.handleStep(job.data, job.attemptsStarted > 1);
          if (handled.executed) {
            this.stepStats?.record(name, handled.executed.seconds, handled.executed.outcome);
          }
          if (handled.backoffMs !== undefined) await worker.rateLimit(handled.backoffMs);
        },
        {
          ...base(),
          concurrency: limit?.concurrency ?? this.options.stepConcurrency ?? 16,
          ...(limiter ? { limiter } : {}),
        },
      );
      this.watch(worker, name);
      this.workers.push(worker);
    }
    await Promise.all(this.workers.map((worker) => worker.waitUntilReady()));
    this.statsFlusher = setInterval(
      () => void this.flushStats(),
      this.options.statsFlushMs ?? STATS_FLUSH_MS,
    );
    this.statsFlusher.unref();
    this.sweeping = this.sweep();
    const every = this.options.sweepIntervalMs ?? this.lockMs;
    this.sweeper = setInterval(() => {
      this.sweeping ??= this.sweep();
    }, every);
    this.sweeper.unref();
  }

  /**
   * Dispatches again the outbox of every unfinished run whose last commit is older than a
   * job lock: its jobs were lost, or are queued already (then BullMQ keeps one per id).
   */
  async sweep(): Promise<void> {
    const { engine } = this.options;
    try {
      const stale = Date.now() - this.lockMs;
      // A run that started since cannot have been idle that long: only older ones are read.
      for (let offset = 0; ; offset += 500) {
        const ids = await engine.store.activeRuns({ startedBefore: stale, offset, count: 500 });
        for (const id of ids) {
          const record = await engine.store.loadRun(id);
          if (record && Date.parse(record.updated_at) < stale) await engine.dispatchOutbox(record);
        }
        if (ids.length < 500) break;
      }
    } catch (error) {
      this.options.onError?.(error, 'sweep');
    } finally {
      this.sweeping = null;
    }
  }

  async close(): Promise<void> {
    if (this.sweeper) clearInterval(this.sweeper);
    if (this.statsFlusher) clearInterval(this.statsFlusher);
    await this.sweeping;
    await Promise.all(this.workers.map((worker) => worker.close()));
    this.workers.length = 0;
    await this.flushStats();
    for (const connection of this.connections.splice(0)) connection.disconnect();
    this.admin = null;
  }

  private async flushStats(): Promise<void> {
    try {
      await this.stepStats?.flush();
    } catch (error) {
      this.options.onError?.(error, 'step statistics');
    }
  }

  private async applyGlobalConcurrency(name: string, concurrency: number | undefined) {
    this.admin ??= this.connection();
    const queue = new Queue(name, {
      connection: this.admin,
      prefix: this.options.names.queuePrefix,
    });
    try {
      if (concurrency !== undefined) await queue.setGlobalConcurrency(concurrency);
      else await queue.removeGlobalConcurrency();
    } finally {
      await queue.close();
    }
  }

  /** BullMQ leaves a connection it was given open: this worker closes its own. */
  private connection(): Redis | Cluster {
    const connection = connectRedis(this.options.redisUrl, {
      ...this.options.redisOptions,
      maxRetriesPerRequest: null,
    });
    // BullMQ reports connection trouble through the worker's 'error' event (see watch).
    connection.on('error', () => undefined);
    this.connections.push(connection);
    return connection;
  }

  private watch(worker: Worker, queue: string): void {
    worker.on('failed', (_job, error) => this.options.onError?.(error, queue));
    worker.on('error', (error) => this.options.onError?.(error, queue));
  }
}

/** A limiter that never limits by itself: it lets a 429 pause the queue (see start). */
const UNLIMITED = { max: 1_000_000, duration: 1_000 };

/** BullMQ counts jobs per window: 0.5/s becomes one job per 2 s. */
function limiterOf(perSecond: number): { max: number; duration: number } {
  return perSecond >= 1
    ? { max: Math.round(perSecond), duration: 1_000 }
    : { max: 1, duration: Math.round(1_000 / perSecond) };
}
