import { readFile } from 'node:fs/promises';
import { journalPath } from '../journal/file-store.js';
import { MAX_ALERT_BYTES } from '../incidents/incident.js';
import { PlaybookLibrary } from '../runtime/playbook-library.js';
import type { LocalEngine, RunSummary } from '../runtime/local/local-engine.js';
import { openLocal, registry } from './local-context.js';
import { redisOption, runOnRedis } from './redis-run.js';
import { CliError, exitCodeOf, printJson, printRunSummary, runJson } from './output.js';

export interface RunOptions {
  input: string[];
  incident?: string;
  dataDir: string;
  config?: string;
  approve?: string;
  as: string;
  json?: boolean;
  /** --redis [url]: enqueue for the workers instead of running here. */
  redis?: string | boolean;
  prefix?: string;
  /** --no-wait (with --redis): print the run id and return once it is queued. */
  wait?: boolean;
}

/** `soar run <playbook>`: runs a playbook file in this process (the embedded default). */
export async function runCommand(file: string, options: RunOptions): Promise<number> {
  const redisUrl = redisOption(options.redis);
  if (redisUrl !== undefined) {
    return runOnRedis(file, {
      ...options,
      redisUrl,
      wait: options.wait !== false,
      ...(options.prefix ? { prefix: options.prefix } : {}),
    });
  }
  if (options.wait === false)
    throw new CliError('--no-wait needs --redis: a local run is this process');
  const reg = registry();
  const { library, id } = await PlaybookLibrary.forFile(file, reg);
  const local = await openLocal(options.dataDir, library, 'soar run', {
    registry: reg,
    ...(options.config ? { config: options.config } : {}),
  });
  try {
    const incident = options.incident
      ? await local.engine.createIncident(
          await readAlert(options.incident),
          `file:${options.incident}`,
        )
      : null;
    const runId = await local.engine.start(id, parseInputs(options.input), incident);
    await local.engine.idle();
    const summary = await decideAll(local.engine, runId, options.approve, options.as);
    const record = await local.engine.record(runId);
    if (options.json) printJson(runJson(summary));
    else printRunSummary(summary, journalPath(local.journal.dir, record.journalKey));
    return exitCodeOf(summary);
  } finally {
    await local.close();
  }
}

/** With --approve, every approval the run asks for is answered with that option (unattended runs). */
export async function decideAll(
  engine: LocalEngine,
  runId: string,
  option: string | undefined,
  by: string,
): Promise<RunSummary> {
  let summary = await engine.summary(runId);
  for (let round = 0; option && summary.status === 'waiting' && round < 1000; round++) {
    for (const approval of summary.approvals) await engine.approve(approval.id, option, by);
    await engine.idle();
    summary = await engine.summary(runId);
  }
  return summary;
}

export function parseInputs(pairs: string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new CliError(`--input expects name=value, got '${pair}'`);
    const name = pair.slice(0, eq);
    if (['__proto__', 'constructor', 'prototype'].includes(name))
      throw new CliError(`--input name '${name}' is not allowed`);
    inputs[name] = pair.slice(eq + 1);
  }
  return inputs;
}

export async function readAlert(path: string): Promise<unknown> {
  const raw = await readFile(path).catch((error: NodeJS.ErrnoException) => {
    throw new CliError(
      `cannot read alert ${path}: ${error.code === 'ENOENT' ? 'no such file' : error.message}`,
    );
  });
  if (raw.byteLength > MAX_ALERT_BYTES)
    throw new CliError(`alert ${path} is ${raw.byteLength} bytes; the limit is ${MAX_ALERT_BYTES}`);
  try {
    return JSON.parse(raw.toString('utf8'), (key, value: unknown) =>
      key === '__proto__' || key === 'constructor' ? undefined : value,
    );
  } catch (error) {
    throw new CliError(`alert ${path} is not valid JSON: ${(error as Error).message}`);
  }
}
