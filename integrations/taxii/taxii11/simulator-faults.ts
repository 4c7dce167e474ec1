/*
 * The simulator's request exchange and its fault injection, in the style of the other vendor
 * simulators: a fault hits the next N requests whose path starts with `path` (and, for
 * TAXII, that carry a given message type), and answers with a status and body, a
 * Status_Message, a delay, a reset connection or a body cut short.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StatusSeed } from './simulator-render.js';
import type { SimMessage } from './simulator-requests.js';

export interface Fault {
  /** Path prefix ("/taxii/poll"). */
  path: string;
  /** Only requests carrying this message type (Poll_Fulfillment...). */
  messageType?: string;
  /** How many matching requests it hits; default 1. */
  times?: number;
  /** Answer with this Status_Message (HTTP `status`, default 200). */
  statusMessage?: StatusSeed;
  status?: number;
  body?: string;
  contentType?: string;
  headers?: Record<string, string>;
  delayMs?: number;
  /** Close the connection without an answer. */
  reset?: boolean;
  /** Send the first half of the body with the full Content-Length, then close. */
  truncate?: boolean;
}

export interface SimRequest {
  method: string;
  path: string;
  /** Request headers, lower-case, without Authorization. */
  headers: Record<string, string>;
  /** The authenticated user, when the credentials were accepted. */
  user?: string;
  message?: SimMessage;
  /** HTTP status, -1 for a reset. */
  status: number;
  /** What was answered: a message type, `Status_Message:<type>`, or `fault`. */
  answer: string;
}

export interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  path: string;
  record: SimRequest;
}

export class FaultQueue {
  private readonly faults: Fault[] = [];

  push(fault: Fault): void {
    this.faults.push({ ...fault });
  }

  /** The fault for this request, counted as used; undefined when none applies. */
  take(x: Exchange): Fault | undefined {
    const at = this.faults.findIndex(
      (f) =>
        x.path.startsWith(f.path) &&
        (f.messageType === undefined || f.messageType === x.record.message?.type),
    );
    if (at < 0) return undefined;
    const fault = this.faults[at]!;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) this.faults.splice(at, 1);
    return fault;
  }
}

/**
 * Plays `fault` on the exchange; true when that answered the request (a fault with only a
 * delay lets the request go on). `answerStatus` renders a Status_Message.
 */
export async function applyFault(
  x: Exchange,
  fault: Fault,
  answerStatus: (seed: StatusSeed, httpStatus: number) => void,
): Promise<boolean> {
  if (fault.delayMs) await new Promise((resolve) => setTimeout(resolve, fault.delayMs));
  if (fault.reset) {
    x.record.status = -1;
    x.record.answer = 'fault';
    x.req.socket.destroy();
    return true;
  }
  if (fault.statusMessage !== undefined) {
    answerStatus(fault.statusMessage, fault.status ?? 200);
    return true;
  }
  if (fault.status === undefined) return false;
  const contentType = fault.contentType ?? 'application/xml';
  if (!fault.truncate) {
    send(x, fault.status, contentType, fault.body ?? '', 'fault', fault.headers);
    return true;
  }
  const body = Buffer.from(fault.body ?? '');
  x.record.status = fault.status;
  x.record.answer = 'fault';
  x.res.writeHead(fault.status, {
    'content-type': contentType,
    'content-length': String(body.length),
    ...fault.headers,
  });
  x.res.write(body.subarray(0, Math.floor(body.length / 2)));
  x.req.socket.destroy();
  return true;
}

export function send(
  x: Exchange,
  status: number,
  contentType: string,
  body: string,
  answer: string,
  headers: Record<string, string> = {},
): void {
  x.record.status = status;
  x.record.answer = answer;
  x.res.writeHead(status, { 'content-type': contentType, ...headers });
  x.res.end(body);
}
