/*
 * The per-run block cap (settings.max_blocks_per_run), counted by run id inside the command:
 *
 * - Every object a run creates carries `[soar-run:<run id>]` in its comment, so the device
 *   itself can say how many objects a run has made (a filtered GET). That count survives a
 *   process restart and `soar resume`.
 * - This process also keeps the names it has let through per run, reserved synchronously
 *   before any write, so concurrent foreach items of one run cannot all pass the check at once.
 *
 * A run's budget is the union of both. An address counts once however often it is retried.
 * What this cannot do alone: hold the cap exactly across several worker processes blocking
 * for the same run at the same moment (each sees the device count, not the others'
 * reservations in flight). That needs a per-run counter in the engine's run store.
 */
import type { FortiGate } from './client.js';

/** How many runs' reservations one process remembers (oldest forgotten first). */
const MAX_TRACKED_RUNS = 1_000;
const reservations = new Map<string, Set<string>>();

export function runTag(runId: string): string {
  return `[soar-run:${runId}]`;
}

export class RunBudget {
  private constructor(
    private readonly names: Set<string>,
    readonly cap: number,
  ) {}

  /** Loads what the run has already created on the device (both address tables when used). */
  static async load(
    fortigate: FortiGate,
    scope: { instance: string; run: string; cap: number; ipv6: boolean },
  ): Promise<RunBudget> {
    const key = `${scope.instance}\u0000${fortigate.vdom}\u0000${scope.run}`;
    const names = reservations.get(key) ?? new Set<string>();
    reservations.delete(key);
    reservations.set(key, names);
    if (reservations.size > MAX_TRACKED_RUNS) {
      reservations.delete(reservations.keys().next().value!);
    }
    const query = { filter: `comment=@${runTag(scope.run)}`, format: 'name' };
    const tables = scope.ipv6 ? ['firewall/address', 'firewall/address6'] : ['firewall/address'];
    for (const table of tables) {
      for (const object of await fortigate.list(table, query)) {
        if (typeof object.name === 'string') names.add(object.name);
      }
    }
    return new RunBudget(names, scope.cap);
  }

  /** Takes one block from the budget for this object name; false when the cap is reached. */
  take(name: string): boolean {
    if (this.names.has(name)) return true;
    if (this.names.size >= this.cap) return false;
    this.names.add(name);
    return true;
  }
}
