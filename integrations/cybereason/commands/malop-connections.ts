import { Type } from '@sinclair/typebox';
import { defineCommand } from '../../../src/integration-sdk/index.js';
import type { Artifact } from '../../../src/journal/entry.js';
import { CybereasonClient } from '../client.js';
import { ConnectionSchema, malopConnectionsQuery, toConnection } from '../connections.js';
import { argumentsOf, checkInput } from '../input.js';
import { MalopGuid } from '../malops.js';
import { visualSearch } from '../visual-search.js';

const Input = Type.Object(
  {
    malop_guid: MalopGuid,
    only_malicious: Type.Boolean({
      default: false,
      description: 'Keep only connections Cybereason flags malicious or accessed by malware.',
    }),
    limit: Type.Integer({
      minimum: 1,
      maximum: 10_000,
      default: 1000,
      description: 'At most this many connections (the visual search has no paging).',
    }),
  },
  { additionalProperties: false },
);

export const malopConnections = defineCommand({
  name: 'malop_connections',
  title: 'Connections of a malop',
  description:
    "Remote addresses, domains and ports of the connections made by a malop's suspect " +
    'processes (one visual search). Journals the addresses and domains as evidence.',
  input: argumentsOf(Input),
  output: Type.Object({
    remote_ips: Type.Array(Type.String()),
    domains: Type.Array(Type.String()),
    ports: Type.Array(Type.Integer()),
    connections: Type.Array(ConnectionSchema),
    /** Connections that matched; more than were returned when `truncated`. */
    total: Type.Integer(),
    truncated: Type.Boolean(),
  }),
  run: async (ctx, rawInput) => {
    const input = checkInput(Input, rawInput);
    const client = new CybereasonClient(ctx);
    const answer = await visualSearch(
      client,
      malopConnectionsQuery(input.malop_guid, input.limit),
      ctx.instance.timeoutMs,
    );
    const connections = answer.elements
      .map(toConnection)
      .filter((c) => !input.only_malicious || c.malicious);
    const remoteIps = unique(connections.map((c) => c.remote_address));
    const domains = unique(connections.map((c) => c.domain));
    const ports = unique(connections.map((c) => c.remote_port)).sort((a, b) => a - b);
    const truncated = answer.terminated || answer.totalPossible > answer.elements.length;
    if (truncated) {
      ctx.note(
        `malop ${input.malop_guid}: ${answer.elements.length} of ${answer.totalPossible} connections returned` +
          (answer.terminated
            ? ' (the server stopped the query at its timeout)'
            : ' (limit reached)'),
      );
    }
    const artifacts: Artifact[] = [
      ...remoteIps.map((value) => ({ type: 'ip' as const, value })),
      ...domains.map((value) => ({ type: 'domain' as const, value })),
    ];
    if (artifacts.length > 0) {
      ctx.evidence(
        `malop ${input.malop_guid}: ${remoteIps.length} remote addresses and ${domains.length} domains in ${connections.length} connections`,
        artifacts,
        { malop_guid: input.malop_guid, ports },
      );
    }
    return {
      remote_ips: remoteIps,
      domains,
      ports,
      connections,
      total: answer.totalPossible,
      truncated,
    };
  },
});

/** Distinct non-null values, in first-seen order. */
function unique<T>(values: (T | null)[]): T[] {
  return [...new Set(values.filter((v): v is T => v !== null))];
}
