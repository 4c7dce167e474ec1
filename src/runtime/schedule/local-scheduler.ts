/*
 * Runs schedules in one process with no Redis: the scheduled playbooks (`trigger.schedule`)
 * and the incident fetches of instances with a `fetch_interval`. Each tick opens the data dir
 * (taking its lock), decides what is due against the state stored there, fires it, waits for
 * the runs it started to settle, and closes the data dir again, so `soar approve` and
 * `soar run` can use it between ticks. Because the decision and the state update happen under
 * the lock, several schedulers sharing one data dir still fire each tick once; a playbook
 * run's id is derived from its tick, so a tick re-fired after a crash starts nothing twice.
 */
import type { IntegrationDefinition } from '../../integration-sdk/define.js';
import type { Instances } from '../../integration-sdk/instances.js';
import type { Registry } from '../../integration-sdk/registry.js';
import { fetchIncidentsOnce } from '../fetch-incidents.js';
import { HttpClients } from '../http-clients.js';
import { hookContext } from '../hook-context.js';
import { pollFeed } from '../../intel/feed-poll.js';
import type { IntelService } from '../../intel/service.js';
import type { LocalEngine } from '../local/local-engine.js';
import type { RunStore } from '../run-store.js';
import type { PlaybookLibrary } from '../playbook-library.js';
import { decide, type Decision, type Schedule } from './due.js';

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

export interface Fired {
  key: string;
  /** The tick fired for (ISO). */
  tick: string;
  /** One line: the run started and its status, the fetch counts, or the error. */
  result: string;
  ok: boolean;
  run?: string;
}

export interface TickResult {
  fired: Fired[];
  /** Schedules seen for the first time (cron baselines recorded, nothing fired). */
  baselined: string[];
  /** The earliest instant something is due next (epoch ms), null with no schedule. */
  next: number | null;
}

export class ScheduleConfigError extends Error {
  override readonly name = 'ScheduleConfigError';
}

export interface LocalSchedulerOptions {
  open: () => Promise<SchedulerSession>;
  now?: () => number;
  log?: (line: string) => void;
}

/** The scheduler never sleeps longer than this, so new and edited schedules are picked up. */
const MAX_SLEEP_MS = 60_000;
const BUSY_RETRY_MS = 5_000;
/** A poll of a large feed takes minutes; an hour is a generous bound. */
const FEED_POLL_TIMEOUT_MS = 60 * 60_000;

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
        const fired = await this.fire(session, clients, schedule, decision.tick);
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

  private async fire(
    session: SchedulerSession,
    clients: HttpClients,
    schedule: Schedule,
    tick: number,
  ): Promise<Fired> {
    const at = new Date(tick).toISOString();
    try {
      if (schedule.kind === 'playbook') {
        const runId = `run-${schedule.playbook}-${at.replace(/[-:.]/g, '')}`;
        await session.engine.start(schedule.playbook, {}, null, { runId });
        return {
          key: schedule.key,
          tick: at,
          result: `run ${runId} started`,
          ok: true,
          run: runId,
        };
      }
      const integration = fetcherOf(session, schedule.instance);
      if (integration.fetchIndicators) {
        const polled = await pollFeed(
          hookContext(
            session.instances.get(schedule.instance),
            clients,
            FEED_POLL_TIMEOUT_MS,
            session.intel,
          ),
          integration,
        );
        return {
          key: schedule.key,
          tick: at,
          ok: true,
          result: `${polled.objects} objects, ${polled.indicators} indicators: ${polled.added} added, ${polled.updated} updated, ${polled.unsupported} unsupported; ${polled.expired} expired`,
        };
      }
      const fetched = await fetchIncidentsOnce(
        { ...session, clients },
        integration,
        schedule.instance,
      );
      return {
        key: schedule.key,
        tick: at,
        ok: true,
        result: `${fetched.fetched} fetched, ${fetched.created} new, ${fetched.updated} updated; ${fetched.runs.length} run(s) started`,
      };
    } catch (error) {
      return {
        key: schedule.key,
        tick: at,
        ok: false,
        result: `failed: ${(error as Error).message}`,
      };
    }
  }
}

/** Every schedule the data dir's playbooks and the configuration declare. */
export async function schedulesOf(session: SchedulerSession): Promise<Schedule[]> {
  const schedules: Schedule[] = (await session.library.scheduled()).map(({ id, schedule }) => ({
    key: `playbook.${id}`,
    kind: 'playbook',
    playbook: id,
    cron: schedule,
  }));
  for (const instance of session.instances.list()) {
    if (instance.fetchIntervalMs === null) continue;
    fetcherOf(session, instance.id);
    schedules.push({
      key: `fetch.${instance.id}`,
      kind: 'fetch',
      instance: instance.id,
      intervalMs: instance.fetchIntervalMs,
    });
  }
  return schedules;
}

function fetcherOf(session: SchedulerSession, instanceId: string): IntegrationDefinition {
  const summary = session.instances.list().find((i) => i.id === instanceId);
  const integration = session.registry.list().find((i) => i.id === summary?.integration);
  if (!integration?.fetchIncidents && !integration?.fetchIndicators) {
    throw new ScheduleConfigError(
      `instance '${instanceId}' has a fetch_interval, but '${summary?.integration}' neither fetches incidents nor polls a feed`,
    );
  }
  return integration;
}

/** The earlier of a known next instant and a decision's, when the decision is to wait. */
function earliest(next: number | null, decision: Decision): number | null {
  if (decision.action !== 'wait') return next;
  return next === null ? decision.next : Math.min(next, decision.next);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
