import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseDocument } from 'yaml';
import { builtinIntegrations } from '../integrations/index.js';
import { echo } from '../integrations/core/echo.js';
import { Registry } from '../src/integration-sdk/registry.js';
import type { CommandContext } from '../src/integration-sdk/define.js';
import { FileJournalStore } from '../src/journal/file-store.js';
import { MemoryJournalStore } from '../src/journal/memory-store.js';
import type { JournalStore } from '../src/journal/store.js';
import { compilePlaybook } from '../src/playbook/compile.js';
import { validatePlaybook } from '../src/playbook/validate.js';
import { FileRunStore } from '../src/runtime/local/file-run-store.js';
import { LocalEngine } from '../src/runtime/local/local-engine.js';
import { MemoryRunStore, type RunStore } from '../src/runtime/local/run-store.js';
import { PlaybookLibrary, playbookHash } from '../src/runtime/playbook-library.js';
import { echoChain, mixedPlaybook } from './generate.js';

/**
 * Engine benchmarks. Prints one JSON object. Absolute times depend on the machine, so each
 * figure comes with a baseline measured in the same run and the ratio between them.
 */
const registry = new Registry(builtinIntegrations);

function time<T>(fn: () => T): { ms: number; value: T } {
  const start = performance.now();
  const value = fn();
  return { ms: performance.now() - start, value };
}

function best(runs: number, fn: () => number): number {
  let min = Infinity;
  for (let i = 0; i < runs; i++) min = Math.min(min, fn());
  return min;
}

function compileFigures(steps: number) {
  const text = mixedPlaybook(steps);
  const yamlParseMs = best(5, () => time((): unknown => parseDocument(text).toJS()).ms);
  const validateMs = best(5, () => time(() => validatePlaybook('bench.yaml', text, registry)).ms);
  const playbook = validatePlaybook('bench.yaml', text, registry).playbook!;
  const compileMs = best(5, () => time(() => compilePlaybook(playbook, playbookHash(playbook))).ms);
  return {
    steps,
    yaml_parse_ms: round(yamlParseMs),
    validate_ms: round(validateMs),
    compile_ms: round(compileMs),
    validate_and_compile_vs_yaml_parse: round((validateMs + compileMs) / yamlParseMs),
  };
}

async function rawCommandRate(steps: number): Promise<number> {
  const ctx = { signal: new AbortController().signal } as CommandContext;
  const start = performance.now();
  let n = 0;
  for (let i = 0; i < steps; i++) n = ((await echo.run(ctx, { n })) as { n: number }).n + 1;
  return steps / ((performance.now() - start) / 1000);
}

async function engineRate(
  steps: number,
  stores: { journal: JournalStore; store: RunStore },
  dir: string,
): Promise<number> {
  const library = new PlaybookLibrary(dir, registry);
  const engine = new LocalEngine({ registry, library, ...stores });
  await library.get(`chain-${steps}`);
  const start = performance.now();
  const runId = await engine.start(`chain-${steps}`, {}, null);
  await engine.idle();
  const seconds = (performance.now() - start) / 1000;
  const summary = await engine.summary(runId);
  if (summary.status !== 'completed' || summary.outputs.last !== steps - 1)
    throw new Error(`bench run did not complete: ${JSON.stringify(summary)}`);
  await engine.close();
  return (steps + 1) / seconds;
}

async function main() {
  const steps = Number(process.env.BENCH_STEPS ?? 1000);
  const dir = await mkdtemp(join(tmpdir(), 'soar-bench-'));
  await writeFile(join(dir, `chain-${steps}.yaml`), echoChain(steps));
  try {
    const compile = compileFigures(500);
    await engineRate(
      steps,
      { journal: new MemoryJournalStore(), store: new MemoryRunStore() },
      dir,
    ); // warm-up
    const raw = await rawCommandRate(steps * 10);
    const memory = await engineRate(
      steps,
      { journal: new MemoryJournalStore(), store: new MemoryRunStore() },
      dir,
    );
    const dataDir = join(dir, 'data');
    const file = await engineRate(
      steps,
      { journal: new FileJournalStore(join(dataDir, 'journal')), store: new FileRunStore(dataDir) },
      dir,
    );
    const result = {
      bench: 'engine',
      compile_500_steps: compile,
      local_engine_echo_chain: {
        steps,
        baseline_direct_command_calls_per_s: Math.round(raw),
        memory_steps_per_s: Math.round(memory),
        file_steps_per_s: Math.round(file),
        memory_vs_baseline: round(memory / raw),
        file_vs_memory: round(file / memory),
        target_memory_steps_per_s: 10_000,
        meets_target: memory >= 10_000,
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

await main();
