/*
 * One synchronous TAXII 1.1 poll: a Poll_Request over a window (begin exclusive, end
 * inclusive), then, while the server says `more="true"`, a Poll_Fulfillment for the next
 * part of the same result set. Blocks go to `onBlock` as they arrive, and the next part is
 * fetched only once the consumer has taken the current one.
 *
 * The watermark for the next poll is the Inclusive_End_Timestamp the server answered with:
 * it covers content the server had not labelled yet when the window was cut. Servers that
 * omit it get the end we sent, and failing that the newest Timestamp_Label received.
 */
import type { Exchange } from './client.js';
import { TaxiiError } from './errors.js';
import { pollFulfillmentRequest, pollRequest } from './requests.js';
import { badResponse, readPollResponse, type ContentBlock } from './responses.js';
import { toInstant } from './timestamps.js';

export interface PollOptions {
  /** The Poll service: a path under the client's URL, or its absolute address on that origin. */
  path: string;
  collection: string;
  /** Only content labelled after this instant; omitted, from the start of the collection. */
  begin?: Date | string;
  /** Only content labelled up to this instant, inclusive; omitted, up to the server's now. */
  end?: Date | string;
  signal?: AbortSignal;
  /** Each block in the server's order; awaited before the next part is requested. */
  onBlock: (block: ContentBlock) => void | Promise<void>;
  /** A server that never stops saying `more` fails past this many parts; default 10 000. */
  maxParts?: number;
}

export type WatermarkSource = 'server' | 'end' | 'timestamp-label' | 'begin' | 'none';

export interface PollResult {
  blocks: number;
  parts: number;
  /** Where the next poll begins, as an ISO 8601 instant; undefined when nothing says. */
  watermark: string | undefined;
  watermarkSource: WatermarkSource;
}

const DEFAULT_MAX_PARTS = 10_000;

export async function runPoll(exchange: Exchange, options: PollOptions): Promise<PollResult> {
  const { path, collection, signal } = options;
  const begin = options.begin === undefined ? undefined : toInstant(options.begin, 'begin');
  const end = options.end === undefined ? undefined : toInstant(options.end, 'end');
  if (begin !== undefined && end !== undefined && end < begin) {
    throw new TaxiiError(
      `TAXII 1.1 poll of '${collection}': end ${end.toISOString()} is before begin ${begin.toISOString()}`,
      { code: 'TAXII_INVALID_REQUEST', retryable: false },
    );
  }
  const maxParts = options.maxParts ?? DEFAULT_MAX_PARTS;
  const context = `TAXII 1.1 poll of '${collection}' at ${path}`;
  const window = {
    collection,
    ...(begin !== undefined ? { begin } : {}),
    ...(end !== undefined ? { end } : {}),
  };
  let part = readPollResponse(
    await exchange(path, pollRequest(window), 'Poll_Response', context, signal),
    context,
  );
  let blocks = 0;
  let parts = 0;
  let serverEnd: Date | undefined;
  let newestLabel: Date | undefined;
  for (;;) {
    parts++;
    for (const block of part.blocks) {
      await options.onBlock(block);
      blocks++;
      if (
        block.timestamp !== undefined &&
        (newestLabel === undefined || block.timestamp > newestLabel)
      ) {
        newestLabel = block.timestamp;
      }
    }
    serverEnd = part.end ?? serverEnd;
    if (!part.more) break;
    if (part.resultId === undefined) {
      throw badResponse(`${context}: part ${part.partNumber} says more="true" without a result_id`);
    }
    if (parts >= maxParts) {
      throw badResponse(`${context}: still more="true" after ${parts} parts; stopped`);
    }
    const next = part.partNumber + 1;
    const request = pollFulfillmentRequest({
      collection,
      resultId: part.resultId,
      partNumber: next,
    });
    const partContext = `${context}, result ${part.resultId} part ${next}`;
    const answer = await exchange(path, request, 'Poll_Response', partContext, signal);
    part = readPollResponse(answer, partContext);
    if (part.partNumber !== next) {
      throw badResponse(`${partContext}: the server answered with part ${part.partNumber}`);
    }
  }
  return { blocks, parts, ...watermark(serverEnd, end, newestLabel, begin) };
}

function watermark(
  serverEnd: Date | undefined,
  end: Date | undefined,
  newestLabel: Date | undefined,
  begin: Date | undefined,
): Pick<PollResult, 'watermark' | 'watermarkSource'> {
  const candidates: [Date | undefined, WatermarkSource][] = [
    [serverEnd, 'server'],
    [end, 'end'],
    [newestLabel, 'timestamp-label'],
    [begin, 'begin'],
  ];
  for (const [instant, source] of candidates) {
    if (instant !== undefined) return { watermark: instant.toISOString(), watermarkSource: source };
  }
  return { watermark: undefined, watermarkSource: 'none' };
}
