import type { IoEffect, RunContext } from './run-model.js';

/** Effects that stay pending until an event consumes them (the outbox); others are fire-and-forget. */
export type PendingEffect = Extract<
  IoEffect,
  { kind: 'execute' | 'timer' | 'approval' | 'subrun' }
>;

export function isPendingKind(effect: IoEffect): effect is PendingEffect {
  return (
    effect.kind === 'execute' ||
    effect.kind === 'timer' ||
    effect.kind === 'approval' ||
    effect.kind === 'subrun'
  );
}

/**
 * Whether an outbox effect still matters: its step token is active and in the phase the
 * effect serves. The outbox is derived this way after every event, so nothing has to
 * remember to remove a consumed effect.
 */
export function isEffectLive(ctx: RunContext, effect: PendingEffect): boolean {
  const active = ctx.active[effect.step];
  if (!active || active.token !== effect.token) return false;
  const item = 'item' in effect ? effect.item : undefined;
  if (item) {
    const progress = ctx.loops[effect.step]?.inflight[item.index];
    if (!progress || progress.attempt !== item.attempt) return false;
    return progress.phase === (effect.kind === 'execute' ? 'running' : 'retry-wait');
  }
  switch (effect.kind) {
    case 'execute':
      return active.phase === 'running';
    case 'approval':
      return active.phase === 'approval';
    case 'subrun':
      return active.phase === 'subrun';
    case 'timer':
      return (
        active.phase ===
        (effect.purpose === 'retry'
          ? 'retry-wait'
          : effect.purpose === 'wait'
            ? 'waiting'
            : 'approval')
      );
  }
}

/** A stable key for an effect, used to deduplicate dispatch (and as a job id in distributed mode). */
export function effectKey(runId: string, effect: PendingEffect): string {
  const item =
    'item' in effect && effect.item ? `-i${effect.item.index}.${effect.item.attempt}` : '';
  const purpose = effect.kind === 'timer' ? `-${effect.purpose}` : '';
  return `${runId}-${effect.kind}${purpose}-${effect.token}${item}`;
}
