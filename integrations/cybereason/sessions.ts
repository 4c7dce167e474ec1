/*
 * Cybereason sessions (the JSESSIONID cookie of a form login), kept per instance for the life
 * of the process so that commands do not log in once per step: a login is a request of its
 * own, and the server keeps every session it hands out for about 8 hours.
 *
 * The cache is module-level because a command only lives for one step; the engine's
 * HttpClients keep connections per instance in the same way. Keys are the instance id, its
 * url and its username, so a changed configuration never reuses a session made for another
 * server or user. Each worker process holds its own sessions. Nothing is persisted: a
 * restarted process logs in again on first use.
 */
import type { InstanceContext } from '../../src/integration-sdk/define.js';

export interface Session {
  /** The JSESSIONID cookie value: a credential, sent only in the Cookie header. */
  readonly id: string;
  readonly createdAt: number;
}

export type Login = () => Promise<Session>;

/**
 * The server ends a session after about 8 hours; renewing a little earlier saves the one
 * call per expiry that would come back with the login page.
 */
export const SESSION_MAX_AGE_MS = 7.5 * 60 * 60 * 1000;

/**
 * One instance's session. Concurrent callers share one login (a foreach of 20 lookups logs in
 * once), and a session found expired by several callers at once is renewed once.
 */
export class SessionCell {
  private current: Promise<Session> | null = null;
  private settled: Session | null = null;

  /** The live session, logging in when there is none. */
  get(login: Login): Promise<Session> {
    return this.current ?? this.start(login);
  }

  /**
   * A session other than `stale`: the one another caller already renewed, or a new login.
   * `stale` is the session the server just refused.
   */
  async renew(stale: Session, login: Login): Promise<Session> {
    for (;;) {
      const pending = this.current;
      if (pending === null) return this.start(login);
      const session = await pending.catch(() => null);
      // Another caller replaced the session while this one waited: look at the new one.
      if (this.current !== pending) continue;
      if (session !== null && session !== stale) return session;
      return this.start(login);
    }
  }

  /** Forgets `session` so that the next call logs in anew (it was refused after a fresh login). */
  drop(session: Session): void {
    if (this.settled === session) {
      this.current = null;
      this.settled = null;
    }
  }

  private start(login: Login): Promise<Session> {
    const pending = login();
    this.current = pending;
    this.settled = null;
    pending.then(
      (session) => {
        if (this.current === pending) this.settled = session;
      },
      () => {
        // A failed login is not cached: the next call tries again (credentials may be fixed).
        if (this.current === pending) this.current = null;
      },
    );
    return pending;
  }
}

const cells = new Map<string, SessionCell>();

export function sessionCell(instance: InstanceContext): SessionCell {
  const key = [instance.id, instance.url ?? '', instance.credentials.username ?? ''].join('\n');
  let cell = cells.get(key);
  if (!cell) {
    cell = new SessionCell();
    cells.set(key, cell);
  }
  return cell;
}

/** Forgets every cached session (tests; a process that wants a clean slate). */
export function clearSessions(): void {
  cells.clear();
}
