/*
 * A local TAXII 1.1 server shaped like AlienVault OTX (/taxii/discovery, /taxii/collections,
 * /taxii/poll; Basic auth with the API key as user) and libtaxii servers in general: it
 * checks the X-TAXII-* headers, answers problems with Status_Messages (HTTP 200, as OTX
 * does), honours the poll window (begin exclusive, end inclusive) and splits large results
 * into parts fetched with Poll_Fulfillment. Quirks of other servers are options; faults are
 * injected per path like the other vendor simulators. Tests inspect `state` and `requests`.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { stix1Fixtures } from '../fixtures/stix1.js';
import {
  applyFault,
  FaultQueue,
  send,
  type Exchange,
  type Fault,
  type SimRequest,
} from './simulator-faults.js';
import { checkHeaders } from './simulator-headers.js';
import { answerPoll, answerFulfillment } from './simulator-poll.js';
import {
  collectionInformationResponse,
  discoveryResponse,
  statusMessage,
  type RenderStyle,
  type StatusSeed,
} from './simulator-render.js';
import { readRequest } from './simulator-requests.js';
import { Taxii11SimState, type SimCollection } from './simulator-state.js';

export type { Fault, SimRequest } from './simulator-faults.js';

export const SIM_API_KEY = '5c0ffee5d0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f';
export const SIM_USER = 'soar-feeds';
export const SIM_PASSWORD = 'Taxii-Sim-Pass-7c41d2';

export interface Taxii11SimulatorOptions {
  /** user → password; default the OTX way (SIM_API_KEY, empty password) and SIM_USER. */
  users?: Record<string, string>;
  /** Default: user_AlienVault with the STIX 1.x fixtures, user_soar-feeds empty. */
  collections?: (Partial<SimCollection> & { name: string })[];
  /** Blocks per Poll_Response part; default 100. */
  partSize?: number;
  /** Timestamps as ISO 8601 with Z, or as libtaxii writes them; default '+00:00'. */
  timestamps?: 'Z' | '+00:00';
  /** Leave Inclusive_End_Timestamp out of Poll_Responses. */
  omitEndTimestamp?: boolean;
  /** An unknown collection: an empty Poll_Response (OTX, default) or Status_Message NOT_FOUND. */
  unknownCollection?: 'empty' | 'not-found';
  /** Refused credentials: Status_Message UNAUTHORIZED with HTTP 200 (default) or HTTP 401. */
  unauthorized?: 'status-message' | 'http-401';
  /** How Content holds the package; default inline markup. */
  content?: 'inline' | 'escaped' | 'cdata';
  /** Namespace prefix of responses; '' for a default namespace. Default taxii_11. */
  prefix?: string;
  /** The protocol binding advertised and expected in X-TAXII-Protocol; default http. */
  protocol?: 'http' | 'https';
  /** The server's clock, for the end of a window without one. */
  now?: () => number;
  port?: number;
}

export interface Taxii11Simulator {
  url: string;
  state: Taxii11SimState;
  requests: SimRequest[];
  inject(fault: Fault): void;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;
const ENDPOINTS: Record<string, string[]> = {
  '/taxii/discovery': ['Discovery_Request'],
  '/taxii/collections': ['Collection_Information_Request'],
  '/taxii/poll': ['Poll_Request', 'Poll_Fulfillment'],
};

export async function startTaxii11Simulator(
  options: Taxii11SimulatorOptions = {},
): Promise<Taxii11Simulator> {
  const users = options.users ?? { [SIM_API_KEY]: '', [SIM_USER]: SIM_PASSWORD };
  const state = new Taxii11SimState();
  for (const collection of options.collections ?? defaultCollections())
    state.addCollection(collection);
  const style: RenderStyle = {
    prefix: options.prefix ?? 'taxii_11',
    timestamps: options.timestamps ?? '+00:00',
    content: options.content ?? 'inline',
  };
  const protocol = `urn:taxii.mitre.org:protocol:${options.protocol ?? 'http'}:1.0`;
  const faults = new FaultQueue();
  const requests: SimRequest[] = [];
  let baseUrl = '';

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://simulator').pathname;
      const headers = Object.fromEntries(
        Object.entries(req.headers)
          .filter(([name]) => name !== 'authorization')
          .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
      );
      const record: SimRequest = {
        method: req.method ?? 'GET',
        path,
        headers,
        status: 0,
        answer: '',
      };
      requests.push(record);
      const x: Exchange = { req, res, path, record };
      void handle(x, Buffer.concat(chunks).toString('utf8'), size).catch((error: unknown) => {
        send(x, 500, 'text/plain', `simulator error: ${String(error)}`, 'error');
      });
    });
  });

  async function handle(x: Exchange, body: string, size: number): Promise<void> {
    const read = readRequest(body);
    if ('message' in read) x.record.message = read.message;
    const fault = faults.take(x);
    const answerFault = (seed: StatusSeed, httpStatus: number): void =>
      answerStatus(x, x.record.message?.messageId ?? '0', seed, httpStatus);
    if (fault !== undefined && (await applyFault(x, fault, answerFault))) return;
    if (x.req.method !== 'POST')
      return send(x, 405, 'text/html', '<h1>405 Method Not Allowed</h1>', 'http');
    const accepted = ENDPOINTS[x.path];
    if (accepted === undefined) return send(x, 404, 'text/html', '<h1>404 Not Found</h1>', 'http');
    const inResponseTo = 'message' in read ? read.message.messageId : (read.messageId ?? '0');
    const status = (seed: StatusSeed): void => answerStatus(x, inResponseTo, seed);
    if (size > MAX_BODY_BYTES) return status({ type: 'FAILURE', message: 'Message too large' });
    const headerProblem = checkHeaders(x.req.headers, protocol);
    if (headerProblem !== undefined) return status(headerProblem);
    const user = authenticate(x.req.headers.authorization);
    if (user === undefined) {
      if (options.unauthorized === 'http-401') {
        return send(x, 401, 'text/html', '<h1>401 Unauthorized</h1>', 'http', {
          'www-authenticate': 'Basic realm="TAXII"',
        });
      }
      return status({ type: 'UNAUTHORIZED', message: 'Authentication failed: check your API key' });
    }
    x.record.user = user;
    if (!('message' in read)) return status({ type: 'BAD_MESSAGE', message: read.error });
    const message = read.message;
    if (!accepted.includes(message.type)) {
      return status({
        type: 'BAD_MESSAGE',
        message: `${message.type} is not supported by ${x.path}`,
      });
    }
    if (message.type === 'Discovery_Request') {
      const services = [
        { type: 'DISCOVERY', address: `${baseUrl}/taxii/discovery`, protocol },
        { type: 'COLLECTION_MANAGEMENT', address: `${baseUrl}/taxii/collections`, protocol },
        { type: 'POLL', address: `${baseUrl}/taxii/poll`, protocol },
      ];
      return reply(x, discoveryResponse(style, message.messageId, services), 'Discovery_Response');
    }
    if (message.type === 'Collection_Information_Request') {
      const poll = { type: 'POLL', address: `${baseUrl}/taxii/poll`, protocol };
      const xml = collectionInformationResponse(
        style,
        message.messageId,
        [...state.collections.values()],
        poll,
      );
      return reply(x, xml, 'Collection_Information_Response');
    }
    const pollOptions = {
      state,
      style,
      partSize: options.partSize ?? 100,
      omitEndTimestamp: options.omitEndTimestamp ?? false,
      unknownCollection: options.unknownCollection ?? 'empty',
      now: options.now ?? Date.now,
    };
    const answer =
      message.type === 'Poll_Request'
        ? answerPoll(message, pollOptions)
        : answerFulfillment(message, pollOptions);
    if ('status' in answer) return status(answer.status);
    return reply(x, answer.xml, 'Poll_Response');
  }

  function authenticate(header: string | undefined): string | undefined {
    const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
    if (match?.[1] === undefined) return undefined;
    const decoded = Buffer.from(match[1], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 0) return undefined;
    const user = decoded.slice(0, colon);
    return Object.hasOwn(users, user) && users[user] === decoded.slice(colon + 1)
      ? user
      : undefined;
  }

  function answerStatus(
    x: Exchange,
    inResponseTo: string,
    seed: StatusSeed,
    httpStatus = 200,
  ): void {
    send(
      x,
      httpStatus,
      'application/xml',
      statusMessage(style, inResponseTo, seed),
      `Status_Message:${seed.type}`,
    );
  }

  function reply(x: Exchange, xml: string, answer: string): void {
    send(x, 200, 'application/xml', xml, answer, {
      'x-taxii-content-type': 'urn:taxii.mitre.org:message:xml:1.1',
      'x-taxii-protocol': protocol,
      'x-taxii-services': 'urn:taxii.mitre.org:services:1.1',
    });
  }

  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  baseUrl = `http://127.0.0.1:${port}`;
  return {
    url: baseUrl,
    state,
    requests,
    inject: (fault) => faults.push(fault),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function defaultCollections(): (Partial<SimCollection> & { name: string })[] {
  return [
    {
      name: 'user_AlienVault',
      description: 'Pulses subscribed to by AlienVault',
      blocks: stix1Fixtures().map((fixture) => ({
        binding: fixture.binding,
        content: fixture.xml,
        timestamp: Date.parse(fixture.timestamp),
      })),
    },
    { name: `user_${SIM_USER}`, description: 'Your own pulses' },
  ];
}
