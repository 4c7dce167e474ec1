/*
 * The simulator's visual search: walks a query path over the malop → suspect process →
 * connection graph, applies filters, honours the limits and customFields, and answers in
 * the real envelope. Paths it does not know are refused with HTTP 400, so a client that
 * sends an unexpected shape finds out in tests.
 */
import { randomUUID } from 'node:crypto';
import type { SimConnection, SimMalop, SimProcess } from './model.js';
import {
  connectionFeatures,
  processFeatures,
  resultElement,
  type RenderOptions,
} from './render.js';
import type { SimState } from './state.js';

interface Node {
  guid: string;
  type: 'MalopProcess' | 'Process' | 'Connection';
  malop: SimMalop;
  process?: SimProcess;
  connection?: SimConnection;
  simple: Record<string, string[]>;
  elements: Record<string, { elementType: string; guid: string; name: string }[]>;
  malicious: boolean;
}

interface Filter {
  facetName: string;
  values: unknown[];
  filterType: string;
}

const EDGES: Record<string, { feature: string; to: Node['type'] }> = {
  MalopProcess: { feature: 'suspects', to: 'Process' },
  Process: { feature: 'connections', to: 'Connection' },
};

export class QueryError extends Error {}

export function runVisualSearch(state: SimState, body: unknown, options: RenderOptions): unknown {
  const query = (body ?? {}) as Record<string, unknown>;
  const path = query.queryPath;
  if (!Array.isArray(path) || path.length === 0)
    throw new QueryError('queryPath must be a non-empty array');
  const limit = positive(query.totalResultLimit, 'totalResultLimit');
  const fields = Array.isArray(query.customFields) ? new Set(query.customFields.map(String)) : null;
  let nodes: Node[] | null = null;
  let previous: Record<string, unknown> | null = null;
  for (const [index, raw] of path.entries()) {
    const step = (raw ?? {}) as Record<string, unknown>;
    const type = String(step.requestedType);
    if (type !== 'MalopProcess' && type !== 'Process' && type !== 'Connection') {
      throw new QueryError(`unsupported requestedType ${type}`);
    }
    if (previous === null) {
      nodes = startNodes(state, type, step.guidList);
    } else {
      const feature = (previous.connectionFeature ?? {}) as Record<string, unknown>;
      const edge = EDGES[String(previous.requestedType)];
      if (
        !edge ||
        feature.elementInstanceType !== previous.requestedType ||
        feature.featureName !== edge.feature ||
        edge.to !== type
      ) {
        throw new QueryError(
          `queryPath[${index - 1}]: no connection from ${String(previous.requestedType)} to ${type} through ${JSON.stringify(feature)}`,
        );
      }
      nodes = nodes!.flatMap((n) => follow(n));
    }
    if (Array.isArray(step.guidList)) {
      const wanted = new Set(step.guidList.map(String));
      nodes = nodes.filter((n) => wanted.has(n.guid));
    }
    for (const filter of Array.isArray(step.filters) ? (step.filters as Filter[]) : []) {
      nodes = nodes.filter((n) => matches(n, filter));
    }
    const isResult = step.isResult === true || step.result === true;
    if (isResult !== (index === path.length - 1)) {
      throw new QueryError(
        'exactly the last element of queryPath must be the result (isResult: true)',
      );
    }
    previous = step;
  }
  const results = nodes!;
  const map: Record<string, unknown> = {};
  for (const node of results.slice(0, limit)) {
    map[node.guid] = resultElement(node.guid, node.simple, node.elements, node.malicious, fields);
  }
  return {
    status: 'SUCCESS',
    message: '',
    data: {
      resultIdToElementDataMap: map,
      suspicionsMap: {},
      evidenceMap: {},
      totalPossibleResults: results.length,
      guessedPossibleResults: 0,
      queryLimits: {
        totalResultLimit: limit,
        perGroupLimit: query.perGroupLimit ?? limit,
        perFeatureLimit: query.perFeatureLimit ?? 100,
      },
      queryTerminated: options.quirks ? 'false' : false,
      pathResultCounts: [],
      guids: [],
      paginationToken: 'None',
      executionUUID: randomUUID(),
    },
    hidePartialSuccess: false,
    failures: 0,
  };
}

function startNodes(state: SimState, type: Node['type'], guidList: unknown): Node[] {
  // A malop query by guid need not build the whole graph (10,000 malops in benchmarks).
  const chosen =
    type === 'MalopProcess' && Array.isArray(guidList)
      ? guidList.map((g) => state.malops.get(String(g))).filter((m) => m !== undefined)
      : [...state.malops.values()];
  const malops = chosen.map(malopNode);
  if (type === 'MalopProcess') return malops;
  const processes = malops.flatMap(follow);
  return type === 'Process' ? processes : processes.flatMap(follow);
}

function malopNode(malop: SimMalop): Node {
  return {
    guid: malop.guid,
    type: 'MalopProcess',
    malop,
    simple: {
      elementDisplayName: [malop.displayName],
      malopLastUpdateTime: [String(malop.lastUpdateTime)],
      malopStartTime: [String(malop.creationTime)],
    },
    elements: {},
    malicious: true,
  };
}

function follow(node: Node): Node[] {
  if (node.type === 'MalopProcess') {
    return node.malop.processes.map((process) => ({
      guid: process.guid,
      type: 'Process',
      malop: node.malop,
      process,
      ...processFeatures(process),
      malicious: true,
    }));
  }
  if (node.type === 'Process') {
    const process = node.process!;
    const machine =
      node.malop.machines.find((m) => m.address === process.connections[0]?.localAddress) ??
      node.malop.machines[0];
    return process.connections.map((connection) => ({
      guid: connection.guid,
      type: 'Connection',
      malop: node.malop,
      process,
      connection,
      ...connectionFeatures(connection, machine?.displayName ?? 'unknown', process),
      malicious: connection.malicious,
    }));
  }
  return [];
}

function matches(node: Node, filter: Filter): boolean {
  const values =
    node.simple[filter.facetName] ?? node.elements[filter.facetName]?.map((e) => e.name) ?? [];
  const wanted = Array.isArray(filter.values) ? filter.values.map(String) : [];
  switch (filter.filterType) {
    case 'Equals':
      return values.some((v) => wanted.includes(v));
    case 'ContainsIgnoreCase':
      return values.some((v) => wanted.some((w) => v.toLowerCase().includes(w.toLowerCase())));
    case 'GreaterThan':
      return values.some((v) => Number(v) > Number(wanted[0]));
    case 'Between':
      return values.some((v) => Number(v) >= Number(wanted[0]) && Number(v) <= Number(wanted[1]));
    default:
      throw new QueryError(`unsupported filterType ${filter.filterType}`);
  }
}

function positive(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new QueryError(`${name} must be a positive integer`);
  return n;
}
