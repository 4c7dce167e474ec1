/*
 * SimMalop → the JSON each Cybereason API sends, quirks included. With quirks on (the
 * default), about a third of the malops come with numbers and timestamps as strings,
 * booleans as "true"/"False" and nulls as "None", as in captured responses; which ones is
 * fixed by the guid, so a test sees the same answer every time.
 */
import type { SimConnection, SimMachine, SimMalop, SimProcess, SimReputation } from './model.js';

export interface RenderOptions {
  quirks: boolean;
}

function stringly(guid: string, options: RenderOptions): boolean {
  if (!options.quirks) return false;
  let h = 0;
  for (let i = 0; i < guid.length; i++) h = (h * 31 + guid.charCodeAt(i)) | 0;
  return Math.abs(h) % 3 === 0;
}

const pyBool = (value: boolean): string => (value ? 'True' : 'False');

function machine(m: SimMachine, quirky: boolean): Record<string, unknown> {
  return {
    guid: m.guid,
    displayName: m.displayName,
    connected: quirky ? pyBool(m.connected) : m.connected,
    isolated: quirky ? String(m.isolated) : m.isolated,
    osType: m.osType,
    lastConnected:
      m.lastConnected === null ? 'None' : quirky ? String(m.lastConnected) : m.lastConnected,
    pylumId: m.pylumId,
  };
}

/** A malop as /rest/mmng/v2/malops lists it. */
export function managementMalop(m: SimMalop, options: RenderOptions): Record<string, unknown> {
  const quirky = stringly(m.guid, options);
  const time = (ms: number): number | string => (quirky ? String(ms) : ms);
  return {
    guid: m.guid,
    displayName: m.displayName,
    creationTime: time(m.creationTime),
    lastUpdateTime: time(m.lastUpdateTime),
    metadataUpdateTime: time(m.lastUpdateTime),
    decisionStatuses: [],
    detectionEngines: m.detectionEngines,
    mitreTactics: m.mitreTactics,
    mitreTechniques: m.mitreTechniques,
    mitreSubTechniques: [],
    rootCauseElementHashes: m.rootCauseElementHashes,
    iocs: m.iocs,
    detectionTypes: m.detectionTypes,
    labels: m.labels.map((l) => ({ ...l, count: 1, empty: false })),
    investigationStatus: m.investigationStatus,
    closerName: m.status === 'Closed' ? 'analyst@example.com' : options.quirks ? 'None' : null,
    priority: m.priority ?? (options.quirks ? 'None' : null),
    status: m.status,
    severity: m.severity,
    escalated: quirky ? 'false' : false,
    iconBase64: '',
    isEdr: quirky ? pyBool(m.isEdr) : m.isEdr,
    groups: ['00000000-0000-0000-0000-000000000000'],
    rootCauseElementType: m.rootCauseElementType,
    machines: m.machines.map((x) => machine(x, quirky)),
    users: m.users.map((u) => ({
      guid: u.guid,
      displayName: u.displayName,
      admin: quirky ? pyBool(u.admin) : u.admin,
      domainUser: u.domainUser,
      localSystem: false,
    })),
  };
}

/** A malop as /rest/detection/inbox lists it: other names for a few fields, empty strings. */
export function inboxMalop(m: SimMalop, options: RenderOptions): Record<string, unknown> {
  const quirky = stringly(m.guid, options);
  return {
    '@class': '.MalopInboxModel',
    closed: m.status === 'Closed',
    closerName: null,
    containers: [],
    creationTime: quirky ? String(m.creationTime) : m.creationTime,
    decisionStatuses: [],
    detectionEngines: m.detectionEngines,
    detectionTypes: m.detectionTypes,
    displayName: m.displayName,
    edr: m.isEdr,
    empty: true,
    escalated: false,
    group: '',
    guid: m.guid,
    iconBase64: '',
    labels: m.labels,
    lastUpdateTime: quirky ? String(m.lastUpdateTime) : m.lastUpdateTime,
    machines: m.machines.map((x) => ({ '@class': '.MachineInboxModel', ...machine(x, quirky) })),
    malopCloseTime: null,
    malopDetectionType: m.detectionTypes[0]?.toUpperCase().replace(/\W+/g, '_') ?? null,
    malopPriority: options.quirks ? '' : m.priority,
    malopSeverity: m.severity,
    malopStatus: m.status,
    primaryRootCauseName: m.displayName,
    // The inbox has been seen with priority null even where the management API has one.
    priority: options.quirks ? null : m.priority,
    rootCauseElementHashes: options.quirks
      ? m.rootCauseElementHashes.join(',')
      : m.rootCauseElementHashes,
    rootCauseElementNamesCount: 1,
    rootCauseElementType: m.rootCauseElementType,
    severity: m.severity,
    status: m.status,
    users: m.users.map((u) => ({ ...u, localSystem: false })),
  };
}

type Features = Record<string, string[]>;
type ElementRefs = Record<string, { elementType: string; guid: string; name: string }[]>;

/** A visual-search result element: every simple value a string, as the server sends them. */
export function resultElement(
  guid: string,
  simple: Features,
  elements: ElementRefs,
  malicious: boolean,
  fields: ReadonlySet<string> | null,
): Record<string, unknown> {
  const wanted = (name: string): boolean =>
    name === 'elementDisplayName' || fields === null || fields.has(name);
  const simpleValues: Record<string, unknown> = {};
  for (const [name, values] of Object.entries(simple)) {
    if (wanted(name)) simpleValues[name] = { totalValues: values.length, values };
  }
  const elementValues: Record<string, unknown> = {};
  for (const [name, refs] of Object.entries(elements)) {
    if (!wanted(name)) continue;
    elementValues[name] = {
      totalValues: refs.length,
      elementValues: refs.map((r) => ({ ...r, hasSuspicions: malicious, hasMalops: malicious })),
      totalSuspicious: malicious ? refs.length : 0,
      totalMalicious: malicious ? refs.length : 0,
      guessedTotal: 0,
    };
  }
  return {
    simpleValues,
    elementValues,
    suspicions: {},
    filterData: { sortInGroupValue: guid, groupByValue: guid },
    isMalicious: String(malicious),
    suspicionCount: malicious ? 1 : 0,
    guidString: guid,
    labelsIds: 'None',
    malopPriority: 'None',
    suspect: String(malicious),
    malicious: String(malicious),
  };
}

export function connectionFeatures(
  c: SimConnection,
  machineName: string,
  process: SimProcess,
): { simple: Features; elements: ElementRefs } {
  const incoming = c.direction === 'INCOMING';
  const client = incoming
    ? `${c.remoteAddress}:${c.remotePort}`
    : `${c.localAddress}:${c.localPort}`;
  const server = incoming
    ? `${c.localAddress}:${c.localPort}`
    : `${c.remoteAddress}:${c.remotePort}`;
  const simple: Features = {
    elementDisplayName: [`${client} > ${server}`],
    transportProtocol: [c.protocol],
    state: ['CLOSED'],
    localPort: [String(c.localPort)],
    remotePort: [String(c.remotePort)],
    calculatedCreationTime: [String(c.creationTime)],
    accessedByMalwareEvidence: [String(c.malicious)],
  };
  if (c.direction !== null) simple.direction = [c.direction];
  if (c.country !== null) simple.remoteAddressCountryName = [c.country];
  if (c.serverFieldsKnown) {
    simple.serverAddress = [incoming ? c.localAddress : c.remoteAddress];
    simple.serverPort = [String(incoming ? c.localPort : c.remotePort)];
  }
  const elements: ElementRefs = {
    ownerMachine: [{ elementType: 'Machine', guid: `${c.guid}.m`, name: machineName }],
    ownerProcess: [{ elementType: 'Process', guid: process.guid, name: process.name }],
  };
  if (c.domain !== null) {
    elements.dnsQuery = [
      {
        elementType: 'DnsQueryResolvedDomainToIp',
        guid: `${c.guid}.d`,
        name: `${c.domain} > ${c.remoteAddress}`,
      },
    ];
  }
  return { simple, elements };
}

export function processFeatures(p: SimProcess): { simple: Features; elements: ElementRefs } {
  return {
    simple: { elementDisplayName: [p.name], connections: [String(p.connections.length)] },
    elements: {},
  };
}

const CSV_HEADER = ['Key', 'Reputation Type', 'Malicious Type', 'Prevent', 'Comment', 'Expiration'];

/** The reputation list as /rest/classification/download sends it (column names are ours). */
export function reputationCsv(entries: Iterable<SimReputation>): string {
  const lines = [CSV_HEADER.join(',')];
  for (const r of entries) {
    lines.push(
      [r.key, r.reputationType, r.maliciousType, String(r.prevent), r.comment, String(r.expiration)]
        .map(csvField)
        .join(','),
    );
  }
  return `\ufeff${lines.join('\r\n')}\r\n`;
}

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
