import type { DistributedEngine } from '../runtime/bullmq/distributed-engine.js';
import type { RunSummary } from '../runtime/local/local-engine.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { registry } from './local-context.js';
import { runDetails } from '../runtime/run-views.js';
import {
  CliError,
  exitCodeOf,
  printJson,
  printRunDetails,
  printRunSummary,
  runJson,
} from './output.js';
import { openRedisFor, redisUrlOf, type RedisContext } from './redis-context.js';
import { parseInputs, readAlert, type RunOptions } from './run.js';

/** `--redis` given bare (true) means REDIS_URL, else the default URL. */
export function redisOption(value: string | boolean | undefined): string | undefined {
  if (value === undefined || value === false) return undefined;
  return redisUrlOf(value === true ? undefined : value);
}

/** How a Redis journal is named in output: there is no file to point at. */
export function redisJournalName(redis: RedisContext, journalKey: string): string {
  return `${journalKey} (Redis, prefix ${redis.names.prefix}; npx soar journal show ${journalKey} --redis)`;
}

const POLL_MS = 50;
const NO_WORKER_HINT_MS = 5_000;

/**
 * Waits until a run completes, fails, or waits on people; with `approve`, answers each
 * approval as it appears. Says once on stderr if nothing moves it (no worker running).
 */
export async function waitForRun(
  engine: DistributedEngine,
  runId: string,
  approve: { option: string; by: string } | undefined,
): Promise<RunSummary> {
  const started = Date.now();
  let hinted = false;
  const decided = new Set<string>();
  for (;;) {
    const record = await engine.store.loadRun(runId);
    if (record) {
      const summary = await engine.summary(runId);
      if (summary.status === 'completed' || summary.status === 'failed') return summary;
      if (summary.status === 'waiting') {
        const open = summary.approvals.filter((a) => !decided.has(a.id));
        if (!approve) return summary;
        for (const approval of open) {
          await engine.approve(approval.id, approve.option, approve.by);
          decided.add(approval.id);
        }
      }
    }
    if (!hinted && !record && Date.now() - started > NO_WORKER_HINT_MS) {
      process.stderr.write(
        `run ${runId} is queued but no worker has picked it up: start one with npx soar worker\n`,
      );
      hinted = true;
    }
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

/** `soar run <playbook> --redis`: enqueues the run for the workers, and by default waits for it. */
export async function runOnRedis(
  file: string,
  options: RunOptions & { redisUrl: string; prefix?: string; wait: boolean },
): Promise<number> {
  const reg = registry();
  const { library, id } = await PlaybookLibrary.forFile(file, reg);
  const redis = await openRedisFor({ ...options, redis: options.redisUrl }, library, reg);
  try {
    const incident = options.incident
      ? await redis.engine.createIncident(
          await readAlert(options.incident),
          `file:${options.incident}`,
        )
      : null;
    const compiled = await library.get(id);
    const runId = await redis.engine.startRun(compiled, parseInputs(options.input), incident);
    if (!options.wait) {
      if (options.json) printJson({ run: runId, incident: incident?.id ?? null, status: 'queued' });
      else
        process.stdout.write(
          `run ${runId}: queued${incident ? ` (incident ${incident.id})` : ''}\n`,
        );
      return 0;
    }
    const summary = await waitForRun(
      redis.engine,
      runId,
      options.approve ? { option: options.approve, by: options.as } : undefined,
    );
    const record = await redis.engine.record(runId);
    if (options.json) printJson(runJson(summary));
    else printRunSummary(summary, redisJournalName(redis, record.journalKey), ' --redis');
    return exitCodeOf(summary);
  } finally {
    await redis.close();
  }
}

/** Where a `--redis` command reads: the URL (resolved), the prefix and the configuration. */
interface RedisTarget {
  redis: string;
  prefix?: string;
  config?: string;
  json?: boolean;
}

/** `soar approve ... --redis`: decides, then shows the run once it has gone as far as it can. */
export async function approveOnRedis(
  id: string,
  option: string,
  options: RedisTarget & { as: string; comment?: string; wait: boolean },
): Promise<number> {
  const redis = await openRedisFor(options, null);
  try {
    const approval = await redis.engine.approve(id, option, options.as, options.comment);
    if (!options.wait) {
      // Recorded and queued: a worker applies it, now or whenever one runs.
      if (options.json) printJson(approval);
      else {
        process.stdout.write(
          `decided: ${approval.id} -> ${option} (by ${options.as}); run ${approval.run} goes on when a worker takes the decision\n`,
        );
      }
      return 0;
    }
    // The decision is applied by a worker: wait until the approval has left the run's outbox.
    for (let i = 0; i < 200; i++) {
      const record = await redis.engine.record(approval.run);
      if (!record.outbox.some((e) => e.kind === 'approval' && e.id === id)) break;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
    // Then, as `soar run` does, until the run completes, fails or waits on people again.
    const summary = await waitForRun(redis.engine, approval.root, undefined);
    const record = await redis.engine.record(approval.root);
    if (options.json) printJson(runJson(summary));
    else printRunSummary(summary, redisJournalName(redis, record.journalKey), ' --redis');
    return exitCodeOf(summary);
  } finally {
    await redis.close();
  }
}

/** `soar runs show <id> --redis`. */
export async function runsShowOnRedis(runId: string, options: RedisTarget): Promise<number> {
  const redis = await openRedisFor(options, null);
  try {
    const record = await redis.store.loadRun(runId);
    if (!record) throw new CliError(`no run '${runId}' in Redis (prefix ${redis.names.prefix})`);
    const details = runDetails(await redis.engine.summary(runId), record);
    if (options.json) printJson(details);
    else printRunDetails(details, redisJournalName(redis, record.journalKey), ' --redis');
    return exitCodeOf(details);
  } finally {
    await redis.close();
  }
}
