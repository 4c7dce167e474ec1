/*
 * When a schedule fires. Pure: the clock is an argument.
 *
 * - A cron schedule fires for the latest tick at or before now that is after the last tick it
 *   fired for. Ticks missed while no scheduler ran collapse into one firing (the latest), not
 *   a burst. The first time a scheduler sees a cron schedule it only records a baseline: a
 *   daily 03:00 report does not run because a scheduler started at 10:00.
 * - An interval schedule (an instance's fetch_interval) fires at once the first time, then
 *   whenever an interval has passed since the last tick; ticks stay on the original grid, so
 *   a slow fetch does not make the next one drift later.
 */
import { latestTick, nextTick } from '../../playbook/schedule.js';

export type Schedule =
  | { key: string; kind: 'playbook'; playbook: string; cron: string }
  | { key: string; kind: 'fetch'; instance: string; intervalMs: number };

export type Decision =
  | { action: 'fire'; tick: number }
  | { action: 'baseline'; tick: number }
  | { action: 'wait'; next: number };

export function decide(schedule: Schedule, lastTick: number | null, now: number): Decision {
  if (schedule.kind === 'playbook') {
    const tick = latestTick(schedule.cron, now);
    if (lastTick === null) return { action: 'baseline', tick };
    if (tick > lastTick) return { action: 'fire', tick };
    return { action: 'wait', next: nextTick(schedule.cron, now) };
  }
  if (lastTick === null) return { action: 'fire', tick: now };
  const elapsed = Math.floor((now - lastTick) / schedule.intervalMs);
  if (elapsed >= 1) return { action: 'fire', tick: lastTick + elapsed * schedule.intervalMs };
  return { action: 'wait', next: lastTick + schedule.intervalMs };
}
