/*
 * A Redis for tests: REDIS_URL when set (it must answer), else 127.0.0.1:6379, else a private
 * redis-server started on a free port for the suite and stopped by `stop()`. Suites isolate
 * themselves with a `test-${randomUUID()}` key prefix and `deleteKeys` in afterEach.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { promisify } from 'node:util';
import { access, constants } from 'node:fs/promises';
import { createServer } from 'node:net';
import { delimiter, join } from 'node:path';
import { Cluster, Redis } from 'ioredis';

export interface TestRedis {
  url: string;
  /** Stops the redis-server this helper started, if it started one. */
  stop(): Promise<void>;
}

const DEFAULT_URL = 'redis://127.0.0.1:6379';

export async function startTestRedis(): Promise<TestRedis> {
  const given = process.env.REDIS_URL;
  if (given) {
    if (await answers(given)) return { url: given, stop: () => Promise.resolve() };
    throw new Error(`REDIS_URL=${given} does not answer PING; start that Redis or unset REDIS_URL`);
  }
  if (await answers(DEFAULT_URL)) return { url: DEFAULT_URL, stop: () => Promise.resolve() };
  const server = await findOnPath('redis-server');
  if (!server) {
    throw new Error(
      `No Redis for the tests: nothing answers at ${DEFAULT_URL}, REDIS_URL is not set, ` +
        'and redis-server is not on PATH to start one',
    );
  }
  return spawnRedis(server);
}

/** A client that fails fast instead of queueing commands while Redis is away. */
export function testRedisClient(url: string): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1, connectTimeout: 2_000 });
}

/**
 * Deletes every key whose name starts with `{prefix}` or `{prefix:` (hash-tagged layouts) or
 * `prefix`.
 */
/** Every node that holds keys: the one server, or a Cluster's masters (to scan them all). */
function keyHolders(client: Redis | Cluster): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}

export async function deleteKeys(client: Redis | Cluster, prefix: string): Promise<void> {
  const escaped = escapeGlob(prefix);
  await client.ping(); // a Cluster client knows its masters once connected
  // On a Cluster each master is scanned; keys are deleted one by one (they span slots).
  for (const node of keyHolders(client)) {
    for (const pattern of [`{${escaped}}*`, `{${escaped}:*`, `${escaped}*`]) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
        for (const key of keys) await node.del(key);
        cursor = next;
      } while (cursor !== '0');
    }
  }
}

async function answers(url: string): Promise<boolean> {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

async function spawnRedis(server: string): Promise<TestRedis> {
  const port = await freePort();
  const child = spawn(server, serverArgs(port, ['--appendonly', 'no']), { stdio: 'ignore' });
  const url = `redis://127.0.0.1:${port}`;
  const stop = () => stopChild(child);
  const deadline = Date.now() + 10_000;
  while (!(await answers(url))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`${server} did not start on port ${port}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return { url, stop };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A redis-server on 127.0.0.1:`port` that never snapshots, plus `extra`. */
function serverArgs(port: number, extra: string[]): string[] {
  return ['--port', String(port), '--bind', '127.0.0.1', '--save', '', ...extra];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function findOnPath(command: string): Promise<string | null> {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const candidate = join(dir, command);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return null;
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

/** A redis-server owned by one test, with AOF on: it can be killed and restarted on its data. */
export interface OwnedRedis {
  url: string;
  /** SIGKILL: no shutdown save, only what the AOF already holds survives. */
  kill(): Promise<void>;
  /** Starts it again on the same port and directory, and waits until it answers. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

export async function startOwnedRedis(dir: string): Promise<OwnedRedis> {
  const server = await findOnPath('redis-server');
  if (!server) {
    throw new Error('this test needs a redis-server binary on PATH (it kills and restarts one)');
  }
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      server,
      serverArgs(port, [
        '--dir',
        dir,
        '--appendonly',
        'yes',
        '--appendfsync',
        'always',
        '--maxmemory-policy',
        'noeviction',
      ]),
      { stdio: 'ignore' },
    );
    const deadline = Date.now() + 10_000;
    while (!(await answers(url))) {
      if (child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`${server} did not start on port ${port}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };
  await start();
  const kill = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  return {
    url,
    kill,
    restart: start,
    stop: async () => (child ? stopChild(child) : undefined),
  };
}

/** A Redis Cluster of `masters` redis-server processes owned by one suite (no replicas). */
export interface TestCluster {
  /** `redis-cluster://` URL listing every node. */
  url: string;
  ports: number[];
  stop(): Promise<void>;
}

export async function startTestCluster(dir: string, masters = 3): Promise<TestCluster> {
  const [server, cli] = await Promise.all([findOnPath('redis-server'), findOnPath('redis-cli')]);
  if (!server || !cli) {
    throw new Error(
      'this test needs redis-server and redis-cli on PATH (it starts a Redis Cluster)',
    );
  }
  const ports: number[] = [];
  for (let i = 0; i < masters; i++) ports.push(await freePort());
  const children = ports.map((port) =>
    spawn(
      server,
      serverArgs(port, [
        '--dir',
        dir,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--appendonly',
        'no',
      ]),
      { stdio: 'ignore' },
    ),
  );
  const stop = async () => {
    await Promise.all(children.map((child) => stopChild(child)));
  };
  try {
    for (const port of ports) await waitUntil(() => answers(`redis://127.0.0.1:${port}`));
    const nodes = ports.map((port) => `127.0.0.1:${port}`);
    await promisify(execFile)(cli, [
      '--cluster',
      'create',
      ...nodes,
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (const port of ports) {
      const node = new Redis(`redis://127.0.0.1:${port}`, { maxRetriesPerRequest: 1 });
      try {
        await waitUntil(async () => (await node.cluster('INFO')).includes('cluster_state:ok'));
      } finally {
        node.disconnect();
      }
    }
    return { url: `redis-cluster://${nodes.join(',')}`, ports, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`still not ready after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
