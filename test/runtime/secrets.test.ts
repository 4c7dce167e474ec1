import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { parseConfig } from '../../src/integration-sdk/config.js';
import { defineCommand, defineIntegration } from '../../src/integration-sdk/define.js';
import { Instances } from '../../src/integration-sdk/instances.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import { FileJournalStore } from '../../src/journal/file-store.js';
import { createRedactor } from '../../src/journal/redact.js';
import { renderReport } from '../../src/journal/report.js';
import type { CommandLogLine } from '../../src/runtime/executor.js';
import { LocalEngine } from '../../src/runtime/local/local-engine.js';
import { FileRunStore } from '../../src/runtime/local/file-run-store.js';
import { PlaybookLibrary } from '../../src/runtime/playbook-library.js';

const SECRET = 'sk-live-0123456789abcdef';

/** A careless integration that echoes its credential everywhere it can. */
const leaky = defineIntegration({
  id: 'leaky',
  title: 'Leaky',
  description: 'puts its token in outputs, notes and evidence',
  instance: { credentials: ['token'] },
  commands: [
    defineCommand({
      name: 'call',
      title: 'Call',
      description: '',
      input: Type.Object({}),
      output: Type.Object({}, { additionalProperties: true }),
      run: (ctx) => {
        const token = ctx.instance.credentials.token!;
        ctx.note(`called with Bearer ${token}`, { header: `Authorization: Bearer ${token}` });
        ctx.log.warn(`retrying with token ${token}`, { token });
        ctx.evidence('found a link', [
          { type: 'url', value: `https://vendor.example/x?session=${token}` },
        ]);
        return Promise.resolve({ echoed: token, nested: { list: [`t=${token}`] } });
      },
    }),
  ],
});

describe('secrets', () => {
  it('never reach the stored journal, the run state or a report', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'soar-secret-'));
    await writeFile(
      join(dir, 'p.yaml'),
      'id: p\nname: P\nstart: a\nsteps:\n  a:\n    uses: leaky.call\n    next: b\n  b:\n    type: end\n    outputs: { got: "${{ steps.a.output.echoed }}" }\n',
    );
    const registry = new Registry([...builtinIntegrations, leaky]);
    const parsed = parseConfig(
      'c.yaml',
      'instances:\n  leaky1:\n    integration: leaky\n    credentials: { token: "${env:LEAKY_TOKEN}" }\n',
    );
    if (!parsed.ok) throw new Error('config');
    const instances = new Instances(parsed.config, registry, {
      env: { LEAKY_TOKEN: SECRET },
      readFile: () => '',
    });
    const data = join(dir, 'data');
    const journal = new FileJournalStore(join(data, 'journal'), {
      redactor: createRedactor({ secretValues: instances.secretValues() }),
    });
    const logged: CommandLogLine[] = [];
    const redactor = createRedactor({ secretValues: instances.secretValues() });
    const engine = new LocalEngine({
      registry,
      journal,
      store: new FileRunStore(data),
      library: new PlaybookLibrary(dir, registry),
      instances,
      redact: (v) => redactor.redact(v),
      log: (line) => logged.push(line),
    });
    const runId = await engine.start('p', {}, null);
    await engine.idle();
    await engine.close();
    await journal.close();
    const text = await readFile(join(data, 'journal', `${runId}.jsonl`), 'utf8');
    expect(text).toContain('[REDACTED]');
    expect(text).not.toContain(SECRET);
    const entries = await new FileJournalStore(join(data, 'journal')).read(runId);
    for (const format of ['md', 'html', 'json'] as const)
      expect(renderReport(entries, format)).not.toContain(SECRET);
    // Command log lines reach the log, redacted.
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'warn', uses: 'leaky.call', step: 'a' });
    expect(JSON.stringify(logged)).not.toContain(SECRET);
    // What the CLI prints of the run is redacted the same way.
    expect(JSON.stringify(await engine.summary(runId))).not.toContain(SECRET);
  });
});
