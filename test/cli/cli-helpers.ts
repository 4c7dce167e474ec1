import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = join(import.meta.dirname, '..', '..', 'bin', 'soar.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs the built CLI as a user would (`npm test` builds it first). */
export function soar(args: string[], cwd = process.cwd()): CliResult {
  const started = Date.now();
  const result = spawnSync(process.execPath, [BIN, ...args], {
    cwd,
    encoding: 'utf8',
    timeout: 60_000,
  });
  return {
    code: result.status,
    stdout: result.stdout,
    stderr: result.stderr,
    ms: Date.now() - started,
  };
}

export function soarAsync(args: string[], env: Record<string, string> = {}) {
  return spawn(process.execPath, [BIN, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
}

/** Resolves with the first match of `pattern` in what `child` writes to stderr. */
export function untilLogged(child: ChildProcess, pattern: RegExp): Promise<RegExpExecArray> {
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const match = pattern.exec(stderr);
      if (match) resolve(match);
    });
    child.once('exit', (code) =>
      reject(new Error(`${child.spawnargs[2]} exited (${code}): ${stderr}`)),
    );
  });
}

/** Resolves with `child` (a `soar worker`) once it says it is consuming its queues. */
export async function untilConsuming(child: ChildProcess): Promise<ChildProcess> {
  await untilLogged(child, /consuming/);
  return child;
}

/**
 * The CLI to its end without blocking this process: for tests whose simulators answer from
 * this process (spawnSync would stall them).
 */
export function soarFinished(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  const started = Date.now();
  const child = soarAsync(args, env);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) =>
    child.on('exit', (code) => resolve({ code, stdout, stderr, ms: Date.now() - started })),
  );
}

export function tempDir(prefix = 'soar-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function writePlaybook(dir: string, name: string, text: string): string {
  const file = join(dir, `${name}.yaml`);
  writeFileSync(file, text);
  return file;
}
