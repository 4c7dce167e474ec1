import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { builtinIntegrations } from '../integrations/index.js';
import { Instances } from '../src/integration-sdk/instances.js';
import { Registry } from '../src/integration-sdk/registry.js';
import { RedisJournalStore } from '../src/journal/redis-store.js';
import { DistributedEngine } from '../src/runtime/bullmq/distributed-engine.js';
import { RuntimeQueues } from '../src/runtime/bullmq/queues.js';
import { RedisNames } from '../src/runtime/bullmq/redis-names.js';
import { RedisRunStore } from '../src/runtime/bullmq/redis-run-store.js';
import { RuntimeWorker } from '../src/runtime/bullmq/runtime-worker.js';
import { PlaybookLibrary } from '../src/runtime/playbook-library.js';
import type { RunRecord } from '../src/runtime/run-store.js';

/**
 * Distributed runtime benchmarks on the Redis at REDIS_URL (default 127.0.0.1:6379), under a
 * prefix of their own that is deleted afterwards. Prints one JSON object:
 *  - baseline: raw BullMQ no-op jobs/s on one worker (the same concurrency as the engine's);
 *  - engine steps/s for RUNS runs of a 5-step core.echo playbook on one worker process, and
 *    its ratio to the baseline (DESIGN §4: one job per step plus one commit per event);
 *  - run latency p50/p99 with runs arriving at half the measured maximum rate;
 *  - worker RSS with WAITING runs waiting on an approval (their state is in Redis).
 */
const URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const RUNS = Number(process.env.BENCH_DIST_RUNS ?? 2_000);
const STEPS = 5;
const WAITING = Number(process.env.BENCH_DIST_WAITING ?? 10_000);
const CONCURRENCY = Number(process.env.BENCH_DIST_CONCURRENCY ?? 16);
const TARGET_RATIO = 0.5;
const ROUNDS = Number(process.env.BENCH_DIST_ROUNDS ?? 3);

const registry = new Registry(builtinIntegrations);

function echoChain(steps: number): string {
  const lines = ['id: echo5', 'name: Five echoes', 'start: s0', 'steps:'];
  for (let i = 0; i < steps; i++) {
    lines.push(`  s${i}:`, '    uses: core.echo', `    with: { n: ${i} }`);
    lines.push(`    next: ${i + 1 < steps ? `s${i + 1}` : 'done'}`);
  }
  lines.push('  done:', '    type: end', '    outputs: { last: "${{ steps.s4.output.n }}" }', '');
  return lines.join('\n');
}

const APPROVAL = `id: waits
name: Waits for an analyst
start: ask
steps:
  ask:
    type: approval
    prompt: Block it?
    options: [block, ignore]
    next: { block: done, ignore: done }
  done:
    type: end
`;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

/** CPU seconds the Redis server has used so far (user + system, from INFO). */
async function redisCpuSeconds(client: Redis): Promise<number> {
  const info = await client.info('cpu');
  const field = (name: string) => Number(new RegExp(`${name}:([\\d.]+)`).exec(info)?.[1] ?? NaN);
  return field('used_cpu_user') + field('used_cpu_sys');
}

/** Where a phase's time went: CPU of this process and of Redis, in µs per unit of work. */
interface CpuCost {
  node_us: number;
  redis_us: number;
}

/** Starts measuring; the function it returns stops and divides by the units of work done. */
async function cpuMeter(client: Redis): Promise<(units: number) => Promise<CpuCost>> {
  const redis0 = await redisCpuSeconds(client);
  const node0 = process.cpuUsage();
  return async (units) => {
    const node = process.cpuUsage(node0);
    const redis = (await redisCpuSeconds(client)) - redis0;
    return {
      node_us: round((node.user + node.system) / units),
      redis_us: round((redis * 1e6) / units),
    };
  };
}

async function deletePrefix(client: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `*${prefix}*`, 'COUNT', 5000);
    if (keys.length > 0) await client.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}

/**
 * Raw BullMQ with no engine, on one worker of CONCURRENCY: `chains` chains of `length` no-op
 * jobs, each job adding the next of its chain as it completes (as a step's commit dispatches
 * the next step). With `length` 1 and the jobs added beforehand, it is pure processing.
 */
async function baseline(
  prefix: string,
  chains: number,
  length: number,
): Promise<{ jobsPerS: number; perJob: CpuCost }> {
  const connection = new Redis(URL, { maxRetriesPerRequest: null });
  const workerConnection = new Redis(URL, { maxRetriesPerRequest: null });
  const queue = new Queue('noop', { connection, prefix: `{${prefix}}` });
  const keep = { removeOnComplete: { age: 3600, count: 100_000 } };
  for (let i = 0; i < chains; i += 1000) {
    await queue.addBulk(
      Array.from({ length: Math.min(1000, chains - i) }, (_, k) => ({
        name: 'noop',
        data: { chain: i + k, n: 0 },
        opts: { jobId: `noop-${i + k}-0`, ...keep },
      })),
    );
  }
  const total = chains * length;
  let done = 0;
  const stop = await cpuMeter(connection);
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    const worker = new Worker<{ chain: number; n: number }>(
      'noop',
      async (job) => {
        const { chain, n } = job.data;
        if (n + 1 < length) {
          await queue.add(
            'noop',
            { chain, n: n + 1 },
            { jobId: `noop-${chain}-${n + 1}`, ...keep },
          );
        }
      },
      { connection: workerConnection, prefix: `{${prefix}}`, concurrency: CONCURRENCY },
    );
    worker.on('completed', () => {
      if (++done === total) void worker.close().then(() => resolve());
    });
  });
  const ms = performance.now() - t0;
  const perJob = await stop(total);
  await queue.close();
  connection.disconnect();
  workerConnection.disconnect();
  return { jobsPerS: total / (ms / 1000), perJob };
}

interface Runtime {
  engine: DistributedEngine;
  worker: RuntimeWorker;
  finished: Map<string, number>;
  onFinish: ((record: RunRecord) => void) | null;
  client: Redis;
  close(): Promise<void>;
}

function runtime(prefix: string, playbooks: string): Runtime {
  const names = new RedisNames(prefix);
  const client = new Redis(URL, { maxRetriesPerRequest: null });
  const journal = new RedisJournalStore(client, { prefix: names.journalPrefix });
  const store = new RedisRunStore(client, journal, names);
  const queues = new RuntimeQueues(client, names);
  const instances = new Instances({}, registry);
  const finished = new Map<string, number>();
  const state: Runtime = {
    engine: null as unknown as DistributedEngine,
    worker: null as unknown as RuntimeWorker,
    finished,
    onFinish: null,
    client,
    async close() {
      await state.worker.close();
      await state.engine.close();
      await queues.close();
      await journal.close();
      client.disconnect();
    },
  };
  state.engine = new DistributedEngine({
    registry,
    instances,
    store,
    journal,
    queues,
    library: new PlaybookLibrary(playbooks, registry),
    onRunFinished: (record) => {
      finished.set(record.id, performance.now());
      state.onFinish?.(record);
    },
  });
  state.worker = new RuntimeWorker({
    engine: state.engine,
    instances,
    names,
    redisUrl: URL,
    stepConcurrency: CONCURRENCY,
    eventConcurrency: CONCURRENCY,
    onError: (error, where) => process.stderr.write(`bench worker: ${where}: ${String(error)}\n`),
  });
  return state;
}

/** Resolves once `runs` runs have finished, counting from now. */
function allFinished(rt: Runtime, runs: number): Promise<void> {
  rt.finished.clear();
  return new Promise<void>((resolve) => {
    rt.onFinish = () => {
      if (rt.finished.size === runs) resolve();
    };
  });
}

/** Starts `runs` runs of the echo playbook, a hundred at a time. */
async function startRuns(rt: Runtime, runs: number): Promise<void> {
  for (let i = 0; i < runs; i += 100) {
    const batch = Math.min(100, runs - i);
    await Promise.all(Array.from({ length: batch }, () => rt.engine.start('echo5', {}, null)));
  }
}

interface Throughput {
  ms: number;
  startedMs: number;
  stepsPerS: number;
  runsPerS: number;
  perStep: CpuCost;
}

/**
 * The worker's maximum rate: every run started as fast as starts go (a start commits the run's
 * first event and queues its first step, in this process too), timed from the first start to
 * the last run's end, with one worker draining meanwhile.
 */
async function throughput(rt: Runtime, runs: number): Promise<Throughput> {
  const done = allFinished(rt, runs);
  await rt.worker.start();
  const stop = await cpuMeter(rt.client);
  const t0 = performance.now();
  await startRuns(rt, runs);
  const startedMs = performance.now() - t0;
  await done;
  const ms = performance.now() - t0;
  const perStep = await stop(runs * STEPS);
  await rt.worker.close();
  return {
    ms,
    startedMs,
    stepsPerS: (runs * STEPS) / (ms / 1000),
    runsPerS: runs / (ms / 1000),
    perStep,
  };
}

/**
 * The drain alone, as the baseline is timed: every run started (first commit and first step
 * queued) while no worker runs, then one worker times how fast it finishes them.
 */
async function drainOnly(
  rt: Runtime,
  runs: number,
): Promise<{ startMs: number; stepsPerS: number }> {
  const done = allFinished(rt, runs);
  const s0 = performance.now();
  await startRuns(rt, runs);
  const startMs = performance.now() - s0;
  const t0 = performance.now();
  await rt.worker.start();
  await done;
  const stepsPerS = (runs * STEPS) / ((performance.now() - t0) / 1000);
  await rt.worker.close();
  return { startMs, stepsPerS };
}

/** Runs arriving at `perSecond`, each timed from its start call to its end. */
async function latency(rt: Runtime, runs: number, perSecond: number) {
  const done = allFinished(rt, runs);
  const started = new Map<string, number>();
  const interval = 1000 / perSecond;
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) {
    const due = t0 + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = performance.now();
    const id = await rt.engine.start('echo5', {}, null);
    started.set(id, at);
  }
  await done;
  const latencies = [...started].map(([id, at]) => rt.finished.get(id)! - at).sort((a, b) => a - b);
  return { p50: percentile(latencies, 50), p99: percentile(latencies, 99) };
}

/** WAITING runs left waiting on an approval; the worker's RSS before and after. */
async function waitingRss(rt: Runtime, runs: number) {
  globalThis.gc?.();
  const before = process.memoryUsage.rss();
  const ids: string[] = [];
  for (let i = 0; i < runs; i++) ids.push(await rt.engine.start('waits', {}, null));
  // Done when every run has asked: its approval record exists.
  for (;;) {
    const pending = await rt.engine.store.pendingApprovals(runs + 1);
    if (pending.length >= runs) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  globalThis.gc?.();
  const after = process.memoryUsage.rss();
  return { beforeMb: before / 1024 / 1024, afterMb: after / 1024 / 1024 };
}

async function main() {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const dir = await mkdtemp(join(tmpdir(), 'soar-bench-dist-'));
  const cleaner = new Redis(URL);
  try {
    await writeFile(join(dir, 'echo5.yaml'), echoChain(STEPS));
    await writeFile(join(dir, 'waits.yaml'), APPROVAL);
    // Warm-up of both sides, then the measurements.
    // BENCH_DIST_ENGINE_ONLY=1 skips the baselines (to profile the engine alone).
    const engineOnly = process.env.BENCH_DIST_ENGINE_ONLY === '1';
    if (!engineOnly) await baseline(`${prefix}-warm`, 400, STEPS);
    const unmeasured = { jobsPerS: NaN, perJob: { node_us: NaN, redis_us: NaN } };
    const processOnly = engineOnly ? unmeasured : await baseline(`${prefix}-flat`, RUNS * STEPS, 1);
    const rt = runtime(prefix, dir);
    await throughput(rt, Math.min(200, RUNS)); // warm-up
    // This machine's speed drifts from minute to minute: baseline and engine alternate, and
    // the ratio of each round is taken, then the median round reported.
    const rounds: { relay: Awaited<ReturnType<typeof baseline>>; engine: Throughput }[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const relay = engineOnly ? unmeasured : await baseline(`${prefix}-base${round}`, RUNS, STEPS);
      rounds.push({ relay, engine: await throughput(rt, RUNS) });
    }
    const ratioOf = (r: (typeof rounds)[number]) => r.engine.stepsPerS / r.relay.jobsPerS;
    const median = [...rounds].sort((a, b) => ratioOf(a) - ratioOf(b))[Math.floor(ROUNDS / 2)]!;
    const { relay, engine: max } = median;
    const baselineJobsPerS = relay.jobsPerS;
    const drain = await drainOnly(rt, RUNS);
    await rt.worker.start();
    const lat = await latency(rt, Math.min(RUNS, 1_000), max.runsPerS / 2);
    const rss = await waitingRss(rt, WAITING);
    await rt.close();

    const ratio = ratioOf(median);
    const result = {
      bench: 'distributed',
      redis: URL.replace(/\/\/[^@]*@/, '//***@'),
      worker_concurrency: CONCURRENCY,
      baseline_bullmq_noop_jobs_per_s: Math.round(baselineJobsPerS),
      baseline_note: `${RUNS} chains of ${STEPS} no-op jobs, each job adding the next (as a step dispatches the next)`,
      baseline_cpu_per_job: relay.perJob,
      bullmq_noop_process_only_jobs_per_s: Math.round(processOnly.jobsPerS),
      process_only_cpu_per_job: processOnly.perJob,
      runs: RUNS,
      steps_per_run: STEPS,
      engine_steps_per_s: Math.round(max.stepsPerS),
      engine_runs_per_s: round(max.runsPerS),
      engine_cpu_per_step: max.perStep,
      steps_vs_noop_jobs: round(ratio, 3),
      ratio_note: `the median of ${ROUNDS} rounds, each a baseline run then an engine run`,
      target_ratio: TARGET_RATIO,
      meets_target: ratio >= TARGET_RATIO,
      drain_only: {
        note: 'runs started before the worker, as the baseline adds its first jobs beforehand; not the headline figure',
        starting_ms: Math.round(drain.startMs),
        steps_per_s: Math.round(drain.stepsPerS),
        ratio_to_median_round_baseline: round(drain.stepsPerS / baselineJobsPerS, 3),
      },
      all_started_after_ms: Math.round(max.startedMs),
      all_finished_after_ms: Math.round(max.ms),
      rounds: rounds.map((r) => ({
        baseline_jobs_per_s: Math.round(r.relay.jobsPerS),
        engine_steps_per_s: Math.round(r.engine.stepsPerS),
        ratio: round(ratioOf(r), 3),
      })),
      latency_at_half_max: {
        runs_per_s: round(max.runsPerS / 2),
        p50_ms: round(lat.p50),
        p99_ms: round(lat.p99),
      },
      waiting_on_approval: {
        runs: WAITING,
        rss_before_mb: Math.round(rss.beforeMb),
        rss_after_mb: Math.round(rss.afterMb),
        rss_growth_mb: Math.round(rss.afterMb - rss.beforeMb),
      },
    };
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await deletePrefix(cleaner, prefix);
    cleaner.disconnect();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
