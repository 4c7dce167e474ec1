/*
 * A TAXII 1.1 client over the XML message binding and the HTTP(S) protocol binding, as
 * AlienVault OTX and libtaxii servers speak it: every exchange is a POST of one XML message
 * with the X-TAXII-* headers, answered by one XML message (or a Status_Message, often with
 * HTTP 200). Basic auth; OTX takes the API key as the user and an empty password. No
 * credential reaches an error message or a call record: response bodies never reach the
 * HTTP client's records (see http-failures.ts), and every TaxiiError leaving here is
 * scrubbed of the password, or of the user name when that is the secret.
 */
import { HttpError, Scrubber } from '../../../src/integration-sdk/http-errors.js';
import type { HttpRequester } from '../../../src/integration-sdk/http.js';
import { TaxiiError } from './errors.js';
import { fromHttpError, NON_SUCCESS_STATUSES, scrubbed, statusFailure } from './http-failures.js';
import { runPoll, type PollOptions, type PollResult } from './poll.js';
import { collectionInformationRequest, discoveryRequest, type RequestMessage } from './requests.js';
import {
  readCollections,
  readServiceInstances,
  type CollectionInfo,
  type ServiceInstance,
} from './responses.js';
import { expectMessage } from './status.js';
import { parseXml, type XmlElement } from './xml.js';

export type { PollOptions, PollResult, WatermarkSource } from './poll.js';
export type { CollectionInfo, ContentBlock, ServiceInstance } from './responses.js';

export const MESSAGE_BINDING = 'urn:taxii.mitre.org:message:xml:1.1';
export const SERVICES_VERSION = 'urn:taxii.mitre.org:services:1.1';
export const HTTP_PROTOCOL = 'urn:taxii.mitre.org:protocol:http:1.0';
export const HTTPS_PROTOCOL = 'urn:taxii.mitre.org:protocol:https:1.0';

export interface Taxii11ClientOptions {
  http: HttpRequester;
  /** The server's URL; its scheme picks X-TAXII-Protocol for relative paths. */
  url: string;
  username: string;
  /** Default '' (OTX: the API key is the user name). */
  password?: string;
  /** Per request; the HTTP client's default otherwise. */
  timeoutMs?: number;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** One request answered by the message it calls for. */
export type Exchange = (
  path: string,
  request: RequestMessage,
  expected: string,
  context: string,
  signal: AbortSignal | undefined,
) => Promise<XmlElement>;

export class Taxii11Client {
  private readonly http: HttpRequester;
  private readonly base: URL;
  private readonly authorization: string;
  private readonly scrubber: Scrubber;
  private readonly timeoutMs: number | undefined;

  constructor(options: Taxii11ClientOptions) {
    const password = options.password ?? '';
    this.http = options.http;
    this.base = parseUrl(options.url);
    this.authorization = `Basic ${Buffer.from(`${options.username}:${password}`).toString('base64')}`;
    // Without a password the user name is the secret (an OTX API key).
    this.scrubber = new Scrubber(password === '' ? [options.username] : [password]);
    this.timeoutMs = options.timeoutMs;
  }

  /** The services a Discovery service lists (OTX: /taxii/discovery). */
  async discover(path: string, options: CallOptions = {}): Promise<ServiceInstance[]> {
    const context = `TAXII 1.1 discovery at ${path}`;
    const root = await this.exchange(
      path,
      discoveryRequest(),
      'Discovery_Response',
      context,
      options.signal,
    );
    return readServiceInstances(root);
  }

  /** The collections a Collection Management service offers (OTX: /taxii/collections). */
  async collections(path: string, options: CallOptions = {}): Promise<CollectionInfo[]> {
    const context = `TAXII 1.1 collection information at ${path}`;
    const root = await this.exchange(
      path,
      collectionInformationRequest(),
      'Collection_Information_Response',
      context,
      options.signal,
    );
    return readCollections(root);
  }

  /** Polls one collection over a time window, fetching every part of a multi-part result. */
  async poll(options: PollOptions): Promise<PollResult> {
    try {
      return await runPoll(this.exchange, options);
    } catch (error) {
      throw error instanceof TaxiiError ? scrubbed(error, this.scrubber) : error;
    }
  }

  private readonly exchange: Exchange = async (path, request, expected, context, signal) => {
    try {
      const response = await this.http.request<string>({
        method: 'POST',
        path,
        body: request.xml,
        headers: this.headers(path),
        expect: 'text',
        accept: NON_SUCCESS_STATUSES,
        ...(signal !== undefined ? { signal } : {}),
        ...(this.timeoutMs !== undefined ? { timeoutMs: this.timeoutMs } : {}),
      });
      if (response.status < 200 || response.status >= 300) {
        throw statusFailure(response, context, this.scrubber);
      }
      return expectMessage(parseXml(response.text, context), expected, context, response.status);
    } catch (error) {
      if (error instanceof HttpError) throw fromHttpError(error, context, this.scrubber);
      if (error instanceof TaxiiError) throw scrubbed(error, this.scrubber);
      throw error;
    }
  };

  private headers(path: string): Record<string, string> {
    return {
      'Content-Type': 'application/xml',
      'X-TAXII-Content-Type': MESSAGE_BINDING,
      'X-TAXII-Accept': MESSAGE_BINDING,
      'X-TAXII-Services': SERVICES_VERSION,
      'X-TAXII-Protocol': this.protocolFor(path),
      Authorization: this.authorization,
    };
  }

  private protocolFor(path: string): string {
    const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(path)?.[1]?.toLowerCase();
    const https = scheme !== undefined ? scheme === 'https' : this.base.protocol === 'https:';
    return https ? HTTPS_PROTOCOL : HTTP_PROTOCOL;
  }
}

function parseUrl(url: string): URL {
  try {
    return new URL(url);
  } catch {
    throw new TaxiiError(`TAXII 1.1 client: '${url.slice(0, 100)}' is not a URL`, {
      code: 'TAXII_INVALID_REQUEST',
      retryable: false,
    });
  }
}
