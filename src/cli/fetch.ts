import { resolve } from 'node:path';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { hookContext } from '../runtime/hook-context.js';
import { HttpClients } from '../runtime/http-clients.js';
import { instances, openLocal, registry } from './local-context.js';
import { CliError, printJson } from './output.js';

/** A fetch of 100,000 malops takes well under a minute; ten is a generous bound. */
const FETCH_TIMEOUT_MS = 10 * 60_000;

export interface FetchOptions {
  dataDir: string;
  config?: string;
  playbooks: string;
  json?: boolean;
}

/**
 * `soar fetch <instance>`: pulls the vendor's new incidents since the instance's watermark,
 * creates or updates incidents (a record's key dedups it), and starts the playbooks whose
 * trigger names each new incident's type. The watermark moves only after every incident is in.
 */
export async function fetchCommand(instanceId: string, options: FetchOptions): Promise<number> {
  const reg = registry();
  const configured = await instances(options.config, reg);
  const summary = configured.list().find((i) => i.id === instanceId);
  if (!summary) throw new CliError(`no instance '${instanceId}': see soar integrations list`);
  const integration = reg.list().find((i) => i.id === summary.integration);
  if (!integration?.fetchIncidents) {
    throw new CliError(`'${summary.integration}' does not fetch incidents`);
  }
  const library = new PlaybookLibrary(resolve(options.playbooks), reg);
  const local = await openLocal(options.dataDir, library, 'soar fetch', {
    registry: reg,
    ...(options.config ? { config: options.config } : {}),
  });
  const clients = new HttpClients();
  try {
    const instance = configured.get(instanceId);
    const since = await local.store.loadWatermark(instanceId);
    const fetched = await integration.fetchIncidents(
      hookContext(instance, clients, FETCH_TIMEOUT_MS),
      since,
    );
    const counts = { created: 0, updated: 0, unchanged: 0 };
    const runs: { run: string; incident: string; playbook: string }[] = [];
    for (const record of fetched.incidents) {
      const { incident, outcome } = await local.engine.ingest(
        integration.id,
        record,
        `instance:${instanceId}`,
      );
      counts[outcome]++;
      if (outcome !== 'created') continue;
      for (const playbook of await library.playbooksFor(incident.type)) {
        runs.push({
          run: await local.engine.start(playbook, {}, incident),
          incident: incident.id,
          playbook,
        });
      }
    }
    await local.engine.idle();
    if (fetched.watermark !== null) await local.store.saveWatermark(instanceId, fetched.watermark);
    const statuses = await Promise.all(
      runs.map(async (r) => ({ ...r, status: (await local.engine.summary(r.run)).status })),
    );
    const result = {
      instance: instanceId,
      since,
      watermark: fetched.watermark ?? since,
      fetched: fetched.incidents.length,
      ...counts,
      runs: statuses,
    };
    if (options.json) printJson(result);
    else {
      process.stdout.write(
        `${instanceId}: ${result.fetched} fetched, ${counts.created} new, ${counts.updated} updated, ${counts.unchanged} unchanged; ${runs.length} run(s) started\n`,
      );
      for (const r of statuses)
        process.stdout.write(`  ${r.incident} → ${r.playbook}: ${r.run} ${r.status}\n`);
    }
    return 0;
  } finally {
    await clients.close();
    await local.close();
  }
}
