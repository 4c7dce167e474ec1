/*
 * A malop's connections: malop → its suspect processes → their connections, one visual
 * search. Which end of a connection is remote depends on its direction; the address fields
 * are often empty (null serverAddress, no direction), so the display name
 * "10.0.0.5:50394 > 203.0.113.9:443" (client > server) fills the gaps.
 */
import { isIP } from 'node:net';
import { Type, type Static } from '@sinclair/typebox';
import { bool, millis, num } from './normalize.js';
import type { ResultElement, VisualSearchQuery } from './visual-search.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableInteger = Type.Union([Type.Integer(), Type.Null()]);

export const ConnectionSchema = Type.Object({
  guid: Type.String(),
  /** As Cybereason shows it: "client:port > server:port". */
  name: NullableString,
  /** OUTGOING, INCOMING, or null when the sensor did not tell. */
  direction: NullableString,
  remote_address: NullableString,
  remote_port: NullableInteger,
  /** The machine's own end of the connection, when the display name tells it. */
  local_address: NullableString,
  local_port: NullableInteger,
  protocol: NullableString,
  country: NullableString,
  /** The domain the machine resolved to reach the remote address, when known. */
  domain: NullableString,
  owner_machine: NullableString,
  owner_process: NullableString,
  /** Cybereason flags it malicious, or as accessed by malware. */
  malicious: Type.Boolean(),
  created: NullableInteger,
});
export type Connection = Static<typeof ConnectionSchema>;

export const CONNECTION_FIELDS = [
  'elementDisplayName',
  'direction',
  'serverAddress',
  'serverPort',
  'remoteAddressCountryName',
  'localPort',
  'remotePort',
  'transportProtocol',
  'state',
  'dnsQuery',
  'ownerMachine',
  'ownerProcess',
  'accessedByMalwareEvidence',
  'calculatedCreationTime',
];

/** Malop → suspect processes → connections. The three-hop form is not in public documentation. */
export function malopConnectionsQuery(malopGuid: string, limit: number): VisualSearchQuery {
  return {
    queryPath: [
      {
        requestedType: 'MalopProcess',
        filters: [],
        guidList: [malopGuid],
        connectionFeature: { elementInstanceType: 'MalopProcess', featureName: 'suspects' },
      },
      {
        requestedType: 'Process',
        filters: [],
        connectionFeature: { elementInstanceType: 'Process', featureName: 'connections' },
      },
      { requestedType: 'Connection', filters: [], isResult: true },
    ],
    totalResultLimit: limit,
    perGroupLimit: limit,
    perFeatureLimit: 100,
    templateContext: 'SPECIFIC',
    customFields: CONNECTION_FIELDS,
  };
}

export function toConnection(element: ResultElement): Connection {
  const name = element.first('elementDisplayName');
  const ends = name !== null ? parseEnds(name) : null;
  const direction = element.first('direction')?.toUpperCase() ?? null;
  // The remote end is the server of an outgoing (or unknown) connection, the client of an incoming one.
  const incoming = direction === 'INCOMING';
  const remote = incoming ? ends?.client : ends?.server;
  const remoteAddress = incoming
    ? (remote?.address ?? null)
    : (address(element.first('serverAddress')) ?? remote?.address ?? null);
  const remotePort =
    num(element.first('remotePort')) ??
    (incoming ? null : num(element.first('serverPort'))) ??
    remote?.port ??
    null;
  const malicious = element.malicious || bool(element.first('accessedByMalwareEvidence')) === true;
  return {
    guid: element.guid,
    name,
    direction,
    remote_address: remoteAddress,
    remote_port: remotePort,
    local_address: (incoming ? ends?.server.address : ends?.client.address) ?? null,
    local_port:
      num(element.first('localPort')) ?? (incoming ? ends?.server.port : ends?.client.port) ?? null,
    protocol: element.first('transportProtocol'),
    country: element.first('remoteAddressCountryName'),
    domain: domainOf(element.values('dnsQuery')),
    owner_machine: element.first('ownerMachine'),
    owner_process: element.first('ownerProcess'),
    malicious,
    created: millis(element.first('calculatedCreationTime')),
  };
}

interface End {
  address: string | null;
  port: number | null;
}

/** "10.0.0.5:50394 > 203.0.113.9:443" (or "[2001:db8::1]:443") into its two ends. */
export function parseEnds(name: string): { client: End; server: End } | null {
  const sides = name.split('>');
  if (sides.length !== 2) return null;
  return { client: parseEnd(sides[0]!), server: parseEnd(sides[1]!) };
}

function parseEnd(side: string): End {
  const match = /^\s*\[?([^\s\]]+?)\]?:(\d{1,5})\s*$/.exec(side);
  if (!match) return { address: address(side.trim()), port: null };
  return { address: address(match[1]!), port: Number(match[2]) };
}

function address(value: string | null): string | null {
  if (value === null) return null;
  const trimmed = value.trim();
  return isIP(trimmed) !== 0 ? trimmed : null;
}

/** A DNS query reads "evil.example > 203.0.113.9": the domain is its left side. */
function domainOf(queries: string[]): string | null {
  for (const query of queries) {
    const domain = query.split('>')[0]!.trim().toLowerCase().replace(/\.$/, '');
    if (/^[a-z0-9_-]+(\.[a-z0-9_-]+)+$/.test(domain) && isIP(domain) === 0) return domain;
  }
  return null;
}
