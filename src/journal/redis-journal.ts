import { ChainState } from './chain-state.js';
import { GENESIS } from './entry.js';
import type { JournalDraft, JournalEntry } from './entry.js';
import { JournalCorruptError } from './file-recovery.js';
import type { RecentMap } from './recent-map.js';
import type { JournalRedisKeys } from './redis-keys.js';
import { appendEntries } from './redis-scripts.js';
import type { GuardedWrite, JournalHead, JournalRedis } from './redis-scripts.js';
import type { Redactor } from './redact.js';

/**
 * Every attempt that loses the compare-and-set lost to an append that landed, so the
 * journal as a whole always progresses; the bound only stops one caller from starving.
 */
const MAX_ATTEMPTS = 100;

export class JournalContentionError extends Error {
  override name = 'JournalContentionError';
}

export interface RedisJournalContext {
  client: JournalRedis;
  keys: JournalRedisKeys;
  redactor: Redactor;
  /**
   * The head each journal had when this process last wrote to it. While this process is the
   * journal's last writer, an append chains to it and costs one round trip; when another
   * process wrote since, the compare-and-set fails and returns the real head, so a stale entry
   * costs what reading the head would have.
   */
  heads: RecentMap<string, JournalHead>;
  /** Lists the journal in the store's index; runs before its first entry can be written. */
  register(): Promise<unknown>;
}

/** What a guarded append did: appended its entries and wrote its document, or neither. */
export type GuardedAppendResult =
  { status: 'appended'; entries: JournalEntry[] } | { status: 'guard-failed'; version: number };

interface PendingAppend {
  drafts: readonly JournalDraft[];
  redactor: Redactor;
  entries: JournalEntry[];
  /** A document to write with the entries; such an append is committed in a batch of its own. */
  guard?: GuardedWrite;
  resolve(result: GuardedAppendResult): void;
  reject(error: Error): void;
}

const EMPTY_HEAD: JournalHead = { seq: 0, hash: GENESIS };

/**
 * Drafts that already went through the store's redactor (and JSON normalization) on an
 * earlier attempt: chaining them again must not redact twice, and must give the same
 * content even if secrets were added to the redactor in between.
 */
const ALREADY_REDACTED: Redactor = {
  redact: (value) => value,
  redactJson: (value) => value,
  addSecret: () => undefined,
};

/**
 * The appends of this process to one journal, with group commit: appends made while a
 * script call is in flight go together in the next one, in call order. Each call chains the
 * batch to the head it believes current and lets the script compare-and-set; on a conflict
 * (another process appended) it re-chains to the head the script returned and tries again.
 */
export class RedisJournal {
  private queue: PendingAppend[] = [];
  private writing = false;
  private drained: Promise<void> = Promise.resolve();

  constructor(
    readonly key: string,
    private readonly context: RedisJournalContext,
    private readonly onIdle: () => void,
  ) {}

  append(drafts: readonly JournalDraft[]): Promise<JournalEntry[]> {
    return this.enqueue(drafts).then((result) =>
      result.status === 'appended' ? result.entries : [],
    );
  }

  /**
   * Appends `drafts` and writes the guarded document in one step, if the document is still
   * at its expected version; otherwise writes nothing and says which version it is at.
   */
  appendGuarded(
    drafts: readonly JournalDraft[],
    guard: GuardedWrite,
  ): Promise<GuardedAppendResult> {
    return this.enqueue(drafts, guard);
  }

  private enqueue(
    drafts: readonly JournalDraft[],
    guard?: GuardedWrite,
  ): Promise<GuardedAppendResult> {
    return new Promise((resolve, reject) => {
      this.queue.push({
        drafts,
        redactor: this.context.redactor,
        entries: [],
        ...(guard ? { guard } : {}),
        resolve,
        reject,
      });
      if (!this.writing) {
        this.writing = true;
        this.drained = this.drain();
      }
    });
  }

  /** Resolves when every append made so far has settled. */
  idle(): Promise<void> {
    return this.drained;
  }

  /** Never rejects: failures go to the callers. */
  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.takeBatch();
        try {
          await this.commit(batch);
        } catch (error) {
          // The write may or may not have landed; the next append reads the head afresh.
          this.context.heads.delete(this.key);
          const failure = error instanceof Error ? error : new Error(String(error));
          for (const pending of batch) pending.reject(failure);
        }
      }
    } finally {
      // Same synchronous step as the empty-queue check: no append can slip in between.
      this.writing = false;
      this.onIdle();
    }
  }

  /** Plain appends up to the next guarded one, or that guarded append alone. */
  private takeBatch(): PendingAppend[] {
    const guarded = this.queue.findIndex((pending) => pending.guard !== undefined);
    const size = guarded === -1 ? this.queue.length : Math.max(guarded, 1);
    return this.queue.splice(0, size);
  }

  private async commit(batch: PendingAppend[]): Promise<void> {
    const guard = batch[0]?.guard;
    const { client, keys, heads } = this.context;
    const storedIds = new Set<string>();
    // A document not stored yet is most often a new run's, in a journal of its own that is
    // still empty: chained from the start without a read. If the journal has entries after all,
    // the script refuses and returns its head, which costs what reading it first would have.
    let head =
      heads.get(this.key) ??
      (guard?.expected === 0 ? EMPTY_HEAD : await readHead(client, keys, batch, storedIds));
    let live = batch;
    for (let attempt = 1; ; attempt += 1) {
      live = chainBatch(head, storedIds, live);
      const entries = live.flatMap((pending) => pending.entries);
      if (live.length === 0) return; // the guarded append's drafts were rejected
      if (entries.length === 0 && guard === undefined) break; // all already stored
      if (head.seq === 0 && entries.length > 0) await this.context.register();
      const outcome = await appendEntries(client, keys, head, entries, guard);
      if (outcome.status === 'appended') {
        head = outcome.head;
        break;
      }
      if (outcome.status === 'guard-failed') {
        for (const pending of live) pending.resolve(outcome);
        return;
      }
      if (outcome.status === 'inconsistent') {
        throw new JournalCorruptError(
          `journal ${JSON.stringify(this.key)}: its head (seq ${outcome.headSeq}) does not match its newest stored entry (seq ${outcome.streamSeq}), refusing to extend it`,
        );
      }
      head = outcome.head;
      for (const id of outcome.storedIds) storedIds.add(id);
      if (attempt === MAX_ATTEMPTS) {
        throw new JournalContentionError(
          `journal ${JSON.stringify(this.key)}: append lost ${MAX_ATTEMPTS} races in a row to other writers`,
        );
      }
      for (const pending of live) {
        pending.drafts = pending.entries.map(draftOf);
        pending.redactor = ALREADY_REDACTED;
      }
    }
    heads.set(this.key, head);
    for (const pending of live) pending.resolve({ status: 'appended', entries: pending.entries });
  }
}

/**
 * Chains every pending call after `head`, skipping stored ids. A call with a bad draft is
 * rejected alone; ChainState.extend may have chained part of that call before throwing, so
 * the others are chained again from the head without it.
 */
function chainBatch(
  head: JournalHead,
  storedIds: ReadonlySet<string>,
  batch: readonly PendingAppend[],
): PendingAppend[] {
  const state = new ChainState();
  state.seq = head.seq;
  state.head = head.hash;
  for (const id of storedIds) state.ids.add(id);
  for (const pending of batch) {
    try {
      pending.entries = state.extend(pending.drafts, pending.redactor);
    } catch (error) {
      pending.reject(error instanceof Error ? error : new Error(String(error)));
      return chainBatch(
        head,
        storedIds,
        batch.filter((other) => other !== pending),
      );
    }
  }
  return [...batch];
}

/** The head and which of the batch's ids are stored, read as one snapshot (MULTI). */
async function readHead(
  client: JournalRedis,
  keys: JournalRedisKeys,
  batch: readonly PendingAppend[],
  storedIds: Set<string>,
): Promise<JournalHead> {
  // Malformed drafts are rejected later, when chained; here they only must not break HMGET.
  const ids = [
    ...new Set(
      batch.flatMap((pending) =>
        pending.drafts.map((draft) => (draft as Partial<JournalDraft> | null)?.id),
      ),
    ),
  ].filter((id): id is string => typeof id === 'string');
  const transaction = client.multi().hmget(keys.head, 'seq', 'hash');
  if (ids.length > 0) transaction.hmget(keys.ids, ...ids);
  const replies = (await transaction.exec()) ?? [];
  const [headFields, storedSeqs] = replies.map(([error, result]) => {
    if (error) throw error;
    return result as (string | null)[];
  });
  ids.forEach((id, index) => {
    if (storedSeqs?.[index] != null) storedIds.add(id);
  });
  const seq = Number(headFields?.[0] ?? 0);
  return { seq, hash: seq === 0 ? GENESIS : (headFields?.[1] ?? GENESIS) };
}

function draftOf(entry: JournalEntry): JournalDraft {
  return {
    id: entry.id,
    at: entry.at,
    incident: entry.incident,
    run: entry.run,
    step: entry.step,
    kind: entry.kind,
    actor: entry.actor,
    summary: entry.summary,
    data: entry.data,
    artifacts: entry.artifacts,
  };
}
