/** The simulator's own record of a Cybereason server; render.ts turns it into vendor JSON. */

export interface SimMachine {
  guid: string;
  displayName: string;
  osType: 'WINDOWS' | 'LINUX' | 'MAC_OS';
  connected: boolean;
  isolated: boolean;
  lastConnected: number | null;
  pylumId: string;
  address: string;
}

export interface SimUser {
  guid: string;
  displayName: string;
  admin: boolean;
  domainUser: boolean;
}

export interface SimConnection {
  guid: string;
  localAddress: string;
  localPort: number;
  remoteAddress: string;
  remotePort: number;
  /** null: the sensor did not report one (seen in captured data). */
  direction: 'OUTGOING' | 'INCOMING' | null;
  protocol: 'TCP' | 'UDP';
  country: string | null;
  /** The domain resolved before connecting, when there was a DNS query. */
  domain: string | null;
  malicious: boolean;
  /** Captured data often has serverAddress/serverPort null: only the display name tells. */
  serverFieldsKnown: boolean;
  creationTime: number;
}

export interface SimProcess {
  guid: string;
  name: string;
  connections: SimConnection[];
}

export interface SimComment {
  id: string;
  text: string;
  user: string;
  timestamp: number;
}

export type CrimeStatus = 'UNREAD' | 'TODO' | 'OPEN' | 'CLOSED' | 'FP';

export interface SimMalop {
  guid: string;
  displayName: string;
  creationTime: number;
  lastUpdateTime: number;
  status: 'Active' | 'Closed' | 'Remediated';
  /** The legacy malop status set through /rest/crimes/status. */
  crimeStatus: CrimeStatus;
  severity: 'High' | 'Medium' | 'Low';
  priority: 'HIGH' | 'MEDIUM' | 'LOW' | null;
  detectionTypes: string[];
  detectionEngines: string[];
  mitreTactics: string[];
  mitreTechniques: string[];
  rootCauseElementType: 'File' | 'Process' | 'Connection';
  rootCauseElementHashes: string[];
  iocs: string[];
  labels: { id: number; labelText: string }[];
  investigationStatus: string;
  isEdr: boolean;
  machines: SimMachine[];
  users: SimUser[];
  processes: SimProcess[];
  comments: SimComment[];
}

export interface SimReputation {
  key: string;
  reputationType: 'IP' | 'DOMAIN' | 'FILE';
  maliciousType: 'blacklist' | 'whitelist';
  prevent: boolean;
  comment: string;
  /** Epoch ms; 0 for never. */
  expiration: number;
}
