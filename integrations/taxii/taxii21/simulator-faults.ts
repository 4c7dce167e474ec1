/*
 * Faults the TAXII 2.1 simulator can inject, like the other vendor simulators: a status with
 * any body (429 with Retry-After, 5xx, HTML), a delay, a reset connection, or a body cut off
 * halfway through its declared Content-Length.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { TAXII_CONTENT_TYPE } from './simulator-errors.js';

export interface TaxiiSimFault {
  /** Path prefix ("/api1/collections/"); "/" hits everything. */
  path: string;
  method?: string;
  /** How many matching requests it hits; default 1. */
  times?: number;
  status?: number;
  body?: string;
  contentType?: string;
  /** e.g. `{ 'retry-after': '7' }` with status 429. */
  headers?: Record<string, string>;
  /** Wait before answering (or before applying the rest of the fault). */
  delayMs?: number;
  /** Close the connection without an answer. */
  reset?: boolean;
  /** Send half of the body (with the full Content-Length), then close. */
  truncate?: boolean;
}

/** The first fault matching the request, counted down and dropped when used up. */
export function takeFault(
  faults: TaxiiSimFault[],
  method: string,
  path: string,
): TaxiiSimFault | undefined {
  const at = faults.findIndex(
    (fault) =>
      path.startsWith(fault.path) && (fault.method === undefined || fault.method === method),
  );
  const fault = faults[at];
  if (fault === undefined) return undefined;
  fault.times = (fault.times ?? 1) - 1;
  if (fault.times <= 0) faults.splice(at, 1);
  return fault;
}

/** Plays the fault; true when it answered the request (a delay alone lets it through). */
export async function applyFault(
  fault: TaxiiSimFault,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<boolean> {
  if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (fault.reset) {
    req.socket.destroy();
    return true;
  }
  if (fault.status === undefined) return false;
  const body = Buffer.from(fault.body ?? '');
  res.writeHead(fault.status, {
    'content-type': fault.contentType ?? TAXII_CONTENT_TYPE,
    'content-length': String(body.length),
    ...fault.headers,
  });
  if (!fault.truncate) {
    res.end(body);
    return true;
  }
  res.write(body.subarray(0, Math.floor(body.length / 2)));
  req.socket.destroy();
  return true;
}
