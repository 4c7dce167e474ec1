import { isCredentialKey } from './credential-names.js';
import { redactUrls } from './redact-url.js';

export const REDACTED = '[REDACTED]';
export const CIRCULAR = '[Circular]';

/** Shorter values would match innocent text everywhere and make the journal useless. */
const MIN_SECRET_LENGTH = 4;

export interface Redactor {
  /** A redacted deep copy; the input is never mutated. Objects with toJSON (except Date) are redacted in their JSON form. */
  redact<T>(value: T): T;
  /**
   * `JSON.parse(JSON.stringify(redact(value)))` in one pass: the redacted value as plain JSON
   * (dates as strings, undefined and functions dropped, non-finite numbers as null).
   */
  redactJson(value: unknown): unknown;
  addSecret(value: string): void;
}

export interface RedactorOptions {
  /** Literal secret values (API keys, passwords from the vault) to remove wherever they appear. */
  secretValues?: Iterable<string>;
}

export function createRedactor(options: RedactorOptions = {}): Redactor {
  const secrets = new Set<string>();
  let secretPattern: RegExp | null = null;

  function addSecret(value: string): void {
    if (value.length < MIN_SECRET_LENGTH || secrets.has(value)) return;
    secrets.add(value);
    // Longest first, so a secret that contains another is removed whole, not in parts.
    const alternatives = [...secrets].sort((a, b) => b.length - a.length).map(escapeRegExp);
    secretPattern = new RegExp(alternatives.join('|'), 'g');
  }

  function redactString(text: string): string {
    const withoutSecrets = secretPattern === null ? text : text.replace(secretPattern, REDACTED);
    return redactUrls(withoutSecrets, REDACTED);
  }

  function copy(value: unknown, ancestors: Set<object>): unknown {
    if (typeof value === 'string') return redactString(value);
    if (typeof value !== 'object' || value === null) return value;
    if (value instanceof Date) return new Date(value.getTime());
    if (ancestors.has(value)) return CIRCULAR;
    ancestors.add(value);
    try {
      const toJSON = (value as { toJSON?: unknown }).toJSON;
      // A URL object, for one, carries its credentials only in its JSON form.
      if (typeof toJSON === 'function') return copy(toJSON.call(value), ancestors);
      if (Array.isArray(value)) return value.map((item: unknown) => copy(item, ancestors));
      const result: Record<string, unknown> = {};
      for (const [key, item] of Object.entries(value)) {
        const redactedItem = isCredentialKey(key) ? REDACTED : copy(item, ancestors);
        const redactedKey = redactString(key);
        if (redactedKey === '__proto__') {
          // A plain assignment to "__proto__" would replace the prototype instead.
          Object.defineProperty(result, redactedKey, {
            value: redactedItem,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          result[redactedKey] = redactedItem;
        }
      }
      return result;
    } finally {
      ancestors.delete(value);
    }
  }

  const SKIP = Symbol('skip');

  function copyJson(value: unknown, key: string, ancestors: Set<object>): unknown {
    switch (typeof value) {
      case 'string':
        return redactString(value);
      case 'number':
        return Number.isFinite(value) ? value + 0 : null; // + 0 turns -0 into 0, as JSON does
      case 'boolean':
        return value;
      case 'bigint':
        throw new TypeError('Do not know how to serialize a BigInt');
      case 'undefined':
      case 'function':
      case 'symbol':
        return SKIP;
    }
    if (value === null) return null;
    if (ancestors.has(value as object)) return CIRCULAR;
    const toJSON = (value as { toJSON?: unknown }).toJSON;
    if (typeof toJSON === 'function') {
      const json: unknown = toJSON.call(value, key);
      // A Date's JSON form is its ISO string, which the redaction pass left alone.
      return value instanceof Date ? (json ?? null) : copyJson(json, key, ancestors);
    }
    ancestors.add(value as object);
    try {
      if (Array.isArray(value)) {
        return value.map((item: unknown, i) => {
          const copied = copyJson(item, String(i), ancestors);
          return copied === SKIP ? null : copied;
        });
      }
      const result: Record<string, unknown> = {};
      for (const [name, item] of Object.entries(value as object)) {
        const copied = isCredentialKey(name) ? REDACTED : copyJson(item, name, ancestors);
        if (copied === SKIP) continue;
        const redactedKey = redactString(name);
        if (redactedKey === '__proto__') {
          Object.defineProperty(result, redactedKey, {
            value: copied,
            enumerable: true,
            writable: true,
            configurable: true,
          });
        } else {
          result[redactedKey] = copied;
        }
      }
      return result;
    } finally {
      ancestors.delete(value as object);
    }
  }

  for (const secret of options.secretValues ?? []) addSecret(secret);
  return {
    redact: <T>(value: T): T => copy(value, new Set()) as T,
    redactJson: (value: unknown): unknown => {
      const copied = copyJson(value, '', new Set());
      return copied === SKIP ? undefined : copied;
    },
    addSecret,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
