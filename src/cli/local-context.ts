import { join, resolve } from 'node:path';
import { builtinIntegrations } from '../../integrations/index.js';
import { FileJournalStore } from '../journal/file-store.js';
import { Registry } from '../integration-sdk/registry.js';
import { LocalEngine } from '../runtime/local/local-engine.js';
import { DataDirLock } from '../runtime/local/data-dir-lock.js';
import { FileRunStore } from '../runtime/local/file-run-store.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';

export const DEFAULT_DATA_DIR = '.soar';

export function registry(): Registry {
  return new Registry(builtinIntegrations);
}

/** The embedded default: state and journal as files under the data dir, which this process locks. */
export async function openLocal(
  dataDir: string,
  library: PlaybookLibrary | null,
  what: string,
  reg = registry(),
) {
  const dir = resolve(dataDir);
  const lock = await DataDirLock.acquire(dir, what);
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
      await lock.release();
    },
  };
}
