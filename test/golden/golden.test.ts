import { readdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import { MemoryJournalStore } from '../../src/journal/memory-store.js';
import { verifyEntries } from '../../src/journal/verify.js';
import { expectGolden, type Expected } from './expectations.js';
import { LocalEngine } from '../../src/runtime/local/local-engine.js';
import { MemoryRunStore } from '../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../src/runtime/playbook-library.js';

/**
 * Golden playbooks: each `playbooks/<id>.yaml` with an `expected/<id>.json` is run to the end
 * and must produce the expected status, outputs and journal (kind and step of each entry).
 * UPDATE_GOLDEN=1 writes missing expectations, to be reviewed before committing.
 */
const dir = join(import.meta.dirname, 'playbooks');
const expectedDir = join(import.meta.dirname, 'expected');
const registry = new Registry(builtinIntegrations);
const names = readdirSync(dir)
  .filter((f) => f.endsWith('.yaml'))
  .map((f) => basename(f, '.yaml'));
const withExpectations = names.filter(
  (n) => existsSync(join(expectedDir, `${n}.json`)) || process.env.UPDATE_GOLDEN,
);

let engine: LocalEngine;
let journal: MemoryJournalStore;
beforeAll(() => {
  journal = new MemoryJournalStore();
  engine = new LocalEngine({
    registry,
    journal,
    store: new MemoryRunStore(),
    library: new PlaybookLibrary(dir, registry),
  });
});
afterAll(() => engine.close());

describe('golden playbooks', () => {
  it('every golden playbook has an expectation', () => {
    expect(
      names
        .filter((n) => !withExpectations.includes(n))
        .filter((n) => !['sub-child', 'always-fails'].includes(n)),
    ).toEqual([]);
  });

  it.each(withExpectations)('%s', async (name) => {
    const file = join(expectedDir, `${name}.json`);
    const loaded = existsSync(file)
      ? (JSON.parse(readFileSync(file, 'utf8')) as Partial<Expected>)
      : null;
    const seed = loaded && loaded.journal === undefined ? loaded : null;
    const expected = loaded && !seed ? (loaded as Expected) : null;
    const started = Date.now();
    const plan = expected ?? seed;
    const runId = await engine.start(name, plan?.inputs ?? {}, null);
    await engine.idle();
    for (const decision of plan?.decisions ?? []) {
      const summary = await engine.summary(runId);
      expect(summary.status).toBe('waiting');
      await engine.approve(summary.approvals[0]!.id, decision.option, decision.by);
      await engine.idle();
    }
    if (plan?.sleep_ms) {
      await new Promise((resolve) => setTimeout(resolve, plan.sleep_ms));
      await engine.idle();
    }
    const elapsed = Date.now() - started;
    const summary = await engine.summary(runId);
    const entries = await journal.read(runId);
    expect(verifyEntries(entries).ok).toBe(true);
    const lines = entries.map((e) => (e.step ? `${e.kind} ${e.step}` : e.kind));
    if (!expected) {
      const fresh: Expected = {
        ...(seed ?? {}),
        status: summary.status,
        outputs: summary.outputs,
        ...(summary.error ? { error: summary.error } : {}),
        journal: lines,
      };
      writeFileSync(file, `${JSON.stringify(fresh, null, 2)}\n`);
      return;
    }
    expectGolden(expected, summary, entries);
    if (expected.max_ms) expect(elapsed).toBeLessThan(expected.max_ms);
  });
});
