/*
 * Runs schedules in one process with no Redis: the scheduled playbooks (`trigger.schedule`)
 * and the incident fetches of instances with a `fetch_interval`. Each tick opens the data dir
 * (taking its lock), decides what is due against the state stored there, fires it, waits for
 * the runs it started to settle, and closes the data dir again, so `soar approve` and
 * `soar run` can use it between ticks. Because the decision and the state update happen under
 * the lock, several schedulers sharing one data dir still fire each tick once; a playbook
 * run's id is derived from its tick, so a tick re-fired after a crash starts nothing twice.
 */
import type { Instances } from '../../integration-sdk/instances.js';
import type { Registry } from '../../integration-sdk/registry.js';
import { HttpClients } from '../http-clients.js';
import type { IntelService } from '../../intel/service.js';
import type { LocalEngine } from '../local/local-engine.js';
import type { RunStore } from '../run-store.js';
import type { PlaybookLibrary } from '../playbook-library.js';
import { decide, type Decision } from './due.js';
import { ScheduleConfigError, fireSchedule, schedulesOf, type Fired } from './fire.js';
import { sleep } from './sleep.js';

export { ScheduleConfigError, schedulesOf, type Fired } from './fire.js';

/** The data dir, opened (and locked) for one tick. */
export interface SchedulerSession {
  engine: LocalEngine;
  store: RunStore;
  library: PlaybookLibrary;
  instances: Instances;
  registry: Registry;
  /** For feed polls; without it a feed instance's schedule fails each tick, saying why. */
  intel?: IntelService;
  close(): Promise<void>;
}

export interface TickResult {
  fired: Fired[];
  /** Schedules seen for the first time (cron baselines recorded, nothing fired). */
  baselined: string[];
  /** The earliest instant something is due next (epoch ms), null with no schedule. */
  next: number | null;
}

export interface LocalSchedulerOptions {
  open: () => Promise<SchedulerSession>;
  now?: () => number;
  log?: (line: string) => void;
}

/** The scheduler never sleeps longer than this, so new and edited schedules are picked up. */
const MAX_SLEEP_MS = 60_000;
const BUSY_RETRY_MS = 5_000;

export class LocalScheduler {
  private readonly now: () => number;
  private readonly log: (line: string) => void;

  constructor(private readonly options: LocalSchedulerOptions) {
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  async tick(): Promise<TickResult> {
    const session = await this.options.open();
    const clients = new HttpClients();
    try {
      const result: TickResult = { fired: [], baselined: [], next: null };
      const pending: { fired: Fired; run: string }[] = [];
      for (const schedule of await schedulesOf(session)) {
        const state = await session.store.loadScheduleState(schedule.key);
        const now = this.now();
        const decision = decide(schedule, state?.last_tick ?? null, now);
        if (decision.action === 'wait') {
          result.next = earliest(result.next, decision);
          continue;
        }
        if (decision.action === 'baseline') {
          await session.store.saveScheduleState({
            key: schedule.key,
            last_tick: decision.tick,
            fired_at: null,
            last_result: null,
          });
          result.baselined.push(schedule.key);
          result.next = earliest(result.next, decide(schedule, decision.tick, now));
          continue;
        }
        const fired = await fireSchedule({ ...session, clients }, schedule, decision.tick);
        if (fired.run) pending.push({ fired, run: fired.run });
        result.fired.push(fired);
        await session.store.saveScheduleState({
          key: schedule.key,
          last_tick: decision.tick,
          fired_at: new Date(now).toISOString(),
          last_result: fired.result,
        });
        result.next = earliest(result.next, decide(schedule, decision.tick, now));
      }
      await session.engine.idle();
      for (const { fired, run } of pending) {
        const summary = await session.engine.summary(run);
        fired.result = `run ${run} ${summary.status}${summary.error ? `: ${summary.error}` : ''}`;
        fired.ok = summary.status !== 'failed';
      }
      for (const fired of result.fired) this.log(`${fired.key} @ ${fired.tick}: ${fired.result}`);
      return result;
    } finally {
      await clients.close();
      await session.close();
    }
  }

  /** Ticks until `signal` aborts; a busy data dir or a failed tick is retried shortly. */
  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      let wake: number;
      try {
        const { next } = await this.tick();
        wake = next ?? this.now() + MAX_SLEEP_MS;
      } catch (error) {
        if (error instanceof ScheduleConfigError) throw error;
        this.log(`tick skipped: ${(error as Error).message}`);
        wake = this.now() + BUSY_RETRY_MS;
      }
      const delay = Math.min(Math.max(wake - this.now(), 250), MAX_SLEEP_MS);
      await sleep(delay, signal);
    }
  }
}

/** The earlier of a known next instant and a decision's, when the decision is to wait. */
function earliest(next: number | null, decision: Decision): number | null {
  if (decision.action !== 'wait') return next;
  return next === null ? decision.next : Math.min(next, decision.next);
}
