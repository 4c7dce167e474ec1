import { afterEach } from 'vitest';
import {
  HttpClient,
  type HttpCallRecord,
  type HttpRequest,
  type HttpRequester,
} from '../../../src/integration-sdk/http.js';
import { Taxii21Client, TaxiiError } from '../../../integrations/taxii/taxii21/client.js';
import {
  SIM_PASSWORD,
  SIM_USER,
  startTaxii21Simulator,
  type Taxii21Simulator,
  type Taxii21SimulatorOptions,
} from '../../../integrations/taxii/taxii21/simulator.js';

const cleanups: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

export async function simulator(options: Taxii21SimulatorOptions = {}): Promise<Taxii21Simulator> {
  const sim = await startTaxii21Simulator(options);
  cleanups.push(() => sim.close());
  return sim;
}

export interface ClientSetup {
  username?: string;
  password?: string;
  timeoutMs?: number;
  /** Rewrites each request before it is sent (to send what the client would not). */
  rewrite?: (req: HttpRequest) => HttpRequest;
}

export interface TestClient {
  taxii: Taxii21Client;
  /** What the HTTP client reported for the journal. */
  calls: HttpCallRecord[];
  http: HttpClient;
}

export function clientFor(sim: { url: string }, setup: ClientSetup = {}): TestClient {
  const calls: HttpCallRecord[] = [];
  const http = new HttpClient({
    baseUrl: sim.url,
    timeoutMs: setup.timeoutMs ?? 5_000,
    onCall: (call) => calls.push(call),
  });
  cleanups.push(() => http.close());
  const rewrite = setup.rewrite ?? ((req: HttpRequest) => req);
  const requester: HttpRequester = { request: (req) => http.request(rewrite(req)) };
  const taxii = new Taxii21Client({
    http: requester,
    baseUrl: sim.url,
    username: setup.username ?? SIM_USER,
    password: setup.password ?? SIM_PASSWORD,
  });
  return { taxii, calls, http };
}

/** `2026-01-01T00:00:00.000Z` plus `index` seconds, one date_added per object. */
export function secondsAfterNewYear(index: number): string {
  return new Date(Date.UTC(2026, 0, 1) + (index + 1) * 1000).toISOString();
}

/** The TaxiiError `promise` rejects with; fails the test if it resolves or throws anything else. */
export async function expectTaxiiError(promise: Promise<unknown>): Promise<TaxiiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TaxiiError) return error;
    throw new Error(`expected a TaxiiError, got ${String(error)}`);
  }
  throw new Error('expected a TaxiiError, got success');
}

export const BASIC_TOKEN = Buffer.from(`${SIM_USER}:${SIM_PASSWORD}`).toString('base64');
