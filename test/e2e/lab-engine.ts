import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { openLocal, registry } from '../../src/cli/local-context.js';
import { startLab, type LabOptions } from '../../src/demo/lab.js';
import { journalPath } from '../../src/journal/file-store.js';
import { verifyJournalText } from '../../src/journal/verify.js';
import { fetchIncidentsOnce } from '../../src/runtime/fetch-incidents.js';
import { pollFeed } from '../../src/intel/feed-poll.js';
import { hookContext } from '../../src/runtime/hook-context.js';
import { HttpClients } from '../../src/runtime/http-clients.js';
import { PlaybookLibrary } from '../../src/runtime/playbook-library.js';

/**
 * The shipped playbooks (playbooks/) on a local engine with file state and journal, as the
 * CLI opens it, against the vendor lab: one instance per simulator, credentials from the
 * environment.
 */
export async function labEngine(options: LabOptions = {}) {
  const lab = await startLab(options);
  const dir = await mkdtemp(join(tmpdir(), 'soar-e2e-'));
  const config = join(dir, 'soar.config.yaml');
  await writeFile(config, lab.config);
  Object.assign(process.env, lab.env);
  const reg = registry();
  const library = new PlaybookLibrary(resolve('playbooks'), reg);
  const local = await openLocal(join(dir, 'data'), library, 'e2e test', { registry: reg, config });
  const clients = new HttpClients();
  const journalDir = join(dir, 'data', 'journal');
  return {
    lab,
    engine: local.engine,
    local,
    /** One fetch of the cybereason instance, as `soar fetch cybereason` does it. */
    fetch() {
      const cybereason = reg.list().find((i) => i.id === 'cybereason')!;
      return fetchIncidentsOnce(
        { engine: local.engine, store: local.store, library, instances: local.instances, clients },
        cybereason,
        'cybereason',
      );
    },
    /** One poll of a feed instance into the data dir's indicator store. */
    pollFeed(instance: string) {
      const taxii = reg.list().find((i) => i.id === 'taxii')!;
      return pollFeed(
        hookContext(local.instances.get(instance), clients, 60_000, local.intel),
        taxii,
      );
    },
    /** The journal as stored, and its verification. */
    async journal(key: string) {
      const text = await readFile(journalPath(journalDir, key), 'utf8');
      return {
        text,
        verification: verifyJournalText(text),
        entries: await local.journal.read(key),
      };
    },
    /** Every secret the lab's instances resolve to. */
    secrets: Object.values(lab.env).filter((v) => v.length >= 8),
    async close() {
      await clients.close();
      await local.close();
      await lab.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type LabEngine = Awaited<ReturnType<typeof labEngine>>;
