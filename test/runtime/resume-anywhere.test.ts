import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import type { JournalDraft } from '../../src/journal/entry.js';
import { MemoryJournalStore } from '../../src/journal/memory-store.js';
import { verifyEntries } from '../../src/journal/verify.js';
import { compilePlaybook } from '../../src/playbook/compile.js';
import { persistSnapshot, restoreSnapshot } from '../../src/playbook/advance.js';
import { LocalEngine } from '../../src/runtime/local/local-engine.js';
import { MemoryRunStore, type RunRecord } from '../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../src/runtime/playbook-library.js';

/**
 * A crash can happen after any commit and before its journal append or dispatch. For each
 * playbook, every commit point is replayed as a crash: a fresh engine gets the state and
 * journal exactly as they were, resumes, and must finish like the uninterrupted run, with
 * one step.completed per completed step and an intact chain.
 */
const dir = join(import.meta.dirname, '..', 'golden', 'playbooks');
const registry = new Registry(builtinIntegrations);

class RecordingStore extends MemoryRunStore {
  readonly states: Map<string, string>[] = [];
  private readonly latest = new Map<string, string>();
  constructor(
    private readonly journalLog: { key: string; drafts: JournalDraft[] }[],
    readonly marks: number[],
  ) {
    super();
  }
  override async saveRun(record: RunRecord): Promise<void> {
    await super.saveRun(record);
    this.latest.set(record.id, JSON.stringify(record));
    // The data dir as a crash right after this write would leave it.
    this.states.push(new Map(this.latest));
    this.marks.push(this.journalLog.length);
  }
}

class RecordingJournal extends MemoryJournalStore {
  constructor(readonly log: { key: string; drafts: JournalDraft[] }[]) {
    super();
  }
  override append(key: string, drafts: readonly JournalDraft[]) {
    this.log.push({ key, drafts: [...drafts] });
    return super.append(key, drafts);
  }
}

async function finish(engine: LocalEngine, runId: string, decisions: string[]) {
  await engine.idle();
  let summary = await engine.summary(runId);
  for (const option of decisions) {
    if (summary.status !== 'waiting') break;
    await engine.approve(summary.approvals[0]!.id, option, 'tester');
    await engine.idle();
    summary = await engine.summary(runId);
  }
  return summary;
}

const cases: [string, Record<string, unknown>, string[]][] = [
  ['action-chain', {}, []],
  ['choice', { severity: 'critical' }, []],
  ['parallel-all', {}, []],
  ['foreach-ordered', { delays: [5, 1, 3] }, []],
  ['foreach-retry', {}, []],
  ['retry-recovers', {}, []],
  ['sub-parent', {}, []],
  ['approval', {}, ['isolate']],
  ['wait', {}, []],
  ['set-vars', {}, []],
  ['bounded-loop', {}, []],
  ['if-skip', {}, []],
  ['end-failed', {}, []],
];

describe('resume from any commit point', () => {
  it.each(cases)('%s', async (id, inputs, decisions) => {
    const log: { key: string; drafts: JournalDraft[] }[] = [];
    const marks: number[] = [];
    const store = new RecordingStore(log, marks);
    const journal = new RecordingJournal(log);
    const library = new PlaybookLibrary(dir, registry);
    const engine = new LocalEngine({ registry, journal, store, library });
    const runId = await engine.start(id, inputs, null);
    const reference = await finish(engine, runId, decisions);
    const referenceKinds = (await journal.read(runId)).map((e) => `${e.kind} ${e.step ?? ''}`);
    await engine.close();

    expect(store.states.length).toBeGreaterThanOrEqual(1);
    for (let point = 0; point < store.states.length; point++) {
      const crashedStore = new MemoryRunStore();
      for (const text of store.states[point]!.values())
        await crashedStore.saveRun(JSON.parse(text) as RunRecord);
      for (const hash of new Set(
        [...store.states[point]!.values()].map((t) => (JSON.parse(t) as RunRecord).playbook.hash),
      )) {
        await crashedStore.savePlaybook(hash, (await store.loadPlaybook(hash))!);
      }
      for (const approvalId of [`${runId}-ask-1`]) {
        const approval = await store.loadApproval(approvalId);
        const record = JSON.parse(store.states[point]!.get(runId)!) as RunRecord;
        if (approval && record.outbox.some((e) => e.kind === 'approval'))
          await crashedStore.saveApproval({ ...approval, state: 'pending' });
      }
      const crashedJournal = new MemoryJournalStore();
      for (const { key, drafts } of log.slice(0, marks[point]))
        await crashedJournal.append(key, drafts);

      const revived = new LocalEngine({
        registry,
        journal: crashedJournal,
        store: crashedStore,
        library: new PlaybookLibrary(dir, registry),
      });
      await revived.resume(runId);
      const summary = await finish(revived, runId, decisions);
      await revived.close();
      const entries = await crashedJournal.read(runId);
      expect(verifyEntries(entries).ok, `chain after crash at commit ${point}`).toBe(true);
      expect(summary, `outcome after crash at commit ${point}`).toEqual({
        ...reference,
        run: runId,
      });
      const completed = entries.filter((e) => e.kind === 'step.completed').map((e) => e.step);
      expect(completed, `step.completed after crash at commit ${point}`).toEqual(
        referenceKinds
          .filter((k) => k.startsWith('step.completed '))
          .map((k) => k.slice('step.completed '.length)),
      );
    }
  });

  it('round-trips every persisted snapshot through JSON', async () => {
    const log: { key: string; drafts: JournalDraft[] }[] = [];
    const store = new RecordingStore(log, []);
    const engine = new LocalEngine({
      registry,
      journal: new RecordingJournal(log),
      store,
      library: new PlaybookLibrary(dir, registry),
    });
    for (const [id, inputs, decisions] of cases)
      await finish(engine, await engine.start(id, inputs, null), decisions);
    await engine.close();
    for (const state of store.states) {
      for (const text of state.values()) {
        const record = JSON.parse(text) as RunRecord;
        const compiled = compilePlaybook(
          (await store.loadPlaybook(record.playbook.hash))!,
          record.playbook.hash,
        );
        const restored = persistSnapshot(restoreSnapshot(compiled, record.snapshot));
        expect(JSON.parse(JSON.stringify(restored))).toEqual({
          ...record.snapshot,
          status: restored.status,
        });
      }
    }
  });
});
