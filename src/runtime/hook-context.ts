import type { CommandContext, InstanceContext } from '../integration-sdk/define.js';
import type { IntelService } from '../intel/service.js';
import type { HttpClients } from './http-clients.js';

const QUIET = { info: () => undefined, warn: () => undefined };

/**
 * The context an integration's hooks (`test`, `fetchIncidents`) run with: an instance, its
 * HTTP client and a deadline, but no run, so nothing they do is journaled as a step.
 */
export function hookContext(
  instance: InstanceContext,
  clients: HttpClients,
  timeoutMs: number,
  intel?: IntelService,
): Omit<CommandContext, 'run'> {
  return {
    ...(intel ? { intel } : {}),
    signal: AbortSignal.timeout(timeoutMs),
    instance,
    get http() {
      return clients.forInstance(instance);
    },
    log: QUIET,
    evidence: () => undefined,
    note: () => undefined,
  };
}
