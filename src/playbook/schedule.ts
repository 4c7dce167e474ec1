/*
 * `trigger.schedule`: a cron expression in UTC (five fields, or six with seconds first), as
 * BullMQ's job schedulers read it, so one playbook fires at the same instants whichever
 * scheduler drives it. Pure: every instant is given, none is read from a clock.
 */
import { CronExpressionParser } from 'cron-parser';

const OPTIONS = { tz: 'UTC', strict: false } as const;

/** Why the expression cannot be used, or null when it can. */
export function scheduleProblem(expression: string): string | null {
  const fields = expression.trim().split(/\s+/).length;
  if (!expression.trim().startsWith('@') && (fields < 5 || fields > 6)) {
    return 'a cron expression has 5 fields (minute hour day-of-month month day-of-week), or 6 with seconds first';
  }
  try {
    CronExpressionParser.parse(expression, { ...OPTIONS, currentDate: new Date(0) }).next();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

/** The latest instant at or before `at` that the schedule fires, in epoch ms. */
export function latestTick(expression: string, at: number): number {
  // prev() is strictly before currentDate: start one millisecond later to include `at`.
  const cron = CronExpressionParser.parse(expression, {
    ...OPTIONS,
    currentDate: new Date(at + 1),
  });
  return cron.prev().getTime();
}

/** The first instant strictly after `at` that the schedule fires, in epoch ms. */
export function nextTick(expression: string, at: number): number {
  const cron = CronExpressionParser.parse(expression, { ...OPTIONS, currentDate: new Date(at) });
  return cron.next().getTime();
}
