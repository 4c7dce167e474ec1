import { afterEach } from 'vitest';
import type { CommandContext, CommandDefinition } from '../../../src/integration-sdk/define.js';
import type { InstanceContext } from '../../../src/integration-sdk/define.js';
import type { HttpCallRecord } from '../../../src/integration-sdk/http.js';
import type { Artifact } from '../../../src/journal/entry.js';
import { HttpClients } from '../../../src/runtime/http-clients.js';
import { clearSessions } from '../../../integrations/cybereason/sessions.js';
import {
  SIM_PASSWORD,
  SIM_USER,
  startCybereasonSimulator,
  type CybereasonSimulator,
  type SimulatorOptions,
} from '../../../integrations/cybereason/simulator/server.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  clearSessions();
});

export async function simulator(options: SimulatorOptions = {}): Promise<CybereasonSimulator> {
  const sim = await startCybereasonSimulator(options);
  cleanups.push(() => sim.close());
  return sim;
}

export interface Journaled {
  requests: HttpCallRecord[];
  evidence: { summary: string; artifacts: Artifact[]; data?: Record<string, unknown> }[];
  notes: string[];
}

/** A command context against `sim`, the way the executor builds one, recording what it journals. */
export function contextFor(
  sim: { url: string },
  overrides: Partial<InstanceContext> = {},
): { ctx: CommandContext; journal: Journaled; clients: HttpClients } {
  const clients = new HttpClients();
  cleanups.push(() => clients.close());
  const instance: InstanceContext = {
    id: 'cybereason-test',
    url: sim.url,
    credentials: { username: SIM_USER, password: SIM_PASSWORD },
    settings: {},
    timeoutMs: 5_000,
    tls: { verify: true },
    dryRun: false,
    ...overrides,
  };
  const journal: Journaled = { requests: [], evidence: [], notes: [] };
  const http = clients.forStep(instance, (call) => journal.requests.push(call));
  const ctx: CommandContext = {
    signal: new AbortController().signal,
    log: { info: () => undefined, warn: () => undefined },
    evidence: (summary, artifacts, data) =>
      journal.evidence.push({ summary, artifacts, ...(data ? { data } : {}) }),
    note: (summary) => journal.notes.push(summary),
    run: { id: 'run-1', step: 'step', attempt: 1, incident: null, dryRun: instance.dryRun },
    instance,
    http,
  };
  return { ctx, journal, clients };
}

/** Runs a command as the executor would, returning its output. */
export function run<O>(command: CommandDefinition, ctx: CommandContext, input: object): Promise<O> {
  return command.run(ctx, input as never) as Promise<O>;
}

/** The error a promise rejects with. */
export async function failure(
  promise: Promise<unknown>,
): Promise<Error & { code: string; retryable: boolean }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code: string; retryable: boolean };
  }
  throw new Error('expected a failure');
}
