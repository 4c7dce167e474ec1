/*
 * Where the distributed runtime keeps things in Redis. Everything hangs off one prefix (default
 * `soar`), so several installations, or test suites, can share a server. Keys written together
 * (in one script or MULTI) share a hash tag, so the layout works on a Redis Cluster:
 *
 *   {P:journal:<key>}:...        a journal (see journal/redis-keys.ts); a run's record is a
 *                                document in its journal's slot (`run:<id>`), so the record and
 *                                the journal entries of one event commit in one script call
 *   {P}:runs                     HASH run id -> journal key (fixed when the run starts)
 *   {P}:runs:active              ZSET run id -> start (ms): runs not yet finished
 *   {P}:stats                    HASH counters for /metrics (runs_completed, runs_failed)
 *   {P}:step-stats               HASH step counts and duration buckets per step queue
 *                                (see step-stats.ts)
 *   {P}:<queue>:...              BullMQ queues (`{P}` is their prefix)
 *   {P:incidents}:id:<id>        STRING incident (JSON)
 *   {P:incidents}:index          ZSET incident id -> created (ms)
 *   {P:approvals}:id:<id>        STRING approval record (JSON)
 *   {P:approvals}:pending        ZSET approval id -> requested (ms)
 *   P:playbook:<hash>            STRING pinned playbook (JSON), by content hash
 *   P:watermark:<instance>       STRING where the instance's next fetch starts
 *   P:schedule:<key>             STRING schedule state (JSON)
 *   P:scheduler:leader, P:scheduler:definitions, P:lock:<schedule>   the scheduler's lease,
 *                                the job schedulers it wrote, fetches in progress
 */

export const DEFAULT_REDIS_PREFIX = 'soar';

export class RedisNames {
  constructor(readonly prefix: string = DEFAULT_REDIS_PREFIX) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(prefix)) {
      throw new Error(
        `Redis prefix ${JSON.stringify(prefix)}: use 1 to 64 letters, digits, '.', '_' or '-'`,
      );
    }
  }

  get journalPrefix(): string {
    return `${this.prefix}:journal`;
  }
  /** BullMQ's key prefix: a hash tag, so that each queue's keys share a Cluster slot. */
  get queuePrefix(): string {
    return `{${this.prefix}}`;
  }
  get runs(): string {
    return `{${this.prefix}}:runs`;
  }
  get activeRuns(): string {
    return `{${this.prefix}}:runs:active`;
  }
  get stats(): string {
    return `{${this.prefix}}:stats`;
  }
  get stepStats(): string {
    return `{${this.prefix}}:step-stats`;
  }
  playbook(hash: string): string {
    return `${this.prefix}:playbook:${hash}`;
  }
  approval(id: string): string {
    return `{${this.prefix}:approvals}:id:${id}`;
  }
  get pendingApprovals(): string {
    return `{${this.prefix}:approvals}:pending`;
  }
  incident(id: string): string {
    return `{${this.prefix}:incidents}:id:${id}`;
  }
  get incidents(): string {
    return `{${this.prefix}:incidents}:index`;
  }
  watermark(instance: string): string {
    return `${this.prefix}:watermark:${instance}`;
  }
  schedule(key: string): string {
    return `${this.prefix}:schedule:${key}`;
  }
}

/** The journal document that holds a run's record. */
export function runDocument(runId: string): string {
  return `run:${runId}`;
}
