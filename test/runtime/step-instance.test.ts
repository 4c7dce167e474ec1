import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { parseConfig } from '../../src/integration-sdk/config.js';
import { Instances } from '../../src/integration-sdk/instances.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import { MemoryJournalStore } from '../../src/journal/memory-store.js';
import { LocalEngine } from '../../src/runtime/local/local-engine.js';
import { MemoryRunStore } from '../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../src/runtime/playbook-library.js';

const CONFIG = `instances:
  secdo-eu:
    integration: secdo
    default: true
    url: https://secdo-eu.example.com
    credentials: { apikey: "\${env:KEY}" }
    settings: { company: acme }
  secdo-us:
    integration: secdo
    url: https://secdo-us.example.com
    credentials: { apikey: "\${env:KEY}" }
    settings: { company: acme }
  fw:
    integration: fortigate
    url: https://192.0.2.1
    settings: { block_group: G }
`;

function playbook(instance: string | null): string {
  return `id: pick
name: Pick an instance
start: link
steps:
  link:
    uses: secdo.investigation_link
${instance ? `    instance: ${instance}\n` : ''}    with: { entity: host, attributes: { host_name: ws-1 } }
    next: done
  done:
    type: end
    outputs: { url: '\${{ steps.link.output.url }}' }
`;
}

async function run(instance: string | null) {
  const dir = await mkdtemp(join(tmpdir(), 'soar-instance-'));
  await writeFile(join(dir, 'pick.yaml'), playbook(instance));
  const parsed = parseConfig('soar.config.yaml', CONFIG);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  const registry = new Registry(builtinIntegrations);
  const engine = new LocalEngine({
    registry,
    journal: new MemoryJournalStore(),
    store: new MemoryRunStore(),
    library: new PlaybookLibrary(dir, registry),
    instances: new Instances(parsed.config, registry, {
      env: { KEY: 'k'.repeat(16) },
      readFile: () => '',
    }),
  });
  const id = await engine.start('pick', {}, null);
  await engine.idle();
  const summary = await engine.summary(id);
  await engine.close();
  return summary;
}

describe('a step that names its instance', () => {
  it('runs against that instance', async () => {
    expect((await run('secdo-us')).outputs.url).toMatch(/^https:\/\/secdo-us\.example\.com\//);
  });

  it("runs against the integration's default instance when it names none", async () => {
    expect((await run(null)).outputs.url).toMatch(/^https:\/\/secdo-eu\.example\.com\//);
  });

  it('fails clearly when the instance is missing or of another integration', async () => {
    expect((await run('secdo-jp')).error).toContain("no instance 'secdo-jp' in soar.config.yaml");
    expect((await run('fw')).error).toContain("instance 'fw' is a fortigate instance, not secdo");
  });
});
