import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { ApiConfig } from '../integration-sdk/config.js';

export type Role = 'ingest' | 'analyst' | 'admin';

/** Who is calling: journaled as the actor of what they do. */
export interface Principal {
  name: string;
  role: Role;
  via: 'token' | 'webhook';
}

export class ApiConfigError extends Error {
  override readonly name = 'ApiConfigError';
}

/** A signed alert older (or newer) than this is refused: a captured request cannot be replayed later. */
export const SIGNATURE_TOLERANCE_S = 300;

const digest = (value: string | Buffer) => createHash('sha256').update(value).digest();

/**
 * Bearer tokens (per role) and webhook HMAC secrets from the `api:` section of
 * soar.config.yaml. Tokens are kept as SHA-256 digests and compared in constant time.
 */
export class ApiAuth {
  private constructor(
    private readonly tokens: { digest: Buffer; principal: Principal }[],
    private readonly webhooks: { secret: string; principal: Principal }[],
    private readonly values: string[],
  ) {}

  static fromConfig(
    config: ApiConfig | undefined,
    resolve: (reference: string) => string | null,
  ): ApiAuth {
    const values: string[] = [];
    const value = (what: string, reference: string): string => {
      const resolved = resolve(reference);
      if (resolved === null || resolved === '') {
        throw new ApiConfigError(`api.${what} refers to ${reference}, which is not set or empty`);
      }
      values.push(resolved);
      return resolved;
    };
    const tokens = (config?.tokens ?? []).map((entry) => ({
      digest: digest(value(`tokens (${entry.name})`, entry.token)),
      principal: { name: entry.name, role: entry.role, via: 'token' as const },
    }));
    const webhooks = (config?.webhooks ?? []).map((entry) => ({
      secret: value(`webhooks (${entry.name})`, entry.secret),
      principal: { name: entry.name, role: 'ingest' as const, via: 'webhook' as const },
    }));
    return new ApiAuth(tokens, webhooks, values);
  }

  /** Whether anyone at all can call the API (a server with no token refuses everything). */
  get configured(): boolean {
    return this.tokens.length > 0 || this.webhooks.length > 0;
  }

  /** The resolved secrets, for the redactor: they never reach a journal or a log. */
  secretValues(): string[] {
    return [...this.values];
  }

  /** The principal of an `Authorization: Bearer <token>` header, or null. */
  bearer(header: string | undefined): Principal | null {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!match) return null;
    const given = digest(match[1]!);
    let found: Principal | null = null;
    // Every digest is compared, so timing says nothing about which token nearly matched.
    for (const token of this.tokens) {
      if (timingSafeEqual(token.digest, given)) found = token.principal;
    }
    return found;
  }

  /**
   * The webhook whose secret signed `<timestamp>.<raw body>` (header `v1=<hex>`), or why not.
   */
  webhook(
    timestamp: string | undefined,
    signature: string | undefined,
    raw: Buffer,
    nowMs: number,
  ): Principal | 'stale' | null {
    if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return null;
    const match = /^v1=([0-9a-f]{64})$/i.exec(signature.trim());
    if (!match) return null;
    if (Math.abs(nowMs / 1000 - Number(timestamp)) > SIGNATURE_TOLERANCE_S) return 'stale';
    const given = Buffer.from(match[1]!, 'hex');
    let found: Principal | null = null;
    for (const hook of this.webhooks) {
      const expected = createHmac('sha256', hook.secret)
        .update(`${timestamp}.`)
        .update(raw)
        .digest();
      if (timingSafeEqual(expected, given)) found = hook.principal;
    }
    return found;
  }
}

/** Whether `role` may do what needs one of `allowed` (admin may do everything). */
export function permits(role: Role, allowed: readonly Role[]): boolean {
  return role === 'admin' || allowed.includes(role);
}
