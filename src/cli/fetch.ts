import { resolve } from 'node:path';
import { fetchIncidentsOnce } from '../runtime/fetch-incidents.js';
import { HttpClients } from '../runtime/http-clients.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { instances, openLocal, registry } from './local-context.js';
import { CliError, printJson } from './output.js';

export interface FetchOptions {
  dataDir: string;
  config?: string;
  playbooks: string;
  json?: boolean;
}

/** `soar fetch <instance>`: one fetch of an instance's new incidents, their playbooks started. */
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
    const result = await fetchIncidentsOnce(
      { engine: local.engine, store: local.store, library, instances: configured, clients },
      integration,
      instanceId,
    );
    if (options.json) printJson(result);
    else {
      process.stdout.write(
        `${instanceId}: ${result.fetched} fetched, ${result.created} new, ${result.updated} updated, ${result.unchanged} unchanged; ${result.runs.length} run(s) started\n`,
      );
      for (const r of result.runs)
        process.stdout.write(`  ${r.incident} → ${r.playbook}: ${r.run} ${r.status}\n`);
    }
    return 0;
  } finally {
    await clients.close();
    await local.close();
  }
}
