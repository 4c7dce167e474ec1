/*
 * Everything the simulated server knows, inspectable by tests: malops (with their processes
 * and connections), sessions, the reputation list, comments, statuses and isolation.
 */
import { randomBytes } from 'node:crypto';
import type { CrimeStatus, SimMachine, SimMalop, SimReputation } from './model.js';

export interface SimSession {
  id: string;
  user: string;
  createdAt: number;
  expired: boolean;
}

export class SimState {
  readonly malops = new Map<string, SimMalop>();
  readonly sessions = new Map<string, SimSession>();
  readonly reputations = new Map<string, SimReputation>();
  /** Logins attempted, refused ones included. */
  logins = 0;
  /** Sorted malop lists, dropped whenever a malop changes (paging 10,000 malops re-sorts once). */
  private sorted = new Map<string, SimMalop[]>();

  constructor(
    private readonly users: Record<string, string>,
    readonly sessionTtlMs: number,
    readonly now: () => number,
  ) {}

  addMalops(malops: Iterable<SimMalop>): void {
    for (const malop of malops) this.malops.set(malop.guid, malop);
    this.sorted.clear();
  }

  addReputations(entries: Iterable<SimReputation>): void {
    for (const entry of entries) this.reputations.set(entry.key, { ...entry });
  }

  login(user: string, password: string): SimSession | null {
    this.logins++;
    if (!Object.hasOwn(this.users, user) || this.users[user] !== password) return null;
    const session = {
      id: randomBytes(16).toString('hex').toUpperCase(),
      user,
      createdAt: this.now(),
      expired: false,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of a cookie, or null (unknown, ended, or past its lifetime). */
  session(id: string | undefined): SimSession | null {
    if (id === undefined) return null;
    const session = this.sessions.get(id);
    if (!session || session.expired) return null;
    if (this.now() - session.createdAt > this.sessionTtlMs) return null;
    return session;
  }

  /** Ends every session, as the server does after ~8 hours or a restart. */
  expireSessions(): void {
    for (const session of this.sessions.values()) session.expired = true;
  }

  logout(id: string): void {
    const session = this.sessions.get(id);
    if (session) session.expired = true;
  }

  /** Malops sorted for the management API, newest update first unless asked otherwise. */
  sortedMalops(field: 'lastUpdateTime' | 'creationTime', descending: boolean): SimMalop[] {
    const key = `${field} ${descending}`;
    let list = this.sorted.get(key);
    if (!list) {
      const sign = descending ? -1 : 1;
      list = [...this.malops.values()].sort(
        (a, b) => sign * (a[field] - b[field]) || (a.guid < b.guid ? -1 : 1),
      );
      this.sorted.set(key, list);
    }
    return list;
  }

  setCrimeStatus(guid: string, status: CrimeStatus): boolean {
    const malop = this.malops.get(guid);
    if (!malop) return false;
    malop.crimeStatus = status;
    malop.status = status === 'CLOSED' || status === 'FP' ? 'Closed' : 'Active';
    malop.lastUpdateTime = this.now();
    this.sorted.clear();
    return true;
  }

  addComment(guid: string, text: string, user: string): { id: string; timestamp: number } | null {
    const malop = this.malops.get(guid);
    if (!malop) return null;
    const comment = { id: String(malop.comments.length + 1), text, user, timestamp: this.now() };
    malop.comments.push(comment);
    return comment;
  }

  /** Every machine by sensor id (machines are shared between malops). */
  machine(pylumId: string): SimMachine | undefined {
    for (const malop of this.malops.values()) {
      const found = malop.machines.find((m) => m.pylumId === pylumId);
      if (found) return found;
    }
    return undefined;
  }

  // Inspection helpers for tests.

  comments(guid: string): string[] {
    return this.malops.get(guid)?.comments.map((c) => c.text) ?? [];
  }

  crimeStatus(guid: string): CrimeStatus | undefined {
    return this.malops.get(guid)?.crimeStatus;
  }

  reputation(key: string): SimReputation | undefined {
    return this.reputations.get(key);
  }
}
