import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyEntries } from '../../../src/journal/verify.js';
import { connectRedis } from '../../../src/runtime/redis-connection.js';
import {
  soarAsync,
  soarFinished,
  tempDir,
  untilConsuming,
  writePlaybook,
} from '../../cli/cli-helpers.js';
import { deleteKeys, startTestCluster, type TestCluster } from '../../helpers/redis.js';
import { startDistributed, type Distributed } from './harness.js';

/*
 * The distributed runtime on a real Redis Cluster of three masters: every script and MULTI
 * the runtime issues must keep to one slot (Redis refuses CROSSSLOT otherwise), while runs'
 * journals spread over the masters.
 */

const FAN = `id: fan
name: Four branches
start: fan_out
steps:
  fan_out:
    type: parallel
    branches: [b0, b1, b2, b3]
    join: all
    next: done
  b0: { uses: core.echo, with: { n: 1 } }
  b1: { uses: core.echo, with: { n: 2 } }
  b2: { uses: core.echo, with: { n: 3 } }
  b3: { uses: core.echo, with: { n: 4 } }
  done:
    type: end
    outputs: { sum: '\${{ steps.b0.output.n + steps.b1.output.n + steps.b2.output.n + steps.b3.output.n }}' }
`;

const ASK = `id: ask
name: Asks, waits, then ends
start: ask
steps:
  ask: { type: approval, prompt: Block the sender?, options: [block, allow], next: { block: pause, allow: done } }
  pause:
    type: wait
    for: 200ms
    next: done
  done:
    type: end
`;

let cluster: TestCluster;
let dataDir: string;
let playbooks: string;
let runtime: Distributed | null = null;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'soar-cluster-'));
  cluster = await startTestCluster(dataDir);
  playbooks = tempDir('soar-cluster-playbooks-');
  writePlaybook(playbooks, 'fan', FAN);
  writePlaybook(playbooks, 'ask', ASK);
}, 60_000);
afterAll(async () => {
  await runtime?.close();
  await cluster?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the distributed runtime on a Redis Cluster', () => {
  it('runs parallel branches, approvals and timers with journals spread over the masters', async () => {
    runtime = await startDistributed({ url: cluster.url, playbooks, workers: 2 });
    const client = runtime.client;
    expect(client).toBeInstanceOf(Cluster);

    const fans = await Promise.all(
      Array.from({ length: 30 }, () => runtime!.engine.start('fan', {}, null)),
    );
    const asks = await Promise.all(
      Array.from({ length: 5 }, () => runtime!.engine.start('ask', {}, null)),
    );
    for (const id of asks) expect(await runtime.settled(id)).toMatchObject({ status: 'waiting' });
    const pending = await runtime.store.pendingApprovals();
    expect(pending).toHaveLength(5);
    for (const approval of pending) {
      await runtime.engine.approve(approval.id, 'block', 'analyst@soc');
    }

    for (const id of fans) {
      expect(await runtime.finished(id)).toMatchObject({
        status: 'completed',
        outputs: { sum: 10 },
      });
    }
    for (const id of [...fans, ...asks]) {
      const summary = await runtime.finished(id);
      expect(summary.status).toBe('completed');
      const entries = await runtime.journal.read(id);
      expect(verifyEntries(entries)).toMatchObject({ ok: true });
    }
    const decided = (await runtime.journal.read(asks[0]!)).find(
      (entry) => entry.kind === 'approval.decided',
    );
    expect(decided?.actor).toEqual({ kind: 'user', id: 'analyst@soc' });

    // The journals really are spread: each master holds some of this runtime's keys.
    const perMaster = await Promise.all(
      (client as Cluster).nodes('master').map(async (node) => {
        const [, keys] = await node.scan('0', 'MATCH', `{${runtime!.prefix}*`, 'COUNT', 100_000);
        return keys.length;
      }),
    );
    expect(perMaster).toHaveLength(3);
    expect(perMaster.every((count) => count > 0)).toBe(true);
  }, 60_000);

  it('runs from the CLI: a soar worker process and soar run, both given a cluster URL', async () => {
    const prefix = `test-${randomUUID().slice(0, 8)}`;
    const env = { REDIS_URL: cluster.url, SOAR_REDIS_PREFIX: prefix };
    const worker = soarAsync(['worker', '--playbooks', playbooks], env);
    try {
      await untilConsuming(worker);
      const ran = await soarFinished(
        ['run', join(playbooks, 'fan.yaml'), '--redis', '--json'],
        env,
      );
      expect(ran.stderr).toBe('');
      const { run, status, outputs } = JSON.parse(ran.stdout) as {
        run: string;
        status: string;
        outputs: unknown;
      };
      expect({ status, outputs }).toEqual({ status: 'completed', outputs: { sum: 10 } });
      const verified = await soarFinished(['journal', 'verify', run, '--redis'], env);
      expect(verified.stdout).toMatch(/^ok: \d+ entries, chain intact/);
    } finally {
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      worker.kill('SIGTERM');
      await exited;
      const cleaner = connectRedis(cluster.url);
      await deleteKeys(cleaner, prefix);
      cleaner.disconnect();
    }
  }, 60_000);
});
