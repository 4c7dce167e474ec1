import { randomUUID } from 'node:crypto';
import type { Cluster, Redis } from 'ioredis';
import type { Instances } from '../../integration-sdk/instances.js';
import type { Registry } from '../../integration-sdk/registry.js';
import { schedulesOf } from '../schedule/fire.js';
import type { PlaybookLibrary } from '../playbook-library.js';
import { EVENTS_QUEUE, type RuntimeQueues, type TickJob } from './queues.js';
import type { RedisNames } from './redis-names.js';
import { releaseIfHeld } from './redis-lock.js';
import { sleep } from '../schedule/sleep.js';

/*
 * The schedules of the distributed runtime, as BullMQ job schedulers on the events queue: one
 * per scheduled playbook (its cron, UTC) and one per instance with a fetch_interval. BullMQ
 * queues one job per tick, which a worker fires (ScheduledWork). Job schedulers misbehave when
 * several processes upsert the same one, so any number of `soar scheduler` processes may run,
 * but only the one holding the leader lease writes them; the others stand by to take over.
 */

const LEASE_LUA = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not holder then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`;

export interface RedisSchedulerOptions {
  client: Redis | Cluster;
  names: RedisNames;
  queues: RuntimeQueues;
  sources: { library: PlaybookLibrary; instances: Instances; registry: Registry };
  /** How long leadership lasts without renewal: a dead leader is replaced after about this. */
  leaseMs?: number;
  /** How often the leader re-reads the playbooks and configuration. */
  reconcileMs?: number;
  log?: (line: string) => void;
}

export interface Reconciled {
  leader: boolean;
  upserted: string[];
  removed: string[];
  unchanged: string[];
}

export class RedisScheduler {
  private readonly token = randomUUID();
  private readonly leaseMs: number;

  constructor(private readonly options: RedisSchedulerOptions) {
    this.leaseMs = options.leaseMs ?? 15_000;
  }

  private get leaderKey(): string {
    return `${this.options.names.prefix}:scheduler:leader`;
  }
  private get definitionsKey(): string {
    return `${this.options.names.prefix}:scheduler:definitions`;
  }

  /** Takes or renews the leader lease; true while this process leads. */
  async lead(): Promise<boolean> {
    const held = await this.options.client.eval(
      LEASE_LUA,
      1,
      this.leaderKey,
      this.token,
      String(this.leaseMs),
    );
    return held === 1;
  }

  /**
   * As leader, makes BullMQ's job schedulers match the declared schedules: new and changed
   * ones written, removed ones deleted, the rest left alone (rewriting an unchanged one could
   * shift its next tick).
   */
  async reconcile(): Promise<Reconciled> {
    const result: Reconciled = { leader: false, upserted: [], removed: [], unchanged: [] };
    if (!(await this.lead())) return result;
    result.leader = true;
    const { client, queues } = this.options;
    const queue = queues.queue(EVENTS_QUEUE);
    const declared = await schedulesOf(this.options.sources);
    const stored = await client.hgetall(this.definitionsKey);
    const existing = new Set(
      (await queue.getJobSchedulers(0, -1)).map((scheduler) => scheduler.key),
    );
    for (const schedule of declared) {
      const definition = JSON.stringify(schedule);
      if (stored[schedule.key] === definition && existing.has(schedule.key)) {
        result.unchanged.push(schedule.key);
        continue;
      }
      const data: TickJob = { kind: 'tick', schedule };
      await queue.upsertJobScheduler(
        schedule.key,
        schedule.kind === 'playbook'
          ? { pattern: schedule.cron, tz: 'UTC' }
          : { every: schedule.intervalMs },
        { name: 'tick', data },
      );
      await client.hset(this.definitionsKey, schedule.key, definition);
      result.upserted.push(schedule.key);
    }
    const wanted = new Set(declared.map((schedule) => schedule.key));
    for (const key of new Set([...existing, ...Object.keys(stored)])) {
      if (wanted.has(key)) continue;
      await queue.removeJobScheduler(key);
      await client.hdel(this.definitionsKey, key);
      result.removed.push(key);
    }
    for (const key of result.upserted) this.options.log?.(`schedule ${key}: written`);
    for (const key of result.removed) this.options.log?.(`schedule ${key}: removed`);
    return result;
  }

  /** Stands by or leads until `signal` aborts, then gives the lease up. */
  async run(signal: AbortSignal): Promise<void> {
    const every = this.options.reconcileMs ?? 30_000;
    const renewEvery = Math.max(100, Math.floor(this.leaseMs / 3));
    let nextReconcile = 0;
    let leading = false;
    while (!signal.aborted) {
      try {
        const leader = await this.lead();
        // A new leader writes the schedules at once; a sitting one every `every` ms.
        if (leader && (!leading || Date.now() >= nextReconcile)) {
          await this.reconcile();
          nextReconcile = Date.now() + every;
        }
        if (leader !== leading) {
          this.options.log?.(leader ? 'leading: this process writes the schedules' : 'standing by');
        }
        leading = leader;
      } catch (error) {
        this.options.log?.(`scheduler: ${(error as Error).message}`);
      }
      await sleep(renewEvery, signal);
    }
    await releaseIfHeld(this.options.client, this.leaderKey, this.token).catch(() => undefined);
  }
}
