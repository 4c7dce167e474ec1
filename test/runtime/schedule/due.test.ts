import { describe, expect, it } from 'vitest';
import { decide, type Schedule } from '../../../src/runtime/schedule/due.js';

const at = (iso: string) => Date.parse(iso);
const every15: Schedule = {
  key: 'playbook.p',
  kind: 'playbook',
  playbook: 'p',
  cron: '*/15 * * * *',
};
const fetch5m: Schedule = { key: 'fetch.cr', kind: 'fetch', instance: 'cr', intervalMs: 300_000 };

describe('when a schedule fires', () => {
  it('records a baseline the first time it sees a cron schedule, and fires nothing', () => {
    expect(decide(every15, null, at('2026-11-22T10:07:00Z'))).toEqual({
      action: 'baseline',
      tick: at('2026-11-22T10:00:00Z'),
    });
  });

  it('fires a cron tick once, then waits for the next', () => {
    const last = at('2026-11-22T10:00:00Z');
    expect(decide(every15, last, at('2026-11-22T10:15:00Z'))).toEqual({
      action: 'fire',
      tick: at('2026-11-22T10:15:00Z'),
    });
    expect(decide(every15, at('2026-11-22T10:15:00Z'), at('2026-11-22T10:16:30Z'))).toEqual({
      action: 'wait',
      next: at('2026-11-22T10:30:00Z'),
    });
  });

  it('collapses cron ticks missed while no scheduler ran into one firing, the latest', () => {
    expect(decide(every15, at('2026-11-22T10:00:00Z'), at('2026-11-22T13:52:00Z'))).toEqual({
      action: 'fire',
      tick: at('2026-11-22T13:45:00Z'),
    });
  });

  it('fires an interval schedule at once the first time, then on its own grid', () => {
    const start = at('2026-11-22T10:00:07Z');
    expect(decide(fetch5m, null, start)).toEqual({ action: 'fire', tick: start });
    expect(decide(fetch5m, start, start + 299_000)).toEqual({
      action: 'wait',
      next: start + 300_000,
    });
    // A late scheduler fires the latest grid point, not "now": the grid does not drift.
    expect(decide(fetch5m, start, start + 1_000_000)).toEqual({
      action: 'fire',
      tick: start + 900_000,
    });
  });

  it('waits when the clock went back', () => {
    const last = at('2026-11-22T10:00:00Z');
    expect(decide(fetch5m, last, last - 60_000)).toEqual({ action: 'wait', next: last + 300_000 });
  });
});
