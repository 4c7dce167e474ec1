import { parseDuration } from './duration.js';
import type {
  ActiveStep,
  ItemRef,
  JournalRequest,
  MachineAction,
  RunContext,
} from './run-model.js';
import type { Retry, Step } from './schema.js';
import { STAY } from './routes.js';

/** Small pure operations on a run's context, shared by the Decider's handlers. */

const MAX_RETRY_DELAY_MS = 3_600_000;

export function itemIsLive(ctx: RunContext, step: string, item: ItemRef): boolean {
  return ctx.loops[step]?.inflight[item.index]?.attempt === item.attempt;
}

export function setPhase(ctx: RunContext, step: string, phase: ActiveStep['phase']): RunContext {
  return { ...ctx, active: { ...ctx.active, [step]: { ...ctx.active[step]!, phase } } };
}

export function setItem(
  ctx: RunContext,
  step: string,
  index: number,
  progress: { attempt: number; phase: ActiveStep['phase'] },
): RunContext {
  const loop = ctx.loops[step]!;
  return {
    ...ctx,
    loops: { ...ctx.loops, [step]: { ...loop, inflight: { ...loop.inflight, [index]: progress } } },
  };
}

/** Visits so far: the active entry knows while a step runs, its record afterwards. */
export function visitsOf(ctx: RunContext, step: string): number {
  return ctx.active[step]?.visit ?? ctx.steps[step]?.visits ?? 0;
}

/** Handles an event without moving: the run stays in its states, with more actions. */
export function stay(
  ctx: RunContext,
  actions: MachineAction[],
): { route: string; context: RunContext } {
  return { route: STAY, context: { ...ctx, pending: [...ctx.pending, ...actions] } };
}

export function writable<T extends object>(map: T, owned: WeakSet<object> | null): T {
  if (owned?.has(map)) return map;
  const copy = { ...map };
  owned?.add(copy);
  return copy;
}

export function withEntry<V>(
  map: Record<string, V>,
  key: string,
  value: V,
  owned: WeakSet<object> | null,
): Record<string, V> {
  const target = writable(map, owned);
  target[key] = value;
  return target;
}

/** Actions prepare and execute in one phase: the driver evaluates arguments, then calls. */
export function entryPhase(def: Step): ActiveStep['phase'] {
  return def.type === 'parallel' ? 'items' : def.type === 'action' ? 'running' : 'prepare';
}

export function journal(
  kind: JournalRequest['entry']['kind'],
  step: string | null,
  summary: string,
  data?: Record<string, unknown>,
): JournalRequest {
  return { kind: 'journal', entry: { kind, step, summary, ...(data ? { data } : {}) } };
}

export function retryDelay(policy: Retry, attempt: number, retryAfterMs?: number): number {
  const base = parseDuration(policy.delay ?? '1s');
  const computed = policy.backoff === 'exponential' ? base * 2 ** (attempt - 1) : base;
  return Math.min(MAX_RETRY_DELAY_MS, Math.max(computed, retryAfterMs ?? 0));
}

export function addMs(iso: string, ms: number): string {
  return new Date(Date.parse(iso) + ms).toISOString();
}
