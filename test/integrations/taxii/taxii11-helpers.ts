import { afterEach } from 'vitest';
import { HttpClient, type HttpCallRecord } from '../../../src/integration-sdk/http.js';
import { Taxii11Client } from '../../../integrations/taxii/taxii11/client.js';
import type { TaxiiError } from '../../../integrations/taxii/taxii11/errors.js';
import type { PollOptions, PollResult } from '../../../integrations/taxii/taxii11/poll.js';
import type { ContentBlock } from '../../../integrations/taxii/taxii11/responses.js';
import {
  SIM_API_KEY,
  startTaxii11Simulator,
  type Taxii11Simulator,
  type Taxii11SimulatorOptions,
} from '../../../integrations/taxii/taxii11/simulator.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export async function simulator(options: Taxii11SimulatorOptions = {}): Promise<Taxii11Simulator> {
  const sim = await startTaxii11Simulator(options);
  cleanups.push(() => sim.close());
  return sim;
}

export interface ClientSetup {
  username?: string;
  password?: string;
  timeoutMs?: number;
}

/** A client against `sim` through a real HttpClient, with the calls it journals. */
export function clientFor(
  sim: { url: string },
  setup: ClientSetup = {},
): { client: Taxii11Client; calls: HttpCallRecord[] } {
  const calls: HttpCallRecord[] = [];
  const http = new HttpClient({
    baseUrl: sim.url,
    timeoutMs: setup.timeoutMs ?? 5_000,
    onCall: (call) => calls.push(call),
  });
  cleanups.push(() => http.close());
  const client = new Taxii11Client({
    http,
    url: sim.url,
    username: setup.username ?? SIM_API_KEY,
    password: setup.password ?? '',
  });
  return { client, calls };
}

/** Polls and keeps every block. */
export async function pollAll(
  client: Taxii11Client,
  options: Omit<PollOptions, 'onBlock'>,
): Promise<{ blocks: ContentBlock[]; result: PollResult }> {
  const blocks: ContentBlock[] = [];
  const result = await client.poll({ ...options, onBlock: (block) => void blocks.push(block) });
  return { blocks, result };
}

/** The TaxiiError a promise rejects with. */
export async function failure(promise: Promise<unknown>): Promise<TaxiiError> {
  try {
    await promise;
  } catch (error) {
    return error as TaxiiError;
  }
  throw new Error('expected a failure, got a result');
}
