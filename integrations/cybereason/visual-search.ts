/*
 * The visual search envelope (/rest/visualsearch/query/simple): a query path of element
 * types joined by features, answered with a map of result elements whose features come as
 * lists of strings (simpleValues) or of element references (elementValues). There is no
 * cursor: the limits in the request cap the answer, and totalPossibleResults tells how much
 * was cut.
 */
import { permanentError, transientError } from '../../src/integration-sdk/errors.js';
import type { CybereasonClient } from './client.js';
import { bool, list, num, record, text, texts } from './normalize.js';

export const VISUAL_SEARCH_PATH = '/rest/visualsearch/query/simple';

/**
 * The server stops a query after queryTimeout. The HTTP timeout is longer, so that a query
 * is never sent again (a step retry) while the server still runs the first one.
 */
export const QUERY_TIMEOUT_MS = 60_000;
const HTTP_GRACE_MS = 15_000;

export interface QueryElement {
  requestedType: string;
  guidList?: string[];
  filters?: { facetName: string; values: unknown[]; filterType: string }[];
  connectionFeature?: { elementInstanceType: string; featureName: string };
  isResult?: boolean;
}

export interface VisualSearchQuery {
  queryPath: QueryElement[];
  totalResultLimit: number;
  perGroupLimit: number;
  perFeatureLimit: number;
  templateContext: string;
  customFields: string[];
}

/** One result element, its features readable without caring how the server typed them. */
export class ResultElement {
  constructor(
    readonly guid: string,
    private readonly raw: Record<string, unknown>,
  ) {}

  /** The values of a feature: simple values, or the names of the elements it refers to. */
  values(feature: string): string[] {
    const simple = record(record(this.raw.simpleValues)[feature]);
    if (Array.isArray(simple.values)) return texts(simple.values);
    const elements = record(record(this.raw.elementValues)[feature]);
    return list(elements.elementValues)
      .map((e) => text(record(e).name))
      .filter((v): v is string => v !== null);
  }

  first(feature: string): string | null {
    return this.values(feature)[0] ?? null;
  }

  get malicious(): boolean {
    return bool(this.raw.isMalicious) ?? false;
  }
}

export interface VisualSearchAnswer {
  elements: ResultElement[];
  /** How many elements matched; more than `elements.length` when the limits cut the answer. */
  totalPossible: number;
  /** The server stopped the query (its timeout): the answer is partial. */
  terminated: boolean;
}

export async function visualSearch(
  client: CybereasonClient,
  query: VisualSearchQuery,
  instanceTimeoutMs: number,
): Promise<VisualSearchAnswer> {
  const answer = await client.rest({
    path: VISUAL_SEARCH_PATH,
    json: { ...query, queryTimeout: QUERY_TIMEOUT_MS },
    timeoutMs: Math.max(instanceTimeoutMs, QUERY_TIMEOUT_MS + HTTP_GRACE_MS),
  });
  const envelope = record(answer.body);
  const status = text(envelope.status);
  if (status !== 'SUCCESS') {
    const message = text(envelope.message);
    throw permanentError(
      `POST ${VISUAL_SEARCH_PATH}: status ${status ?? '(none)'}${message ? `: ${message}` : ''}`,
      'VENDOR_ERROR',
    );
  }
  const data = record(envelope.data);
  const map = data.resultIdToElementDataMap;
  if (map === null || typeof map !== 'object' || Array.isArray(map)) {
    throw transientError(
      `POST ${VISUAL_SEARCH_PATH}: the answer has no resultIdToElementDataMap`,
      'BAD_RESPONSE',
    );
  }
  const elements = Object.entries(map as Record<string, unknown>).map(
    ([guid, raw]) => new ResultElement(text(record(raw).guidString) ?? guid, record(raw)),
  );
  return {
    elements,
    totalPossible: Math.max(num(data.totalPossibleResults) ?? elements.length, elements.length),
    terminated: bool(data.queryTerminated) ?? false,
  };
}
