import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openLocal, registry } from '../../../src/cli/local-context.js';
import { PlaybookLibrary } from '../../../src/runtime/playbook-library.js';
import { LocalScheduler } from '../../../src/runtime/schedule/local-scheduler.js';
import {
  SIM_INDICATORS_COLLECTION,
  SIM_PASSWORD,
  SIM_USER,
  startTaxii21Simulator,
} from '../../../integrations/taxii/taxii21/simulator.js';

const SCHEDULED = `id: nightly-echo
name: A scheduled echo
trigger:
  schedule: '*/15 * * * *'
start: echo
steps:
  echo:
    uses: core.echo
    with: { at: '\${{ $now() }}' }
    next: done
  done:
    type: end
    outputs: { at: '\${{ steps.echo.output.at }}' }
`;

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'soar-sched-'));
  await writeFile(join(dir, 'nightly-echo.yaml'), SCHEDULED);
  await writeFile(join(dir, 'soar.config.yaml'), 'instances: {}\n');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

function scheduler(clock: { now: number }) {
  const reg = registry();
  return new LocalScheduler({
    now: () => clock.now,
    open: async () => {
      const library = new PlaybookLibrary(dir, reg);
      const local = await openLocal(join(dir, 'data'), library, 'test', {
        registry: reg,
        config: join(dir, 'soar.config.yaml'),
      });
      return { ...local, library, registry: reg };
    },
  });
}

describe('LocalScheduler', () => {
  it("polls a feed instance on its fetch_interval into the data dir's indicator store", async () => {
    const sim = await startTaxii21Simulator();
    try {
      Object.assign(process.env, { SCHED_FEED_USER: SIM_USER, SCHED_FEED_PASSWORD: SIM_PASSWORD });
      await writeFile(
        join(dir, 'soar.config.yaml'),
        [
          'instances:',
          '  cti:',
          '    integration: taxii',
          `    url: ${sim.url}`,
          '    fetch_interval: 1h',
          '    credentials: { username: "${env:SCHED_FEED_USER}", password: "${env:SCHED_FEED_PASSWORD}" }',
          `    settings: { version: "2.1", collection: ${SIM_INDICATORS_COLLECTION} }`,
          '',
        ].join('\n'),
      );
      const clock = { now: Date.now() };
      const tick = await scheduler(clock).tick();
      expect(tick.baselined).toEqual(['playbook.nightly-echo']);
      expect(tick.fired).toHaveLength(1);
      expect(tick.fired[0]).toMatchObject({ key: 'fetch.cti', ok: true });
      expect(tick.fired[0]!.result).toMatch(/^\d+ objects, \d+ indicators: \d+ added/);
      // Within the hour nothing is due; the store answers in the meantime.
      clock.now += 30 * 60_000;
      const later = await scheduler(clock).tick();
      expect(later.fired.map((f) => f.key)).not.toContain('fetch.cti');
      const reg = registry();
      const local = await openLocal(join(dir, 'data'), new PlaybookLibrary(dir, reg), 'test', {
        registry: reg,
        config: join(dir, 'soar.config.yaml'),
      });
      expect((await local.intel.count()) > 0).toBe(true);
      await local.close();
    } finally {
      await sim.close();
    }
  });

  it('fires each cron tick once, across restarts, with a run id derived from the tick', async () => {
    const clock = { now: Date.parse('2026-11-22T10:07:00Z') };
    const first = await scheduler(clock).tick();
    expect(first).toMatchObject({ fired: [], baselined: ['playbook.nightly-echo'] });
    expect(first.next).toBe(Date.parse('2026-11-22T10:15:00Z'));

    clock.now = Date.parse('2026-11-22T10:15:02Z');
    const second = await scheduler(clock).tick();
    expect(second.fired).toEqual([
      {
        key: 'playbook.nightly-echo',
        tick: '2026-11-22T10:15:00.000Z',
        ok: true,
        run: 'run-nightly-echo-20261122T101500000Z',
        result: 'run run-nightly-echo-20261122T101500000Z completed',
      },
    ]);

    // A second scheduler (or a restart) at the same instant finds the tick taken.
    expect((await scheduler(clock).tick()).fired).toEqual([]);

    // Down for an hour: one firing for the latest missed tick.
    clock.now = Date.parse('2026-11-22T11:20:00Z');
    const late = await scheduler(clock).tick();
    expect(late.fired.map((f) => f.tick)).toEqual(['2026-11-22T11:15:00.000Z']);
  });

  it('starts nothing twice when a tick is fired again after a crash', async () => {
    const clock = { now: Date.parse('2026-11-22T10:07:00Z') };
    await scheduler(clock).tick();
    clock.now = Date.parse('2026-11-22T10:15:02Z');
    const s = scheduler(clock);
    await s.tick();
    // The state file is lost (the crash came before it was written): the tick fires again…
    await writeFile(
      join(dir, 'data', 'schedules', 'playbook.nightly-echo.json'),
      JSON.stringify({
        key: 'playbook.nightly-echo',
        last_tick: Date.parse('2026-11-22T10:00:00Z'),
        fired_at: null,
        last_result: null,
      }),
    );
    const again = await s.tick();
    // …and finds its run already there.
    expect(again.fired[0]!.run).toBe('run-nightly-echo-20261122T101500000Z');
    const runs = (await readdir(join(dir, 'data', 'runs'))).filter((f) => f.endsWith('.json'));
    expect(runs).toEqual(['run-nightly-echo-20261122T101500000Z.json']);
  });
});
