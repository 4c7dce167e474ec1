import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Schedule } from '../schedule/due.js';
import { fireSchedule, type FireSources, type Fired } from '../schedule/fire.js';
import type { RedisNames } from './redis-names.js';
import { releaseIfHeld } from './redis-lock.js';
import type { RedisRunStore } from './redis-run-store.js';

/** A fetch holds its instance this long at most; a fetch of 100,000 malops takes under a minute. */
const FETCH_LOCK_MS = 10 * 60_000;

/**
 * A schedule's tick, on a worker: BullMQ's job scheduler queued one job per tick, so this
 * fires the tick once; a playbook's run id derives from the tick, so even a tick job run twice
 * starts one run. Fetches of one instance never overlap: a tick that finds the previous fetch
 * still running is skipped (the next tick fetches from the watermark anyway).
 */
export class ScheduledWork {
  constructor(
    private readonly options: {
      sources: FireSources;
      store: RedisRunStore;
      client: Redis | Cluster;
      names: RedisNames;
      log?: (line: string) => void;
    },
  ) {}

  async handle(schedule: Schedule, tick: number): Promise<Fired> {
    const { client, names, store } = this.options;
    const lockKey = `${names.prefix}:lock:${schedule.key}`;
    const token = randomUUID();
    let fired: Fired;
    if (schedule.kind === 'fetch') {
      const locked = await client.set(lockKey, token, 'PX', FETCH_LOCK_MS, 'NX');
      if (locked === null) {
        fired = {
          key: schedule.key,
          tick: new Date(tick).toISOString(),
          ok: true,
          result: 'skipped: the previous fetch of this instance is still running',
        };
        this.options.log?.(`${fired.key} @ ${fired.tick}: ${fired.result}`);
        return fired;
      }
    }
    try {
      fired = await fireSchedule(this.options.sources, schedule, tick);
    } finally {
      if (schedule.kind === 'fetch') await releaseIfHeld(client, lockKey, token);
    }
    await store.saveScheduleState({
      key: schedule.key,
      last_tick: tick,
      fired_at: new Date().toISOString(),
      last_result: fired.result,
    });
    this.options.log?.(`${fired.key} @ ${fired.tick}: ${fired.result}`);
    return fired;
  }
}
