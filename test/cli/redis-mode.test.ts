import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deleteKeys, startTestRedis, type TestRedis } from '../helpers/redis.js';
import { soarAsync, soarFinished, tempDir, writePlaybook } from './cli-helpers.js';

/*
 * The CLI against the distributed runtime, as an analyst uses it: a `soar worker` process,
 * then `soar run --redis --no-wait`, `soar runs show --redis`, `soar approve --redis` and
 * `soar journal verify --redis` from other processes.
 */

const ASK = `id: contain-host
name: Contain a host after approval
inputs:
  host: { type: string }
start: ask
steps:
  ask:
    type: approval
    prompt: 'Contain \${{ inputs.host }}?'
    options: [contain, ignore]
    next: { contain: contain, ignore: done }
  contain:
    uses: core.echo
    with: { contained: '\${{ inputs.host }}' }
    next: done
  done:
    type: end
    outputs: { decision: '\${{ steps.ask.output.option }}' }
`;

let server: TestRedis;
let worker: ChildProcess;
const prefix = `test-${randomUUID().slice(0, 8)}`;
let env: Record<string, string>;

beforeAll(async () => {
  server = await startTestRedis();
  env = { REDIS_URL: server.url, SOAR_REDIS_PREFIX: prefix };
});
afterAll(async () => {
  worker?.kill('SIGKILL');
  const client = new Redis(server.url);
  await deleteKeys(client, prefix);
  client.disconnect();
  await server?.stop();
});

describe('soar with --redis', () => {
  it('queues a run, shows it, takes the decision and verifies the journal', async () => {
    const dir = tempDir('soar-redis-cli-');
    const file = writePlaybook(dir, 'contain-host', ASK);
    worker = soarAsync(['worker', '--playbooks', dir], env);
    await new Promise<void>((resolve, reject) => {
      let stderr = '';
      worker.stderr!.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
        if (stderr.includes('consuming')) resolve();
      });
      worker.once('exit', (code) => reject(new Error(`worker exited (${code}): ${stderr}`)));
    });

    const queued = await soarFinished(
      ['run', file, '--redis', '--no-wait', '--input', 'host=web-07', '--json'],
      env,
    );
    expect(queued.stderr).toBe('');
    const { run, status } = JSON.parse(queued.stdout) as { run: string; status: string };
    expect(status).toBe('queued');

    let shown: { status: string; approvals: { id: string; prompt: string }[]; pending: unknown[] };
    for (;;) {
      const result = await soarFinished(['runs', 'show', run, '--redis', '--json'], env);
      if (result.code === 0) {
        shown = JSON.parse(result.stdout) as typeof shown;
        if (shown.status === 'waiting') break;
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(shown.approvals[0]!.prompt).toBe('Contain web-07?');
    expect(shown.pending).toEqual([{ kind: 'approval', step: 'ask' }]);

    const decided = await soarFinished(
      ['approve', shown.approvals[0]!.id, 'contain', '--as', 'alice', '--redis', '--json'],
      env,
    );
    expect(decided.stderr).toBe('');
    expect(JSON.parse(decided.stdout)).toMatchObject({
      run,
      status: 'completed',
      outputs: { decision: 'contain' },
    });
    const twice = await soarFinished(
      ['approve', shown.approvals[0]!.id, 'ignore', '--as', 'bob', '--redis'],
      env,
    );
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain("already decided: alice chose 'contain'");

    const verified = await soarFinished(['journal', 'verify', run, '--redis'], env);
    expect(verified.stdout).toMatch(/^ok: \d+ entries, chain intact/);
    const journal = await soarFinished(['journal', 'show', run, '--redis', '--json'], env);
    const kinds = (JSON.parse(journal.stdout) as { kind: string; actor: { id: string } }[]).map(
      (entry) => `${entry.kind}:${entry.actor.id}`,
    );
    expect(kinds).toContain('approval.decided:alice');
    expect(kinds.at(-1)).toBe('run.finished:engine');
  }, 60_000);
});
