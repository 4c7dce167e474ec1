/*
 * The simulator's Poll service: a Poll_Request selects the blocks labelled after the
 * exclusive begin and up to the inclusive end (the server's now when none is given); more
 * blocks than fit one part become a result set whose later parts are fetched with
 * Poll_Fulfillment by result_id and result_part_number.
 */
import { pollResponse, type RenderStyle, type StatusSeed } from './simulator-render.js';
import type { SimMessage } from './simulator-requests.js';
import type { SimResultSet, Taxii11SimState } from './simulator-state.js';

export interface PollService {
  state: Taxii11SimState;
  style: RenderStyle;
  partSize: number;
  omitEndTimestamp: boolean;
  unknownCollection: 'empty' | 'not-found';
  now: () => number;
}

export type PollAnswer = { xml: string } | { status: StatusSeed };

export function answerPoll(message: SimMessage, service: PollService): PollAnswer {
  const name = message.collection;
  if (name === undefined || name === '') {
    return { status: { type: 'BAD_MESSAGE', message: 'collection_name is required' } };
  }
  const collection = service.state.collections.get(name);
  if (collection === undefined && service.unknownCollection === 'not-found') {
    return {
      status: {
        type: 'NOT_FOUND',
        message: `The collection ${name} was not found`,
        details: { ITEM: name },
      },
    };
  }
  if (collection !== undefined && !collection.available) {
    return { status: { type: 'DENIED', message: `The collection ${name} is not available` } };
  }
  const begin = message.begin === undefined ? undefined : Date.parse(message.begin);
  const end = message.end === undefined ? service.now() : Date.parse(message.end);
  if (Number.isNaN(begin) || Number.isNaN(end)) {
    return { status: { type: 'BAD_MESSAGE', message: 'Invalid timestamp in the poll window' } };
  }
  const countOnly = message.responseType === 'COUNT_ONLY';
  const blocks = countOnly ? [] : service.state.window(name, begin, end);
  const set = service.state.resultSet(name, begin, end, blocks, Math.max(1, service.partSize));
  return { xml: render(message, service, set, 1) };
}

export function answerFulfillment(message: SimMessage, service: PollService): PollAnswer {
  const set = service.state.resultSets.get(message.resultId ?? '');
  if (set === undefined || set.collection !== message.collection) {
    return {
      status: {
        type: 'NOT_FOUND',
        message: `No result set ${message.resultId ?? ''} for collection ${message.collection ?? ''}`,
        details: { ITEM: message.resultId ?? '' },
      },
    };
  }
  const part = Number(message.partNumber ?? '1');
  if (!Number.isInteger(part) || part < 1 || part > set.parts.length) {
    return {
      status: {
        type: 'INVALID_RESPONSE_PART',
        message: `Result set ${set.id} has parts 1 to ${set.parts.length}`,
        details: { MAX_PART_NUMBER: String(set.parts.length) },
      },
    };
  }
  set.served.push(part);
  return { xml: render(message, service, set, part) };
}

function render(
  message: SimMessage,
  service: PollService,
  set: SimResultSet,
  part: number,
): string {
  const multiPart = set.parts.length > 1;
  return pollResponse(service.style, {
    inResponseTo: message.messageId,
    collection: set.collection,
    more: part < set.parts.length,
    ...(multiPart ? { resultId: set.id } : {}),
    partNumber: part,
    ...(set.begin !== undefined ? { begin: set.begin } : {}),
    ...(service.omitEndTimestamp ? {} : { end: set.end }),
    blocks: set.parts[part - 1] ?? [],
  });
}
