import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinIntegrations } from '../../integrations/index.js';
import { MemoryJournalStore } from '../../src/journal/memory-store.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import { LocalEngine } from '../../src/runtime/local/local-engine.js';
import { MemoryRunStore } from '../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../src/runtime/playbook-library.js';

/** A local engine over a temp directory of playbooks, with in-memory state and journal. */
export async function engineWith(playbooks: Record<string, string>) {
  const dir = await mkdtemp(join(tmpdir(), 'soar-pb-'));
  for (const [name, text] of Object.entries(playbooks))
    await writeFile(join(dir, `${name}.yaml`), text);
  const registry = new Registry(builtinIntegrations);
  const journal = new MemoryJournalStore();
  const store = new MemoryRunStore();
  const library = new PlaybookLibrary(dir, registry);
  const engine = new LocalEngine({ registry, journal, store, library });
  return {
    engine,
    journal,
    store,
    library,
    async run(id: string, inputs: Record<string, unknown> = {}) {
      const runId = await engine.start(id, inputs, null);
      await engine.idle();
      const summary = await engine.summary(runId);
      const entries = await journal.read(runId);
      return { runId, summary, entries, kinds: entries.map((e) => e.kind) };
    },
    async cleanup() {
      await engine.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
