import { join, resolve } from 'node:path';
import { builtinIntegrations } from '../../integrations/index.js';
import { FileJournalStore } from '../journal/file-store.js';
import { createRedactor } from '../journal/redact.js';
import { Instances } from '../integration-sdk/instances.js';
import { Registry } from '../integration-sdk/registry.js';
import { loadConfig } from '../runtime/config-file.js';
import { DataDirLock } from '../runtime/local/data-dir-lock.js';
import { FileRunStore } from '../runtime/local/file-run-store.js';
import { LocalEngine } from '../runtime/local/local-engine.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';

export const DEFAULT_DATA_DIR = '.soar';

export function registry(): Registry {
  return new Registry(builtinIntegrations);
}

/** The configured integration instances (soar.config.yaml, or --config). */
export async function instances(
  configFile: string | undefined,
  reg = registry(),
): Promise<Instances> {
  const { config } = await loadConfig(configFile);
  return new Instances(config, reg);
}

/**
 * The embedded default: state and journal as files under the data dir, which this process
 * locks. The journal redacts every credential value the configured instances resolve to.
 */
export async function openLocal(
  dataDir: string,
  library: PlaybookLibrary | null,
  what: string,
  options: { registry?: Registry; config?: string } = {},
) {
  const reg = options.registry ?? registry();
  const configured = await instances(options.config, reg);
  const dir = resolve(dataDir);
  const lock = await DataDirLock.acquire(dir, what);
  const redactor = createRedactor({ secretValues: configured.secretValues() });
  const journal = new FileJournalStore(join(dir, 'journal'), { redactor });
  const store = new FileRunStore(dir);
  const engine = new LocalEngine({
    registry: reg,
    journal,
    store,
    instances: configured,
    redact: (value) => redactor.redact(value),
    // Diagnostics go to stderr, so `--json` output on stdout stays one object.
    log: (line) =>
      process.stderr.write(
        `${line.level}: ${line.uses} (run ${line.run}, step ${line.step}): ${line.message}${line.data ? ` ${JSON.stringify(line.data)}` : ''}\n`,
      ),
    library: library ?? new PlaybookLibrary(resolve('playbooks'), reg),
  });
  return {
    dir,
    journal,
    store,
    engine,
    instances: configured,
    async close() {
      await engine.close();
      await journal.close();
      await lock.release();
    },
  };
}
