import type { Cluster, Redis } from 'ioredis';

/*
 * Step counts and durations of the whole installation, for /metrics: each worker counts in
 * memory and adds its counts to one Redis hash every few seconds (a write per flush, not per
 * step), and any API process renders the hash as a Prometheus histogram.
 *
 * Fields of {P}:step-stats, per step queue Q:
 *   Q|completed, Q|failed    steps finished either way (a retried step counts each attempt)
 *   Q|le=<bound>             steps that took at most <bound> seconds, and more than the bound
 *                            below it (per bucket; cumulated when rendered)
 *   Q|sum                    seconds spent in steps, in all
 */

/** Upper bounds (seconds): in-process steps take microseconds, vendor calls up to minutes. */
export const STEP_SECONDS_BUCKETS = [
  0.001, 0.005, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300,
] as const;

export type StepOutcome = 'completed' | 'failed';

export class StepStats {
  private pending = new Map<string, number>();
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly client: Redis | Cluster,
    private readonly key: string,
  ) {}

  record(queue: string, seconds: number, outcome: StepOutcome): void {
    const bound = STEP_SECONDS_BUCKETS.find((le) => seconds <= le);
    this.add(`${queue}|${outcome}`, 1);
    this.add(`${queue}|le=${bound ?? '+Inf'}`, 1);
    this.add(`${queue}|sum`, seconds);
  }

  /** Adds what was counted since the last flush to Redis; counts stay pending if that fails. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const transaction = this.client.multi();
    for (const [field, value] of batch) {
      // Sums are fractional; HINCRBY would refuse a field HINCRBYFLOAT has written.
      if (field.endsWith('|sum')) transaction.hincrbyfloat(this.key, field, value);
      else transaction.hincrby(this.key, field, value);
    }
    try {
      const replies = await transaction.exec();
      const failed = replies?.find(([error]) => error !== null);
      if (!replies || failed) throw failed?.[0] ?? new Error('step statistics: MULTI aborted');
    } catch (error) {
      for (const [field, value] of batch) this.add(field, value);
      throw error;
    }
  }

  private add(field: string, value: number): void {
    this.pending.set(field, (this.pending.get(field) ?? 0) + value);
  }
}

export interface StepHistogram {
  queue: string;
  /** Cumulative counts per upper bound, `+Inf` last. */
  buckets: { le: string; count: number }[];
  sum: number;
  completed: number;
  failed: number;
}

/** The histograms stored by every worker's StepStats, one per step queue that has run steps. */
export async function readStepHistograms(
  client: Redis | Cluster,
  key: string,
): Promise<StepHistogram[]> {
  const fields = await client.hgetall(key);
  const queues = new Map<string, Record<string, number>>();
  for (const [field, value] of Object.entries(fields)) {
    const bar = field.lastIndexOf('|');
    if (bar < 0) continue;
    const queue = field.slice(0, bar);
    const values = queues.get(queue) ?? {};
    values[field.slice(bar + 1)] = Number(value);
    queues.set(queue, values);
  }
  return [...queues]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([queue, values]) => {
      let running = 0;
      const buckets = [...STEP_SECONDS_BUCKETS.map(String), '+Inf'].map((le) => {
        running += values[`le=${le}`] ?? 0;
        return { le, count: running };
      });
      return {
        queue,
        buckets,
        sum: values.sum ?? 0,
        completed: values.completed ?? 0,
        failed: values.failed ?? 0,
      };
    });
}
