/*
 * Checks and normalises command arguments at run time. The playbook validator checks literal
 * `with` values against the input schemas, but values computed by expressions arrive
 * unchecked, so every command normalises its input here and fails with BAD_INPUT, naming the
 * argument, instead of sending SECDO something it would reject or misread.
 */
import { isIP } from 'node:net';
import { Type } from '@sinclair/typebox';
import { permanentError } from '../../src/integration-sdk/index.js';

export const SEVERITIES = ['LOW', 'MEDIUM', 'HIGH'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** ISO-8601 date-time with a zone (Z or ±hh:mm), or epoch milliseconds as digits. */
const ISO_DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;
const TIMESTAMP_PATTERN = `^(\\d{1,16}|${ISO_DATE_TIME.source.slice(1, -1)})$`;
/** Below this (1973-03-03 in ms) a value is far more likely epoch seconds than milliseconds. */
const MIN_EPOCH_MS = 100_000_000_000;
/** 9999-12-31T23:59:59.999Z */
const MAX_EPOCH_MS = 253_402_300_799_999;

export const TimestampArg = Type.Union(
  [
    Type.String({ pattern: TIMESTAMP_PATTERN }),
    Type.Integer({ minimum: MIN_EPOCH_MS, maximum: MAX_EPOCH_MS }),
  ],
  {
    description:
      'When the alert happened: ISO-8601 with a zone (2017-03-22T19:00:47Z, ' +
      '2017-03-22T21:00:47+02:00) or UTC epoch milliseconds (1490209247000, number or digits). ' +
      'Sent to SECDO as epoch milliseconds in a string.',
  },
);

export const PortArg = Type.Union([
  Type.Integer({ minimum: 0, maximum: 65535 }),
  Type.String({ pattern: '^\\d{1,5}$' }),
]);

export const SeverityArg = Type.Union(
  SEVERITIES.map((s) => Type.Literal(s)),
  { description: 'LOW, MEDIUM or HIGH (upper case, as SECDO spells them).' },
);

export const EventIdArg = Type.Union([Type.String({ minLength: 1 }), Type.Integer()], {
  description: "The alert's id in the product that raised it.",
});

/** `{[name]: value}`, or nothing when the optional argument was not given. */
export function optional<K extends string>(
  name: K,
  value: string | undefined,
): Partial<Record<K, string>> {
  return value === undefined ? {} : ({ [name]: value } as Record<K, string>);
}

/** Names the command in every message, so a failed step says what to fix and where. */
export class ArgumentChecker {
  constructor(
    private readonly uses: string,
    private readonly input: Record<string, unknown>,
  ) {}

  fail(name: string, expected: string): never {
    throw permanentError(
      `${this.uses}: argument '${name}' ${expected}, got ${describe(this.input[name])}`,
      'BAD_INPUT',
    );
  }

  has(name: string): boolean {
    const value = this.input[name];
    return value !== undefined && value !== null && value !== '';
  }

  text(name: string): string {
    const value = this.input[name];
    if (typeof value !== 'string' || value.trim() === '')
      this.fail(name, 'must be a non-empty string');
    return value.trim();
  }

  optionalText(name: string): string | undefined {
    return this.has(name) ? this.text(name) : undefined;
  }

  /** A string or an integer, sent as a string (ids that some products number). */
  id(name: string): string | undefined {
    if (!this.has(name)) return undefined;
    const value = this.input[name];
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    return this.text(name);
  }

  ip(name: string): string {
    const value = this.input[name];
    const text = typeof value === 'string' ? value.trim() : '';
    if (isIP(text) === 0) this.fail(name, 'must be an IPv4 or IPv6 address');
    return text;
  }

  port(name: string): string {
    const value = this.input[name];
    const number =
      typeof value === 'string' && /^\d{1,5}$/.test(value.trim()) ? Number(value) : value;
    if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 65535) {
      this.fail(name, 'must be a port number from 0 to 65535');
    }
    return String(number);
  }

  optionalPort(name: string): string | undefined {
    return this.has(name) ? this.port(name) : undefined;
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], fallback?: T): T {
    if (!this.has(name) && fallback !== undefined) return fallback;
    const value = this.input[name];
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      const hint =
        typeof value === 'string' && (allowed as readonly string[]).includes(value.toUpperCase())
          ? ` (SECDO's values are upper case: use $uppercase() in the expression)`
          : '';
      this.fail(name, `must be one of ${allowed.join(', ')}${hint}`);
    }
    return value as T;
  }

  optionalOneOf<T extends string>(name: string, allowed: readonly T[]): T | undefined {
    return this.has(name) ? this.oneOf(name, allowed) : undefined;
  }

  /** Epoch milliseconds as a decimal string, from ISO-8601 or epoch ms. */
  timestamp(name: string): string {
    const value = this.input[name];
    let ms: number | undefined;
    if (typeof value === 'number') ms = Number.isSafeInteger(value) ? value : undefined;
    else if (typeof value === 'string' && /^\d{1,16}$/.test(value.trim())) ms = Number(value);
    else if (typeof value === 'string') ms = parseIsoDateTime(value.trim());
    if (ms === undefined) {
      this.fail(
        name,
        'must be an ISO-8601 date-time with a zone (2017-03-22T19:00:47Z) or epoch milliseconds',
      );
    }
    if (ms < MIN_EPOCH_MS) {
      this.fail(
        name,
        'looks like epoch seconds or a time before 1973: SECDO wants epoch milliseconds',
      );
    }
    if (ms > MAX_EPOCH_MS) this.fail(name, 'is after the year 9999');
    return String(ms);
  }
}

/** Date.parse rolls 2017-02-30 over into March; a calendar check refuses it instead. */
export function parseIsoDateTime(text: string): number | undefined {
  const match = ISO_DATE_TIME.exec(text);
  if (!match) return undefined;
  const n = (group: number): number => Number(match[group] ?? 0);
  const [year, month, day, hour, minute, second] = [n(1), n(2), n(3), n(4), n(5), n(6)];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const valid =
    month >= 1 &&
    month <= 12 &&
    day >= 1 &&
    day <= daysInMonth &&
    hour <= 23 &&
    minute <= 59 &&
    second <= 59 &&
    n(8) <= 23 &&
    n(9) <= 59;
  if (!valid) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : ms;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? typeof value;
  return text.length > 80 ? `${text.slice(0, 79)}…` : text;
}
