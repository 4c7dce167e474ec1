import type { Cluster, Redis } from 'ioredis';
import type { Incident } from '../../incidents/incident.js';
import type { JournalDraft } from '../../journal/entry.js';
import { RecentMap } from '../../journal/recent-map.js';
import type { RedisJournalStore } from '../../journal/redis-store.js';
import type { Playbook } from '../../playbook/schema.js';
import type {
  ApprovalRecord,
  RunLogEntry,
  RunRecord,
  RunStore,
  ScheduleState,
} from '../run-store.js';
import { runDocument, type RedisNames } from './redis-names.js';

/*
 * decideApproval-2: records a decision on an approval that is still pending.
 * KEYS[1] the approval (JSON)   KEYS[2] the pending index (ZSET)
 * ARGV[1] the decided approval (JSON)   ARGV[2] the approval id
 * Returns { 1 } decided, { 0, stored JSON } no longer pending, { -1 } no such approval.
 */
const DECIDE_APPROVAL_LUA = `
local raw = redis.call('GET', KEYS[1])
if not raw then return {-1} end
if cjson.decode(raw).state ~= 'pending' then return {0, raw} end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[2])
return {1}
`;
const DECIDE_APPROVAL = 'soarDecideApproval';

/*
 * registerRun-2: lists a new run: its journal key, and its place among unfinished runs. A run
 * already listed (a repeated start) is left as it is, finished or not.
 * KEYS[1] run id -> journal key (HASH)   KEYS[2] unfinished runs (ZSET, by start time)
 * ARGV[1] the run id   ARGV[2] its journal key   ARGV[3] now (ms)
 * Returns 1 if the run was new.
 */
const REGISTER_RUN_LUA = `
if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
`;
const REGISTER_RUN = 'soarRegisterRun';

type ScriptedRedis = (Redis | Cluster) & {
  [DECIDE_APPROVAL](...args: string[]): Promise<unknown>;
  [REGISTER_RUN](...args: (string | number)[]): Promise<unknown>;
};

/** Runs whose journal key a process remembers: a hundred bytes each. */
const CACHED_JOURNAL_KEYS = 100_000;

export type CommitOutcome = { status: 'committed' } | { status: 'conflict'; version: number };

export type DecideOutcome =
  | { status: 'decided' }
  | { status: 'not-pending'; approval: ApprovalRecord }
  | { status: 'missing' };

/**
 * Run state in Redis, shared by every worker. A run's record is a document in its journal's
 * slot, so `commit` writes the record and the event's journal entries in one script call,
 * compare-and-set on the record's version: of two workers applying events to one run, the
 * second finds the version moved and applies its event again on the new record.
 */
export class RedisRunStore implements RunStore {
  private readonly client: ScriptedRedis;
  /** Run id -> journal key: fixed when a run starts, so remembered. */
  private readonly journalKeys = new RecentMap<string, string>(CACHED_JOURNAL_KEYS);
  /** Content hashes of the playbooks this process has stored (a few per installation). */
  private readonly savedPlaybooks = new Set<string>();

  constructor(
    client: Redis | Cluster,
    readonly journal: RedisJournalStore,
    readonly names: RedisNames,
  ) {
    client.defineCommand(DECIDE_APPROVAL, { numberOfKeys: 2, lua: DECIDE_APPROVAL_LUA });
    client.defineCommand(REGISTER_RUN, { numberOfKeys: 2, lua: REGISTER_RUN_LUA });
    this.client = client as ScriptedRedis;
  }

  async journalKeyOf(runId: string): Promise<string | null> {
    const cached = this.journalKeys.get(runId);
    if (cached !== undefined) return cached;
    const key = await this.client.hget(this.names.runs, runId);
    if (key !== null) this.journalKeys.set(runId, key);
    return key;
  }

  async loadRun(id: string): Promise<RunRecord | null> {
    const journalKey = await this.journalKeyOf(id);
    if (journalKey === null) return null;
    const document = await this.journal.readDocument(journalKey, runDocument(id));
    return document ? (JSON.parse(document.value) as RunRecord) : null;
  }

  /** Records are written whole on every commit: there is never a tail to replay. */
  loadTail(_id: string): Promise<RunLogEntry[]> {
    return Promise.resolve([]);
  }

  /**
   * Commits `record` (version n + 1) with the journal entries of its event, if the stored
   * record is still at version n (0: a run that has none yet).
   */
  async commit(record: RunRecord, drafts: readonly JournalDraft[]): Promise<CommitOutcome> {
    const expected = record.version - 1;
    if (expected === 0) {
      // Listed before anything of the run is written, so nothing written is ever unlisted.
      await Promise.all([
        this.register(record.id, record.journalKey),
        this.journal.list(record.journalKey),
      ]);
    }
    // The drafts are journaled in the same step, so the stored record need not carry them.
    const stored: RunRecord = { ...record, drafts: [] };
    const outcome = await this.journal.appendGuarded(record.journalKey, drafts, {
      name: runDocument(record.id),
      expected,
      value: JSON.stringify(stored),
    });
    if (outcome.status === 'guard-failed') return { status: 'conflict', version: outcome.version };
    // The active index changes only when a run starts and ends: one more call per run, not per event.
    const done = record.status === 'completed' || record.status === 'failed';
    if (done) {
      await this.client
        .multi()
        .zrem(this.names.activeRuns, record.id)
        .hincrby(this.names.stats, `runs_${record.status}`, 1)
        .exec();
    }
    return { status: 'committed' };
  }

  async saveRun(record: RunRecord): Promise<void> {
    const outcome = await this.commit(record, record.drafts);
    if (outcome.status === 'conflict') {
      throw new Error(
        `run ${record.id}: stored at version ${outcome.version}, not ${record.version - 1}`,
      );
    }
  }

  /**
   * Runs not finished, oldest start first, `count` from `offset`; with `startedBefore`
   * (epoch ms), only those that started earlier.
   */
  activeRuns(
    options: { startedBefore?: number; offset?: number; count?: number } = {},
  ): Promise<string[]> {
    const { startedBefore, offset = 0, count = 1000 } = options;
    const max = startedBefore === undefined ? '+inf' : `(${startedBefore}`;
    return this.client.zrangebyscore(this.names.activeRuns, '-inf', max, 'LIMIT', offset, count);
  }

  private async register(runId: string, journalKey: string): Promise<void> {
    await this.client[REGISTER_RUN](
      this.names.runs,
      this.names.activeRuns,
      runId,
      journalKey,
      Date.now(),
    );
    this.journalKeys.set(runId, journalKey);
  }

  async savePlaybook(hash: string, playbook: Playbook): Promise<void> {
    // Content-addressed: a playbook stored once never changes, so each process stores it once.
    if (this.savedPlaybooks.has(hash)) return;
    await this.client.set(this.names.playbook(hash), JSON.stringify(playbook), 'NX');
    this.savedPlaybooks.add(hash);
  }

  async loadPlaybook(hash: string): Promise<Playbook | null> {
    return this.json<Playbook>(this.names.playbook(hash));
  }

  async saveApproval(record: ApprovalRecord): Promise<void> {
    const key = this.names.approval(record.id);
    const transaction = this.client.multi().set(key, JSON.stringify(record));
    if (record.state === 'pending') {
      transaction.zadd(this.names.pendingApprovals, Date.parse(record.requested_at), record.id);
    } else transaction.zrem(this.names.pendingApprovals, record.id);
    await transaction.exec();
  }

  /** Stores a new approval request unless one with its id exists (a re-dispatched effect). */
  async requestApproval(record: ApprovalRecord): Promise<boolean> {
    const created = await this.client.set(
      this.names.approval(record.id),
      JSON.stringify(record),
      'NX',
    );
    if (created === null) return false;
    await this.client.zadd(this.names.pendingApprovals, Date.parse(record.requested_at), record.id);
    return true;
  }

  loadApproval(id: string): Promise<ApprovalRecord | null> {
    return this.json<ApprovalRecord>(this.names.approval(id));
  }

  /** Records a decision if the approval is still pending: of two deciders, one wins. */
  async decideApproval(decided: ApprovalRecord): Promise<DecideOutcome> {
    const reply = await this.client[DECIDE_APPROVAL](
      this.names.approval(decided.id),
      this.names.pendingApprovals,
      JSON.stringify(decided),
      decided.id,
    );
    const [status, raw] = reply as [number, string | undefined];
    if (status === 1) return { status: 'decided' };
    if (status === 0)
      return { status: 'not-pending', approval: JSON.parse(raw!) as ApprovalRecord };
    return { status: 'missing' };
  }

  /** Pending approvals, oldest first. */
  async pendingApprovals(limit = 1000): Promise<ApprovalRecord[]> {
    const ids = await this.client.zrange(this.names.pendingApprovals, '0', String(limit - 1));
    const records = await Promise.all(ids.map((id) => this.loadApproval(id)));
    return records.filter((record): record is ApprovalRecord => record?.state === 'pending');
  }

  async saveIncident(incident: Incident): Promise<void> {
    await this.client
      .multi()
      .set(this.names.incident(incident.id), JSON.stringify(incident))
      .zadd(this.names.incidents, Date.parse(incident.created_at), incident.id)
      .exec();
  }

  /** Stores a new incident unless one with its id exists; says whether it did. */
  async createIncident(incident: Incident): Promise<boolean> {
    const created = await this.client.set(
      this.names.incident(incident.id),
      JSON.stringify(incident),
      'NX',
    );
    if (created === null) return false;
    await this.client.zadd(this.names.incidents, Date.parse(incident.created_at), incident.id);
    return true;
  }

  /** Incidents, newest first. */
  async listIncidents(
    offset: number,
    limit: number,
  ): Promise<{ total: number; incidents: Incident[] }> {
    const [ids, total] = await Promise.all([
      this.client.zrevrange(this.names.incidents, String(offset), String(offset + limit - 1)),
      this.client.zcard(this.names.incidents),
    ]);
    const incidents = await Promise.all(ids.map((id) => this.loadIncident(id)));
    return {
      total,
      incidents: incidents.filter((incident): incident is Incident => incident !== null),
    };
  }

  loadIncident(id: string): Promise<Incident | null> {
    return this.json<Incident>(this.names.incident(id));
  }

  async loadWatermark(instance: string): Promise<string | null> {
    return this.client.get(this.names.watermark(instance));
  }

  async saveWatermark(instance: string, watermark: string): Promise<void> {
    await this.client.set(this.names.watermark(instance), watermark);
  }

  loadScheduleState(key: string): Promise<ScheduleState | null> {
    return this.json<ScheduleState>(this.names.schedule(key));
  }

  async saveScheduleState(state: ScheduleState): Promise<void> {
    await this.client.set(this.names.schedule(state.key), JSON.stringify(state));
  }

  private async json<T>(key: string): Promise<T | null> {
    const raw = await this.client.get(key);
    return raw === null ? null : (JSON.parse(raw) as T);
  }
}
