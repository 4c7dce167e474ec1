import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import { FileJournalStore } from '../../src/journal/file-store.js';
import { verifyEntries } from '../../src/journal/verify.js';
import { FileRunStore } from '../../src/runtime/local/file-run-store.js';
import { LocalEngine } from '../../src/runtime/local/local-engine.js';
import type { RunRecord } from '../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../src/runtime/playbook-library.js';
import { echoChain } from '../../bench/generate.js';

const registry = new Registry(builtinIntegrations);

async function setup(text: string, checkpointEvery: number) {
  const dir = await mkdtemp(join(tmpdir(), 'soar-log-'));
  await writeFile(join(dir, 'p.yaml'), text);
  const data = join(dir, 'data');
  const open = () => {
    const journal = new FileJournalStore(join(data, 'journal'));
    const engine = new LocalEngine({
      registry,
      journal,
      store: new FileRunStore(data, checkpointEvery),
      library: new PlaybookLibrary(dir, registry),
    });
    return { engine, journal };
  };
  return { dir, data, open };
}

describe('the run log', () => {
  it('appends events between checkpoints instead of rewriting the run', async () => {
    const { data, open } = await setup(echoChain(40, 'p'), 16);
    const { engine, journal } = open();
    const runId = await engine.start('p', {}, null);
    await engine.idle();
    expect(await engine.summary(runId)).toMatchObject({
      status: 'completed',
      outputs: { last: 39 },
    });
    await engine.close();
    await journal.close();
    // The finished run is one checkpoint; its log was folded into it.
    expect((await readdir(join(data, 'runs'))).sort()).toEqual([`${runId}.json`]);
    expect(
      (JSON.parse(await readFile(join(data, 'runs', `${runId}.json`), 'utf8')) as RunRecord)
        .version,
    ).toBe(41);
  });

  it('rebuilds a run from its checkpoint and log in a new process, and finishes it', async () => {
    const slowStep = `id: p
name: P
start: s0
steps:
${Array.from({ length: 10 }, (_, i) => `  s${i}:\n    uses: core.echo\n    with: { n: ${i} }\n    next: s${i + 1}\n`).join('')}  s10:
    uses: core.sleep
    with: { ms: 400 }
    next: done
  done:
    type: end
    outputs: { last: "\${{ steps.s9.output.n }}" }
`;
    const { data, open } = await setup(slowStep, 4);
    const first = open();
    const runId = await first.engine.start('p', {}, null);
    // While s10 sleeps, read the data dir as a crashed process would have left it.
    await new Promise((resolve) => setTimeout(resolve, 150));
    const live = await first.engine.record(runId);
    const files = await readdir(join(data, 'runs'));
    expect(files).toContain(`${runId}.log`);
    expect((await stat(join(data, 'runs', `${runId}.log`))).size).toBeGreaterThan(0);

    const second = open();
    const rebuilt = await second.engine.record(runId);
    expect(rebuilt.version).toBe(live.version);
    expect(rebuilt.snapshot).toEqual(JSON.parse(JSON.stringify(live.snapshot)));
    expect(rebuilt.outbox).toEqual(live.outbox);

    // The first process "dies": the second resumes and completes the run once.
    await first.engine.close();
    await second.engine.resume(runId);
    await second.engine.idle();
    expect(await second.engine.summary(runId)).toMatchObject({
      status: 'completed',
      outputs: { last: 9 },
    });
    await second.engine.close();
    await second.journal.close();
    await first.journal.close();
    const entries = await new FileJournalStore(join(data, 'journal')).read(runId);
    expect(verifyEntries(entries).ok).toBe(true);
    const completed = entries.filter((e) => e.kind === 'step.completed').map((e) => e.step);
    expect(completed).toEqual([...Array.from({ length: 11 }, (_, i) => `s${i}`), 'done']);
  });

  it('ignores a torn last line and log entries a checkpoint already holds', async () => {
    const { data } = await setup(echoChain(3, 'p'), 64);
    const store = new FileRunStore(data, 64);
    const record = { id: 'run-x', version: 5 } as RunRecord;
    await store.saveRun({ ...record, status: 'waiting' });
    await writeFile(
      join(data, 'runs', 'run-x.log'),
      [4, 5, 6, 7]
        .map((version) =>
          JSON.stringify({ version, at: 'now', event: { type: 'TIMER' }, extra: [] }),
        )
        .join('\n') + '\n{"version": 8, "at": "no',
    );
    expect((await store.loadTail('run-x')).map((e) => e.version)).toEqual([6, 7]);
  });
});
