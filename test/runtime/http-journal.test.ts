import { createServer, type Server } from 'node:http';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Type } from '@sinclair/typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { parseConfig } from '../../src/integration-sdk/config.js';
import { defineCommand, defineIntegration } from '../../src/integration-sdk/define.js';
import { Instances } from '../../src/integration-sdk/instances.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import { createRedactor } from '../../src/journal/redact.js';
import { MemoryJournalStore } from '../../src/journal/memory-store.js';
import { LocalEngine } from '../../src/runtime/local/local-engine.js';
import { MemoryRunStore } from '../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../src/runtime/playbook-library.js';

const TOKEN = 'api-token-9f8e7d6c5b4a';

/** A vendor whose lookup calls GET /lookup?ip=…&token=… and whose status endpoint fails with 503 first. */
const vendor = defineIntegration({
  id: 'vendor',
  title: 'Vendor',
  description: 'test vendor over HTTP',
  instance: { url: true, credentials: ['token'] },
  commands: [
    defineCommand({
      name: 'lookup',
      title: 'Lookup',
      description: '',
      input: Type.Object({ ip: Type.String() }),
      output: Type.Object({ score: Type.Number() }),
      run: async (ctx, input) => {
        const response = await ctx.http.request<{ score: number }>({
          path: '/lookup',
          query: { ip: input.ip, token: ctx.instance.credentials.token },
          signal: ctx.signal,
        });
        return { score: response.body.score };
      },
    }),
  ],
});

let server: Server | null = null;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

async function start(handler: Parameters<typeof createServer>[1]): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const address = server.address() as { port: number };
  return `http://127.0.0.1:${address.port}`;
}

describe('vendor HTTP calls in a run', () => {
  it('are journaled as request entries without secrets, and a 503 retries', async () => {
    let calls = 0;
    const url = await start((req, res) => {
      calls++;
      if (calls === 1) {
        res
          .writeHead(503, { 'content-type': 'application/json', 'retry-after': '0' })
          .end('{"error":"busy"}');
        return;
      }
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ score: 87, echo: req.url }));
    });
    const dir = await mkdtemp(join(tmpdir(), 'soar-http-'));
    await writeFile(
      join(dir, 'p.yaml'),
      'id: p\nname: P\nstart: look\nsteps:\n  look:\n    uses: vendor.lookup\n    with: { ip: 203.0.113.5 }\n    retry: { max: 2, delay: 10ms }\n    next: done\n  done:\n    type: end\n    outputs: { score: "${{ steps.look.output.score }}" }\n',
    );
    const registry = new Registry([...builtinIntegrations, vendor]);
    const parsed = parseConfig(
      'c.yaml',
      `instances:\n  v1:\n    integration: vendor\n    url: ${url}\n    credentials: { token: "\${env:VENDOR_TOKEN}" }\n`,
    );
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
    const instances = new Instances(parsed.config, registry, {
      env: { VENDOR_TOKEN: TOKEN },
      readFile: () => '',
    });
    const journal = new MemoryJournalStore({
      redactor: createRedactor({ secretValues: instances.secretValues() }),
    });
    const engine = new LocalEngine({
      registry,
      journal,
      store: new MemoryRunStore(),
      library: new PlaybookLibrary(dir, registry),
      instances,
    });
    const runId = await engine.start('p', {}, null);
    await engine.idle();
    expect(await engine.summary(runId)).toMatchObject({
      status: 'completed',
      outputs: { score: 87 },
    });
    await engine.close();
    const entries = await journal.read(runId);
    const requests = entries.filter((e) => e.kind === 'request');
    expect(requests.map((e) => (e.data as { http: { status: number } }).http.status)).toEqual([
      503, 200,
    ]);
    expect(requests[1]!.summary).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/lookup\?ip=203\.0\.113\.5&token=\[REDACTED\] → 200 \(\d+ ms\)$/,
    );
    expect(entries.map((e) => e.kind)).toContain('step.retried');
    expect(JSON.stringify(entries)).not.toContain(TOKEN);
  });
});
