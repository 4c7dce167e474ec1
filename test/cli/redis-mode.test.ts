import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    await untilConsuming(worker);

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
    // This worker knows only this test's playbooks: it stops before the next test shares the prefix.
    const stopped = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await stopped;
  }, 60_000);
  it('serves alerts over HTTP with soar serve: API, worker and scheduler in one process', async () => {
    const dir = tempDir('soar-serve-');
    writePlaybook(
      dir,
      'note-login',
      [
        'id: note-login',
        'name: Note a login',
        'trigger: { incident_types: [auth.login] }',
        'start: note',
        'steps:',
        '  note:',
        '    uses: core.echo',
        "    with: { user: '${{ incident.fields.user }}' }",
        '',
      ].join('\n'),
    );
    const config = join(dir, 'soar.config.yaml');
    writeFileSync(
      config,
      "api:\n  tokens:\n    - { name: siem, role: ingest, token: '${env:SOAR_TEST_INGEST}' }\n    - { name: bob, role: analyst, token: '${env:SOAR_TEST_ANALYST}' }\n",
    );
    const tokens = {
      SOAR_TEST_INGEST: 'ingest-token-abcdef',
      SOAR_TEST_ANALYST: 'analyst-token-abcdef',
    };
    const serve = soarAsync(['serve', '--playbooks', dir, '--config', config, '--port', '0'], {
      ...env,
      ...tokens,
    });
    const [, address] = await untilLogged(serve, /listening on (http:\/\/\S+)/);
    try {
      const posted = await fetch(`${address}/api/v1/alerts`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${tokens.SOAR_TEST_INGEST}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ type: 'auth.login', fields: { user: 'jdoe' }, dedup_key: 'l-1' }),
      });
      expect(posted.status).toBe(202);
      const { incident } = (await posted.json()) as { incident: string };
      const journal = async () => {
        const response = await fetch(`${address}/api/v1/incidents/${incident}/journal`, {
          headers: { authorization: `Bearer ${tokens.SOAR_TEST_ANALYST}` },
        });
        if (response.status !== 200) return [];
        return ((await response.json()) as { entries: { kind: string }[] }).entries.map(
          (entry) => entry.kind,
        );
      };
      await expect.poll(journal, { timeout: 15_000 }).toContain('run.finished');
    } finally {
      const exited = new Promise<number | null>((resolve) => serve.once('exit', resolve));
      serve.kill('SIGTERM');
      expect(await exited).toBe(0);
    }
  }, 60_000);

  it('says what is wrong with a bad prefix, a bad cluster URL or an API token that is not set', async () => {
    const badPrefix = await soarFinished(['worker', '--prefix', 'no spaces please'], env);
    expect(badPrefix.code).toBe(2);
    expect(badPrefix.stderr).toContain('Redis prefix "no spaces please"');
    const badCluster = await soarFinished(['worker'], {
      ...env,
      REDIS_URL: 'redis-cluster://10.0.0.1:7000,10.0.0.2',
    });
    expect(badCluster.code).toBe(2);
    expect(badCluster.stderr).toContain('Redis Cluster node "10.0.0.2": expected host:port');
    const dir = tempDir('soar-api-config-');
    const config = join(dir, 'soar.config.yaml');
    writeFileSync(
      config,
      "api:\n  tokens:\n    - { name: siem, role: ingest, token: '${env:SOAR_TEST_UNSET_TOKEN}' }\n",
    );
    const unset = await soarFinished(['api', '--config', config, '--playbooks', dir], env);
    expect(unset.code).toBe(2);
    expect(unset.stderr).toContain(
      'api.tokens (siem) refers to ${env:SOAR_TEST_UNSET_TOKEN}, which is not set or empty',
    );
  });
});
