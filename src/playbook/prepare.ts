import { parseDuration } from './duration.js';
import { evaluateValue, ExpressionError, type Scope } from './expressions.js';
import type { PrepareRequest, RunContext, RunEvent } from './run-model.js';
import type { Playbook } from './schema.js';

/** A foreach over more items than this fails: fan-out that large belongs in a feed, not a step. */
export const MAX_FOREACH_ITEMS = 10_000;

export function scopeOf(ctx: RunContext, item?: { value: unknown; index: number }): Scope {
  return {
    inputs: ctx.inputs,
    incident: ctx.incident,
    steps: ctx.steps,
    vars: ctx.vars,
    run: { id: ctx.run.id, playbook: ctx.run.playbook, started_at: ctx.run.started_at },
    ...(item ? { item: item.value, index: item.index } : {}),
  };
}

/**
 * Evaluates a step's expressions and says what it needs next, as an event for the machine.
 * Pure (no I/O, time is the run's logical time) but asynchronous, because JSONata is.
 */
export async function prepareStep(
  playbook: Playbook,
  ctx: RunContext,
  request: PrepareRequest,
): Promise<RunEvent> {
  const { step, token, item } = request;
  const at = ctx.now;
  const nowMs = Date.parse(at);
  const def = playbook.steps[step]!;
  const base = { step, token, at, ...(item ? { item } : {}) };
  try {
    if (!item && def.if !== undefined) {
      const condition = await evaluateValue(def.if, scopeOf(ctx), nowMs);
      if (!truthy(condition)) return { type: 'STEP.SKIPPED', ...base };
    }
    const scope = scopeOf(ctx);
    switch (def.type) {
      case 'action': {
        const input = (await evaluateValue(def.with ?? {}, scope, nowMs)) as Record<
          string,
          unknown
        >;
        return {
          type: 'STEP.READY',
          ...base,
          effect: {
            kind: 'execute',
            uses: def.uses,
            ...(def.instance !== undefined ? { instance: def.instance } : {}),
            input,
            timeoutMs: def.timeout ? parseDuration(def.timeout) : null,
          },
        };
      }
      case 'foreach': {
        if (item) {
          const value = ctx.loops[step]?.items[item.index];
          const input = (await evaluateValue(
            def.do.with ?? {},
            scopeOf(ctx, { value, index: item.index }),
            nowMs,
          )) as Record<string, unknown>;
          const timeout = def.do.timeout ?? def.timeout;
          return {
            type: 'STEP.READY',
            ...base,
            effect: {
              kind: 'execute',
              uses: def.do.uses,
              ...(def.do.instance !== undefined ? { instance: def.do.instance } : {}),
              input,
              timeoutMs: timeout ? parseDuration(timeout) : null,
            },
          };
        }
        const items = await evaluateValue(def.items, scope, nowMs);
        const list = items === null ? [] : Array.isArray(items) ? items : [items];
        if (list.length > MAX_FOREACH_ITEMS) {
          return failed(
            base,
            `foreach '${step}' has ${list.length} items; the limit is ${MAX_FOREACH_ITEMS}`,
            'TOO_MANY_ITEMS',
          );
        }
        return { type: 'FOREACH.ITEMS', ...base, items: list };
      }
      case 'choice': {
        for (const choice of def.choices) {
          if (truthy(await evaluateValue(choice.when, scope, nowMs)))
            return { type: 'STEP.DONE', ...base, output: { next: choice.next }, next: choice.next };
        }
        return {
          type: 'STEP.DONE',
          ...base,
          output: { next: def.default ?? null },
          next: def.default ?? null,
        };
      }
      case 'set': {
        const vars = (await evaluateValue(def.vars, scope, nowMs)) as Record<string, unknown>;
        return { type: 'STEP.DONE', ...base, output: vars, vars };
      }
      case 'end':
        return {
          type: 'STEP.DONE',
          ...base,
          output: await evaluateValue(def.outputs ?? {}, scope, nowMs),
        };
      case 'wait': {
        const fireAt = def.for
          ? new Date(nowMs + parseDuration(def.for)).toISOString()
          : toInstant(await evaluateValue(def.until, scope, nowMs));
        if (fireAt === null)
          return failed(
            base,
            `wait '${step}': until did not give a time (expected an ISO-8601 string or epoch milliseconds)`,
            'BAD_TIME',
          );
        return { type: 'STEP.READY', ...base, effect: { kind: 'timer', fireAt } };
      }
      case 'approval': {
        const prompt = String(await evaluateValue(def.prompt, scope, nowMs));
        return { type: 'STEP.READY', ...base, effect: { kind: 'approval', prompt } };
      }
      case 'playbook': {
        const inputs = (await evaluateValue(def.inputs ?? {}, scope, nowMs)) as Record<
          string,
          unknown
        >;
        return {
          type: 'STEP.READY',
          ...base,
          effect: { kind: 'subrun', playbook: def.playbook, inputs },
        };
      }
      case 'parallel':
        return failed(base, 'a parallel step has nothing to prepare', 'INTERNAL');
    }
  } catch (error) {
    if (error instanceof ExpressionError) return failed(base, error.message, 'EXPRESSION');
    throw error;
  }
}

function failed(
  base: { step: string; token: string; at: string },
  message: string,
  code: string,
): RunEvent {
  return { type: 'STEP.FAILED', ...base, error: { message, code, retryable: false } };
}

/** JSONata truthiness, narrowed to what conditions mean to an analyst. */
export function truthy(value: unknown): boolean {
  if (Array.isArray(value)) return value.length > 0;
  if (value && typeof value === 'object') return Object.keys(value).length > 0;
  return Boolean(value);
}

function toInstant(value: unknown): string | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value).toISOString();
  if (typeof value === 'string' && !Number.isNaN(Date.parse(value)))
    return new Date(Date.parse(value)).toISOString();
  return null;
}
