import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { core } from '../../../integrations/core/index.js';
import { fortigate } from '../../../integrations/fortigate/index.js';
import {
  FortiGateSimulator,
  type SimulatorOptions,
} from '../../../integrations/fortigate/simulator.js';
import { parseConfig } from '../../../src/integration-sdk/config.js';
import type { InstanceContext } from '../../../src/integration-sdk/define.js';
import { HttpClient } from '../../../src/integration-sdk/http.js';
import { Instances } from '../../../src/integration-sdk/instances.js';
import { Registry } from '../../../src/integration-sdk/registry.js';
import type { JournalEntry } from '../../../src/journal/entry.js';
import { FileJournalStore } from '../../../src/journal/file-store.js';
import { createRedactor } from '../../../src/journal/redact.js';
import { LocalEngine, type RunSummary } from '../../../src/runtime/local/local-engine.js';
import { MemoryRunStore } from '../../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../../src/runtime/playbook-library.js';

export const TOKEN = 'fgt-token-5f4dcc3b5aa765d61d8327deb882cf99';
export const USER = { username: 'soar-api', password: 'Pa55-w0rd-for-sessions!' };

export interface FortiGateHarnessOptions {
  simulator?: SimulatorOptions;
  /** 'token' (default) or 'session' (username and password). */
  auth?: 'token' | 'session';
  /** Overrides the credential values the instance resolves. */
  token?: string;
  password?: string;
  settings?: Record<string, unknown>;
  dryRun?: boolean;
}

export interface CommandRun {
  runId: string;
  summary: RunSummary;
  output: Record<string, unknown>;
  entries: JournalEntry[];
  /** The journal file exactly as stored. */
  stored: string;
}

/**
 * A FortiGate simulator, an instance pointing at it (credentials from environment references,
 * as a user configures them) and one local engine with a file journal that redacts as the
 * CLI's does. Only core and fortigate are registered: these tests need no other vendor.
 */
export async function fortigateHarness(options: FortiGateHarnessOptions = {}) {
  const sim = await FortiGateSimulator.start({
    tokens: [TOKEN],
    users: { [USER.username]: USER.password },
    ...options.simulator,
  });
  const dir = await mkdtemp(join(tmpdir(), 'soar-fortigate-'));
  const registry = new Registry([core, fortigate]);
  const settings = { block_group: 'SOAR-Blocklist', ...options.settings };
  const credentials =
    options.auth === 'session'
      ? '{ username: "${env:FGT_USER}", password: "${env:FGT_PASSWORD}" }'
      : '{ token: "${env:FGT_TOKEN}" }';
  const config = [
    'instances:',
    '  fgt-lab:',
    '    integration: fortigate',
    `    url: ${sim.url}`,
    `    credentials: ${credentials}`,
    `    settings: ${JSON.stringify(settings)}`,
    ...(options.dryRun ? ['    dry_run: true'] : []),
    '',
  ].join('\n');
  const parsed = parseConfig('soar.config.yaml', config);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  const instances = new Instances(parsed.config, registry, {
    env: {
      FGT_TOKEN: options.token ?? TOKEN,
      FGT_USER: USER.username,
      FGT_PASSWORD: options.password ?? USER.password,
    },
    readFile: () => '',
  });
  const journalDir = join(dir, 'journal');
  const journal = new FileJournalStore(journalDir, {
    redactor: createRedactor({ secretValues: instances.secretValues() }),
  });
  const engines: LocalEngine[] = [];
  /** A local engine that sees every playbook written so far (the library reads files once). */
  function newEngine(): LocalEngine {
    const engine = new LocalEngine({
      registry,
      journal,
      store: new MemoryRunStore(),
      library: new PlaybookLibrary(dir, registry),
      instances,
    });
    engines.push(engine);
    return engine;
  }
  let count = 0;

  /** Writes a playbook whose one step runs `uses` with `args` passed through inputs (run-time values). */
  async function playbook(
    uses: string,
    args: Record<string, unknown>,
    step: { retry?: number; foreach?: { concurrency: number } } = {},
  ): Promise<string> {
    const id = `p${++count}`;
    const withArgs = Object.fromEntries(
      Object.keys(args).map((k) => [k, `\${{ inputs.args.${k} }}`]),
    );
    const body = step.foreach
      ? [
          '  s:',
          '    type: foreach',
          '    items: "${{ inputs.items }}"',
          `    concurrency: ${step.foreach.concurrency}`,
          '    do:',
          `      uses: ${uses}`,
          `      with: ${JSON.stringify({ ...withArgs, address: '${{ item }}' })}`,
          ...(step.retry ? [`      retry: { max: ${step.retry}, delay: 10ms }`] : []),
        ]
      : [
          '  s:',
          `    uses: ${uses}`,
          `    with: ${JSON.stringify(withArgs)}`,
          ...(step.retry ? [`    retry: { max: ${step.retry}, delay: 10ms }`] : []),
        ];
    const text = [
      `id: ${id}`,
      'name: FortiGate step',
      'inputs:',
      '  args: { type: object }',
      '  items: { type: array, default: [] }',
      'start: s',
      'steps:',
      ...body,
      '    next: done',
      '  done:',
      '    type: end',
      '    outputs: { result: "${{ steps.s.output }}" }',
      '',
    ].join('\n');
    await writeFile(join(dir, `${id}.yaml`), text);
    return id;
  }

  async function collect(engine: LocalEngine, runId: string): Promise<CommandRun> {
    const summary = await engine.summary(runId);
    const entries = await journal.read(runId);
    const stored = await readFile(join(journalDir, `${runId}.jsonl`), 'utf8');
    const output = (summary.outputs.result ?? {}) as Record<string, unknown>;
    return { runId, summary, output, entries, stored };
  }

  return {
    sim,
    newEngine,
    instances,
    playbook,
    collect,
    /** Runs one command as a one-step playbook and reads its journal back. */
    async run(
      command: string,
      args: Record<string, unknown>,
      step: { retry?: number } = {},
    ): Promise<CommandRun> {
      const id = await playbook(`fortigate.${command}`, args, step);
      const engine = newEngine();
      const runId = await engine.start(id, { args }, null);
      await engine.idle();
      return collect(engine, runId);
    },
    /** A command context outside any run, for client-level tests. */
    context(): { http: HttpClient; instance: InstanceContext; signal: AbortSignal } {
      const instance = instances.get('fgt-lab');
      return {
        http: new HttpClient({ baseUrl: sim.url }),
        instance,
        signal: new AbortController().signal,
      };
    },
    async close() {
      for (const engine of engines) await engine.close();
      await journal.close();
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type FortiGateHarness = Awaited<ReturnType<typeof fortigateHarness>>;

export function ofKind(entries: JournalEntry[], kind: string): JournalEntry[] {
  return entries.filter((e) => e.kind === kind);
}

/** The `data` of every evidence entry. */
export function evidenceData(entries: JournalEntry[]): Record<string, unknown>[] {
  return ofKind(entries, 'evidence').map((e) => e.data ?? {});
}
