import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { core } from '../../../integrations/core/index.js';
import { secdo } from '../../../integrations/secdo/index.js';
import {
  SecdoSimulator,
  type SecdoSimulatorOptions,
} from '../../../integrations/secdo/simulator.js';
import { parseConfig } from '../../../src/integration-sdk/config.js';
import { Instances } from '../../../src/integration-sdk/instances.js';
import { Registry } from '../../../src/integration-sdk/registry.js';
import type { JournalEntry } from '../../../src/journal/entry.js';
import { FileJournalStore } from '../../../src/journal/file-store.js';
import { createRedactor } from '../../../src/journal/redact.js';
import { LocalEngine, type RunSummary } from '../../../src/runtime/local/local-engine.js';
import { MemoryRunStore } from '../../../src/runtime/run-store.js';
import { PlaybookLibrary } from '../../../src/runtime/playbook-library.js';

export interface StepRun {
  summary: RunSummary;
  /** The step's output (the run's `result` output) when the run completed. */
  output: Record<string, unknown>;
  entries: JournalEntry[];
  /** The journal file exactly as stored on disk. */
  stored: string;
}

export interface StepOptions {
  /** Pass every argument through `${{ inputs.args.<name> }}`, so only run-time checks apply. */
  dynamic?: boolean;
  retry?: number;
  timeout?: string;
}

/**
 * A SECDO simulator and an instance pointing at it (key from an environment reference, as a
 * user would configure it), with a file journal that redacts as the CLI's does.
 */
export async function secdoHarness(
  options: {
    simulator?: SecdoSimulatorOptions;
    /** The key the instance sends; default the simulator's. */
    apikey?: string;
    company?: string;
    dryRun?: boolean;
    timeout?: string;
    /** false: a journal that knows no secret values, to show the integration leaks none. */
    redactSecrets?: boolean;
  } = {},
) {
  const sim = await SecdoSimulator.start(options.simulator);
  const dir = await mkdtemp(join(tmpdir(), 'soar-secdo-'));
  // Only core and secdo: these tests do not depend on the other vendors' folders.
  const registry = new Registry([core, secdo]);
  const config = [
    'instances:',
    '  secdo-lab:',
    '    integration: secdo',
    `    url: ${sim.url}`,
    '    credentials: { apikey: "${env:SECDO_APIKEY}" }',
    `    settings: { company: ${JSON.stringify(options.company ?? sim.company)} }`,
    ...(options.dryRun ? ['    dry_run: true'] : []),
    ...(options.timeout ? [`    timeout: ${options.timeout}`] : []),
    '',
  ].join('\n');
  const parsed = parseConfig('soar.config.yaml', config);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.diagnostics));
  const apikey = options.apikey ?? sim.apikey;
  const instances = new Instances(parsed.config, registry, {
    env: { SECDO_APIKEY: apikey },
    readFile: () => '',
  });
  const secretValues = options.redactSecrets === false ? [] : instances.secretValues();
  const journalDir = join(dir, 'journal');
  let count = 0;

  return {
    sim,
    apikey,
    instances,
    registry,
    /** Runs one `uses` step with `args` in a fresh engine and reads its journal back. */
    async step(uses: string, args: Record<string, unknown>, opts: StepOptions = {}) {
      const id = `p${++count}`;
      const withArgs = opts.dynamic
        ? Object.fromEntries(Object.keys(args).map((k) => [k, `\${{ inputs.args.${k} }}`]))
        : args;
      const playbook = [
        `id: ${id}`,
        'name: SECDO step',
        ...(opts.dynamic ? ['inputs:', '  args: { type: object }'] : []),
        'start: s',
        'steps:',
        '  s:',
        `    uses: ${uses}`,
        `    with: ${JSON.stringify(withArgs)}`,
        ...(opts.retry ? [`    retry: { max: ${opts.retry}, delay: 10ms }`] : []),
        ...(opts.timeout ? [`    timeout: ${opts.timeout}`] : []),
        '    next: done',
        '  done:',
        '    type: end',
        '    outputs: { result: "${{ steps.s.output }}" }',
        '',
      ].join('\n');
      await writeFile(join(dir, `${id}.yaml`), playbook);
      const journal = new FileJournalStore(journalDir, {
        redactor: createRedactor({ secretValues }),
      });
      const engine = new LocalEngine({
        registry,
        journal,
        store: new MemoryRunStore(),
        library: new PlaybookLibrary(dir, registry),
        instances,
      });
      const runId = await engine.start(id, opts.dynamic ? { args } : {}, null);
      await engine.idle();
      const summary = await engine.summary(runId);
      await engine.close();
      await journal.close();
      const entries = await new FileJournalStore(journalDir).read(runId);
      const stored = await readFile(join(journalDir, `${runId}.jsonl`), 'utf8');
      const output = (summary.outputs.result ?? {}) as Record<string, unknown>;
      return { summary, output, entries, stored } satisfies StepRun;
    },
    async close() {
      await sim.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export type SecdoHarness = Awaited<ReturnType<typeof secdoHarness>>;

export function ofKind(entries: JournalEntry[], kind: string): JournalEntry[] {
  return entries.filter((e) => e.kind === kind);
}
