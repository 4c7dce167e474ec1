import { randomUUID } from 'node:crypto';
import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisJournalStore } from '../../src/journal/redis-store.js';
import { RedisNames } from '../../src/runtime/bullmq/redis-names.js';
import { RedisRunStore } from '../../src/runtime/bullmq/redis-run-store.js';
import { deleteKeys, startTestRedis, type TestRedis } from '../helpers/redis.js';
import {
  soarAsync,
  soarFinished,
  tempDir,
  untilConsuming,
  untilLogged,
  writePlaybook,
} from './cli-helpers.js';

/*
 * DESIGN §4 with real processes: a worker and an API process are SIGKILLed while runs wait on
 * analysts; a decision is taken from the CLI while nothing runs, and an approval times out
 * meanwhile; a new `soar serve` process (API, worker and scheduler) takes a decision over HTTP.
 * Every run ends as its analyst or its timeout said, each timeout firing once.
 */

const ASK = `id: ask
name: Contain after approval
start: ask
steps:
  ask: { type: approval, prompt: Contain?, options: [contain, ignore], next: { contain: contained, ignore: ignored } }
  contained: { type: end, outputs: { result: contained } }
  ignored: { type: end, outputs: { result: ignored } }
`;

const ASK_BRIEFLY = `id: ask-briefly
name: Contain unless nobody answers in time
start: ask
steps:
  ask:
    { type: approval, prompt: Contain now?, options: [contain, ignore], timeout: 2s, on_timeout: pause,
      next: { contain: done, ignore: done } }
  pause: { type: wait, for: 300ms, next: timed_out }
  timed_out: { type: end, outputs: { result: timed out } }
  done: { type: end }
`;

const ANALYST_TOKEN = 'analyst-token-0123456789';
let server: TestRedis;
let env: Record<string, string>;
const prefix = `test-${randomUUID().slice(0, 8)}`;
const processes: ChildProcess[] = [];

beforeAll(async () => {
  server = await startTestRedis();
  env = { REDIS_URL: server.url, SOAR_REDIS_PREFIX: prefix, SOAR_TEST_ANALYST: ANALYST_TOKEN };
});
afterAll(async () => {
  for (const child of processes) child.kill('SIGKILL');
  const client = new Redis(server.url);
  await deleteKeys(client, prefix);
  client.disconnect();
  await server?.stop();
});

function start(args: string[]): ChildProcess {
  const child = soarAsync(args, env);
  processes.push(child);
  return child;
}

async function kill(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

async function runsShow(run: string) {
  const shown = await soarFinished(['runs', 'show', run, '--redis', '--json'], env);
  expect(shown.stderr).toBe('');
  return JSON.parse(shown.stdout) as {
    status: string;
    outputs: Record<string, unknown>;
    approvals: { id: string }[];
  };
}

async function journal(run: string) {
  const shown = await soarFinished(['journal', 'show', run, '--redis', '--json'], env);
  return JSON.parse(shown.stdout) as { kind: string; actor: { id: string } }[];
}

describe('every process restarting', () => {
  it('keeps approvals and timeouts: decisions apply and each timeout fires once', async () => {
    const dir = tempDir('soar-restart-');
    writePlaybook(dir, 'ask', ASK);
    writePlaybook(dir, 'ask-briefly', ASK_BRIEFLY);
    const config = join(dir, 'soar.config.yaml');
    writeFileSync(
      config,
      "api:\n  tokens:\n    - { name: carol, role: analyst, token: '${env:SOAR_TEST_ANALYST}' }\n",
    );
    const worker = await untilConsuming(start(['worker', '--playbooks', dir]));
    const api = start(['api', '--playbooks', dir, '--config', config, '--port', '0']);
    await untilLogged(api, /listening on/);

    const queue = async (file: string) => {
      const queued = await soarFinished(['run', file, '--redis', '--json'], env);
      const { run, status } = JSON.parse(queued.stdout) as { run: string; status: string };
      expect(status).toBe('waiting');
      return run;
    };
    const [overHttp, fromCli, timingOut] = await Promise.all([
      queue(join(dir, 'ask.yaml')),
      queue(join(dir, 'ask.yaml')),
      queue(join(dir, 'ask-briefly.yaml')),
    ]);

    await Promise.all([kill(worker), kill(api)]);

    // Nothing runs now: a decision is recorded from the CLI, and an approval times out.
    const [cliApproval, httpApproval] = await Promise.all(
      [fromCli, overHttp].map(async (run) => (await runsShow(run)).approvals[0]!),
    );
    const decided = await soarFinished(
      ['approve', cliApproval!.id, 'ignore', '--as', 'dave', '--redis', '--no-wait', '--json'],
      env,
    );
    expect(decided.stderr).toBe('');
    expect(JSON.parse(decided.stdout)).toMatchObject({
      run: fromCli,
      state: 'decided',
      decision: { option: 'ignore', by: 'dave' },
    });
    await new Promise((resolve) => setTimeout(resolve, 2_500));

    const serve = start(['serve', '--playbooks', dir, '--config', config, '--port', '0']);
    const [, address] = await untilLogged(serve, /listening on (http:\/\/\S+)/);
    const response = await fetch(`${address}/api/v1/approvals/${httpApproval!.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ANALYST_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ option: 'contain' }),
    });
    expect(response.status).toBe(200);

    // Polled from Redis directly (a CLI process per poll is slow), then shown by the CLI.
    const client = new Redis(server.url);
    const store = new RedisRunStore(
      client,
      new RedisJournalStore(client, { prefix: new RedisNames(prefix).journalPrefix }),
      new RedisNames(prefix),
    );
    for (const run of [overHttp, fromCli, timingOut]) {
      await expect
        .poll(async () => (await store.loadRun(run))?.status, { timeout: 20_000 })
        .toBe('completed');
    }
    client.disconnect();
    const shown = await Promise.all([overHttp, fromCli, timingOut].map((run) => runsShow(run)));
    const outcomes = shown.map((run) => run.outputs);
    expect(outcomes).toEqual([
      { result: 'contained' },
      { result: 'ignored' },
      { result: 'timed out' },
    ]);
    const actors = async (run: string) =>
      (await journal(run)).filter((e) => e.kind === 'approval.decided').map((e) => e.actor.id);
    expect(await actors(overHttp)).toEqual(['carol']);
    expect(await actors(fromCli)).toEqual(['dave']);
    const timedOut = (await journal(timingOut)).filter((e) => e.kind === 'approval.timed_out');
    expect(timedOut).toHaveLength(1);
    const verified = await Promise.all(
      [overHttp, fromCli, timingOut].map((run) =>
        soarFinished(['journal', 'verify', run, '--redis'], env),
      ),
    );
    for (const { stdout } of verified) expect(stdout).toMatch(/^ok: \d+ entries, chain intact/);
    await kill(serve);
  }, 90_000);
});
