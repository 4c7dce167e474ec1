import { join, resolve } from 'node:path';
import { builtinIntegrations } from '../../integrations/index.js';
import { FileJournalStore } from '../journal/file-store.js';
import { createRedactor } from '../journal/redact.js';
import { Instances } from '../integration-sdk/instances.js';
import { Registry } from '../integration-sdk/registry.js';
import { ExclusionList } from '../intel/exclusions.js';
import { LocalIndicatorStore } from '../intel/local-store.js';
import { IntelService } from '../intel/service.js';
import type { SoarConfig } from '../integration-sdk/config.js';
import { parseDuration } from '../playbook/duration.js';
import { loadConfig } from '../runtime/config-file.js';
import type { CommandLogLine } from '../runtime/executor.js';
import { CliError } from './output.js';
import { DataDirLock } from '../runtime/local/data-dir-lock.js';
import { FileRunStore } from '../runtime/local/file-run-store.js';
import { LocalEngine } from '../runtime/local/local-engine.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';

export const DEFAULT_DATA_DIR = '.soar';

/** Commands' diagnostics go to stderr, so `--json` output on stdout stays one object. */
export function writeCommandLog(line: CommandLogLine): void {
  process.stderr.write(
    `${line.level}: ${line.uses} (run ${line.run}, step ${line.step}): ${line.message}${line.data ? ` ${JSON.stringify(line.data)}` : ''}\n`,
  );
}

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
  options: { registry?: Registry; config?: string; secrets?: string[] } = {},
) {
  const reg = options.registry ?? registry();
  const { config } = await loadConfig(options.config);
  const configured = new Instances(config, reg);
  const exclusions = exclusionsOf(config);
  const dir = resolve(dataDir);
  const lock = await DataDirLock.acquire(dir, what);
  const redactor = createRedactor({
    secretValues: [...configured.secretValues(), ...(options.secrets ?? [])],
  });
  const journal = new FileJournalStore(join(dir, 'journal'), { redactor });
  const store = new FileRunStore(dir);
  const intel = new IntelService({
    openStore: () => LocalIndicatorStore.open(dir),
    exclusions,
    watermarks: {
      load: (feed) => store.loadWatermark(feed),
      save: (feed, watermark) => store.saveWatermark(feed, watermark),
    },
    ...feedExpiry(config),
  });
  const engine = new LocalEngine({
    registry: reg,
    journal,
    store,
    instances: configured,
    redact: (value) => redactor.redact(value),
    log: writeCommandLog,
    library: library ?? new PlaybookLibrary(resolve('playbooks'), reg),
    intel,
  });
  return {
    dir,
    journal,
    store,
    engine,
    instances: configured,
    intel,
    async close() {
      await engine.close();
      await intel.close();
      await journal.close();
      await lock.release();
    },
  };
}

/** `intel.exclusions`, checked: a bad entry is named with its position. */
export function exclusionsOf(config: SoarConfig): ExclusionList {
  try {
    return ExclusionList.build(config.intel?.exclusions ?? [], 'intel.exclusions');
  } catch (error) {
    throw new CliError(`soar.config.yaml: ${(error as Error).message}`);
  }
}

const DEFAULT_FEED_EXPIRY = '30d';

/** Per-feed expiry (a feed instance's settings.expiry) and the default (intel.expiry). */
export function feedExpiry(config: SoarConfig): {
  expiryByFeed: Record<string, number>;
  defaultExpiryMs: number;
} {
  const expiryByFeed: Record<string, number> = {};
  for (const [id, instance] of Object.entries(config.instances ?? {})) {
    const expiry = instance.settings?.expiry;
    if (typeof expiry === 'string' && /^[0-9]+(ms|s|m|h|d)$/.test(expiry))
      expiryByFeed[id] = parseDuration(expiry);
  }
  return {
    expiryByFeed,
    defaultExpiryMs: parseDuration(config.intel?.expiry ?? DEFAULT_FEED_EXPIRY),
  };
}
