import { builtinIntegrations } from '../integrations/index.js';
import { fetchMalopIncidents } from '../integrations/cybereason/fetch-incidents.js';
import { clearSessions } from '../integrations/cybereason/sessions.js';
import {
  SIM_PASSWORD,
  SIM_USER,
  startCybereasonSimulator,
} from '../integrations/cybereason/simulator/server.js';
import type { InstanceContext } from '../src/integration-sdk/define.js';
import { Registry } from '../src/integration-sdk/registry.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import { hookContext } from '../src/runtime/hook-context.js';
import { HttpClients } from '../src/runtime/http-clients.js';
import { LocalEngine } from '../src/runtime/local/local-engine.js';
import { MemoryRunStore } from '../src/runtime/run-store.js';
import { PlaybookLibrary } from '../src/runtime/playbook-library.js';

/**
 * Malop fetch → incident creation for 10,000 simulated malops (paged from the simulator over
 * loopback). Baseline, same run: the fetch alone; the ratio shows what incident creation and
 * journaling add. Prints one JSON object.
 */
const MALOPS = Number(process.env.BENCH_MALOPS ?? 10_000);

async function main() {
  const sim = await startCybereasonSimulator({ generate: MALOPS, seed: 7 });
  const clients = new HttpClients();
  const instance: InstanceContext = {
    id: 'bench',
    url: sim.url,
    credentials: { username: SIM_USER, password: SIM_PASSWORD },
    settings: {},
    timeoutMs: 60_000,
    tls: { verify: true },
    dryRun: false,
  };
  const ctx = hookContext(instance, clients, 10 * 60_000);
  try {
    const since = String(Date.now() - 365 * 24 * 60 * 60 * 1000);
    const fetchStart = performance.now();
    const fetched = await fetchMalopIncidents(ctx, since);
    const fetchSeconds = (performance.now() - fetchStart) / 1000;

    const registry = new Registry(builtinIntegrations);
    const engine = new LocalEngine({
      registry,
      journal: new MemoryJournalStore(),
      store: new MemoryRunStore(),
      library: new PlaybookLibrary(process.cwd(), registry),
    });
    const ingestStart = performance.now();
    const again = await fetchMalopIncidents(ctx, since);
    for (const incident of again.incidents)
      await engine.ingest('cybereason', incident, 'instance:bench');
    const totalSeconds = (performance.now() - ingestStart) / 1000;
    const refetchStart = performance.now();
    let unchanged = 0;
    for (const incident of again.incidents) {
      if ((await engine.ingest('cybereason', incident, 'instance:bench')).outcome === 'unchanged')
        unchanged++;
    }
    const dedupSeconds = (performance.now() - refetchStart) / 1000;
    await engine.close();
    const result = {
      bench: 'cybereason-fetch',
      malops: fetched.incidents.length,
      page_size: 500,
      baseline_fetch_only_malops_per_s: Math.round(fetched.incidents.length / fetchSeconds),
      fetch_and_create_incidents_per_s: Math.round(again.incidents.length / totalSeconds),
      create_vs_fetch_only: Math.round((fetchSeconds / totalSeconds) * 1000) / 1000,
      refetch_dedup_per_s: Math.round(again.incidents.length / dedupSeconds),
      refetch_unchanged: unchanged,
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await clients.close();
    clearSessions();
    await sim.close();
  }
}

await main();
