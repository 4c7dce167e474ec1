import { resolve } from 'node:path';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import { openLocal, registry } from './local-context.js';
import { CliError, printJson } from './output.js';

/** `soar intel lookup <value>`: the verdict on a value and the sources behind it. */
export async function intelLookupCommand(
  value: string,
  options: { dataDir: string; config?: string; json?: boolean },
): Promise<number> {
  const reg = registry();
  const local = await openLocal(
    options.dataDir,
    new PlaybookLibrary(resolve('playbooks'), reg),
    'soar intel lookup',
    {
      registry: reg,
      ...(options.config ? { config: options.config } : {}),
    },
  );
  try {
    const verdict = await local.intel.lookup(value);
    if (options.json) {
      printJson({ value, ...verdict });
      return 0;
    }
    if (!verdict.query) {
      throw new CliError(
        `'${value}' is not an indicator: give an IP, CIDR, domain, URL, e-mail address or MD5/SHA-1/SHA-256 hash`,
      );
    }
    const what = `${verdict.query.type} ${verdict.query.value}`;
    process.stdout.write(
      `${what}: ${verdict.verdict.toUpperCase()}${verdict.tlp ? ` (TLP:${verdict.tlp.toUpperCase()})` : ''}\n`,
    );
    if (verdict.exclusion)
      process.stdout.write(
        `  excluded by intel.exclusions[${verdict.exclusion.index}] ${verdict.exclusion.entry}\n`,
      );
    for (const r of verdict.reasons) {
      const facts = [
        r.confidence !== undefined ? `confidence ${r.confidence}` : null,
        r.tlp ? `TLP:${r.tlp.toUpperCase()}` : null,
        r.valid_until ? `valid until ${r.valid_until}` : null,
        r.stix_id ?? null,
      ].filter((f) => f !== null);
      process.stdout.write(
        `  ${r.feed}/${r.collection}: ${r.indicator.type} ${r.indicator.value} (${r.indicator.matched_by}) ${r.state}${facts.length ? `; ${facts.join(', ')}` : ''}: ${r.why}\n`,
      );
    }
    return 0;
  } finally {
    await local.close();
  }
}
