import { join, resolve } from 'node:path';
import { builtinIntegrations } from '../../integrations/index.js';
import { FileJournalStore } from '../journal/file-store.js';
import { Registry } from '../integration-sdk/registry.js';
import { LocalEngine } from '../runtime/local/local-engine.js';
import { FileRunStore } from '../runtime/local/file-run-store.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';

export const DEFAULT_DATA_DIR = '.soar';

export function registry(): Registry {
  return new Registry(builtinIntegrations);
}

/** The embedded default: state and journal as files under the data dir. */
export function openLocal(dataDir: string, library: PlaybookLibrary | null, reg = registry()) {
  const dir = resolve(dataDir);
  const journal = new FileJournalStore(join(dir, 'journal'));
  const store = new FileRunStore(dir);
  const engine = new LocalEngine({
    registry: reg,
    journal,
    store,
    library: library ?? new PlaybookLibrary(resolve('playbooks'), reg),
  });
  return {
    dir,
    journal,
    store,
    engine,
    async close() {
      await engine.close();
      await journal.close();
    },
  };
}
