/*
 * What firing a schedule does, whichever scheduler decided it is due (the local one, or a
 * BullMQ job scheduler's tick on a worker): start the playbook under a run id derived from the
 * tick, or fetch the instance's incidents, or poll its feed.
 */
import type { IntegrationDefinition } from '../../integration-sdk/define.js';
import type { Instances } from '../../integration-sdk/instances.js';
import type { Registry } from '../../integration-sdk/registry.js';
import { pollFeed } from '../../intel/feed-poll.js';
import type { IntelService } from '../../intel/service.js';
import { fetchIncidentsOnce, type FetchSources } from '../fetch-incidents.js';
import { hookContext } from '../hook-context.js';
import type { PlaybookLibrary } from '../playbook-library.js';
import type { Schedule } from './due.js';

export interface Fired {
  key: string;
  /** The tick fired for (ISO). */
  tick: string;
  /** One line: the run started and its status, the fetch counts, or the error. */
  result: string;
  ok: boolean;
  run?: string;
}

export class ScheduleConfigError extends Error {
  override readonly name = 'ScheduleConfigError';
}

/** What firing needs: the engine and stores, the playbooks, the instances and their clients. */
export interface FireSources extends FetchSources {
  registry: Registry;
  /** For feed polls; without it a feed instance's schedule fails each tick, saying why. */
  intel?: IntelService;
}

/** A poll of a large feed takes minutes; an hour is a generous bound. */
const FEED_POLL_TIMEOUT_MS = 60 * 60_000;

/** The run a playbook schedule starts for a tick: the same id however often the tick fires. */
export function scheduledRunId(playbook: string, tick: number): string {
  return `run-${playbook}-${new Date(tick).toISOString().replace(/[-:.]/g, '')}`;
}

/** Fires one schedule for one tick; never throws (a failure is the result). */
export async function fireSchedule(
  sources: FireSources,
  schedule: Schedule,
  tick: number,
): Promise<Fired> {
  const at = new Date(tick).toISOString();
  try {
    if (schedule.kind === 'playbook') {
      const runId = scheduledRunId(schedule.playbook, tick);
      await sources.engine.start(schedule.playbook, {}, null, { runId });
      return { key: schedule.key, tick: at, result: `run ${runId} started`, ok: true, run: runId };
    }
    const integration = fetcherOf(sources, schedule.instance);
    if (integration.fetchIndicators) {
      const polled = await pollFeed(
        hookContext(
          sources.instances.get(schedule.instance),
          sources.clients,
          FEED_POLL_TIMEOUT_MS,
          sources.intel,
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
    const fetched = await fetchIncidentsOnce(sources, integration, schedule.instance);
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

/** Every schedule the playbooks and the configuration declare. */
export async function schedulesOf(sources: {
  library: PlaybookLibrary;
  instances: Instances;
  registry: Registry;
}): Promise<Schedule[]> {
  const schedules: Schedule[] = (await sources.library.scheduled()).map(({ id, schedule }) => ({
    key: `playbook.${id}`,
    kind: 'playbook',
    playbook: id,
    cron: schedule,
  }));
  for (const instance of sources.instances.list()) {
    if (instance.fetchIntervalMs === null) continue;
    fetcherOf(sources, instance.id);
    schedules.push({
      key: `fetch.${instance.id}`,
      kind: 'fetch',
      instance: instance.id,
      intervalMs: instance.fetchIntervalMs,
    });
  }
  return schedules;
}

function fetcherOf(
  sources: { instances: Instances; registry: Registry },
  instanceId: string,
): IntegrationDefinition {
  const summary = sources.instances.list().find((i) => i.id === instanceId);
  const integration = sources.registry.list().find((i) => i.id === summary?.integration);
  if (!integration?.fetchIncidents && !integration?.fetchIndicators) {
    throw new ScheduleConfigError(
      `instance '${instanceId}' has a fetch_interval, but '${summary?.integration}' neither fetches incidents nor polls a feed`,
    );
  }
  return integration;
}
