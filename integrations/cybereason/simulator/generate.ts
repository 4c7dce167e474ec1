/*
 * N plausible malops, the same ones for the same seed: for benchmarks (fetch 10,000) and
 * paging tests. Addresses come from the documentation ranges (RFC 5737) and domains from
 * example.com/.net/.org, so generated data can never point at a real host.
 */
import type { SimConnection, SimMachine, SimMalop, SimProcess } from './model.js';
import { seededRandom } from '../../../src/simulation/seeded-random.js';

export interface GenerateOptions {
  seed?: number;
  /** The newest malop is updated at most this long ago; default: now. */
  now?: number;
  /** Malops spread over this span before `now`; default 30 days. */
  spanMs?: number;
}

const DETECTIONS = [
  ['Malicious by Obscured Extension', 'File', 'Defense Evasion', 'T1036.007 Double File Extension'],
  ['Malicious PowerShell command', 'Process', 'Execution', 'T1059.001 PowerShell'],
  ['Credential theft', 'File', 'Credential Access', 'T1003.001 LSASS Memory'],
  ['Ransomware behavior', 'Process', 'Impact', 'T1486 Data Encrypted for Impact'],
  ['Cobalt Strike beacon', 'Process', 'Command and Control', 'T1071.001 Web Protocols'],
  ['Known malware', 'File', 'Execution', 'T1204.002 Malicious File'],
] as const;
const PROCESSES = [
  'powershell.exe',
  'rundll32.exe',
  'invoice.pdf.exe',
  'svchost.exe',
  'wscript.exe',
  'bash',
];
const COUNTRIES = ['Netherlands', 'United States', 'Poland', 'Ireland', 'Brazil', null];
const TLDS = ['example.com', 'example.net', 'example.org'];
const WORDS = ['cdn', 'update', 'sync', 'telemetry', 'static', 'mail', 'api', 'files'];
const NETS = ['192.0.2.', '198.51.100.', '203.0.113.'];
const GUID_CHARS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

export function generateMalops(count: number, options: GenerateOptions = {}): SimMalop[] {
  const rand = seededRandom(options.seed ?? 1);
  const now = options.now ?? Date.now();
  const span = options.spanMs ?? 30 * 24 * 60 * 60 * 1000;
  const int = (n: number): number => Math.floor(rand() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
  const numericGuid = (): string => `-${100000000 + int(900000000)}.${int(2 ** 31)}${int(2 ** 31)}`;
  const machines: SimMachine[] = Array.from(
    { length: Math.max(4, Math.ceil(count / 20)) },
    (_, i) => {
      const name = `ws-${String(i).padStart(4, '0')}`;
      return {
        guid: numericGuid(),
        displayName: name,
        osType: i % 7 === 0 ? 'LINUX' : 'WINDOWS',
        connected: i % 5 !== 0,
        isolated: false,
        lastConnected: i % 11 === 0 ? null : now - int(span),
        pylumId: `PYLUMCLIENT_INTEGRATION_${name.toUpperCase()}_${(0x005056000000 + i).toString(16).toUpperCase()}`,
        address: `10.${20 + (i >> 16)}.${(i >> 8) & 255}.${i & 255}`,
      };
    },
  );
  const malops: SimMalop[] = [];
  for (let i = 0; i < count; i++) {
    const [detection, rootType, tactic, technique] = pick(DETECTIONS);
    const created = now - int(span);
    const updated = Math.min(now, created + int(6 * 60 * 60 * 1000));
    const hosts = [pick(machines), ...(rand() < 0.2 ? [pick(machines)] : [])];
    const processes: SimProcess[] = hosts.map((host) => ({
      guid: numericGuid(),
      name: pick(PROCESSES),
      connections: Array.from({ length: int(4) }, (): SimConnection => {
        const incoming = rand() < 0.1;
        return {
          guid: numericGuid(),
          localAddress: host.address,
          localPort: incoming ? 3389 : 49152 + int(16000),
          remoteAddress: `${pick(NETS)}${1 + int(254)}`,
          remotePort: incoming ? 49152 + int(16000) : pick([443, 80, 8080, 53, 8443]),
          direction: rand() < 0.15 ? null : incoming ? 'INCOMING' : 'OUTGOING',
          protocol: 'TCP',
          country: pick(COUNTRIES),
          domain: incoming || rand() < 0.4 ? null : `${pick(WORDS)}-${int(500)}.${pick(TLDS)}`,
          malicious: rand() < 0.6,
          serverFieldsKnown: rand() < 0.7,
          creationTime: created + int(60_000),
        };
      }),
    }));
    const guid = `AAAA${Array.from({ length: 12 }, () => GUID_CHARS[int(64)]).join('')}${i.toString(36)}`;
    const closed = rand() < 0.25;
    malops.push({
      guid,
      displayName: processes[0]!.name,
      creationTime: created,
      lastUpdateTime: updated,
      status: closed ? 'Closed' : 'Active',
      crimeStatus: closed ? 'CLOSED' : 'UNREAD',
      severity: pick(['High', 'Medium', 'Low'] as const),
      priority: pick(['HIGH', 'MEDIUM', 'LOW', null] as const),
      detectionTypes: [detection],
      detectionEngines: ['EDR'],
      mitreTactics: [tactic],
      mitreTechniques: [technique],
      rootCauseElementType: rootType,
      rootCauseElementHashes: rootType === 'File' ? [randomHex(rand, 40)] : [],
      iocs: [rootType],
      labels: [],
      investigationStatus: closed ? 'Closed' : 'Pending',
      isEdr: rand() < 0.9,
      machines: hosts,
      users: [
        {
          guid: `AAAAG${int(1e9).toString(36)}`,
          displayName: `corp\\user${int(5000)}`,
          admin: rand() < 0.1,
          domainUser: rand() < 0.8,
        },
      ],
      processes,
      comments: [],
    });
  }
  return malops;
}

function randomHex(rand: () => number, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += Math.floor(rand() * 16).toString(16);
  return out;
}
