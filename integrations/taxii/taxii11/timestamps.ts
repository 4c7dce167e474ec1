/*
 * TAXII 1.1 timestamps. Requests carry whole seconds in UTC with a `Z`
 * (`2026-01-01T00:00:00Z`), the form every server accepts. Responses come as libtaxii writes
 * them: microseconds and `+00:00` (`2021-10-20T06:43:08.840864+00:00`), or with `Z`, or
 * another offset; they are read as instants, never compared as text.
 */
import { TaxiiError } from './errors.js';

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?([Zz]|[+-]\d{2}:?\d{2})?$/;

/** `YYYY-MM-DDTHH:MM:SSZ`: fractions are dropped, so a window never skips content. */
export function formatTimestamp(instant: Date): string {
  return `${instant.toISOString().slice(0, 19)}Z`;
}

/** Milliseconds since the epoch, or undefined when `text` is not a timestamp. No zone is UTC. */
export function parseTimestamp(text: string): number | undefined {
  const match = TIMESTAMP.exec(text.trim());
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 60) return undefined;
  const local = Date.UTC(year, month - 1, day, hour, minute, Math.min(second, 59));
  // Date.UTC rolls 2026-02-30 over into March: that is no date.
  if (new Date(local).getUTCDate() !== day) return undefined;
  const millis = Number((match[7] ?? '').slice(0, 3).padEnd(3, '0'));
  return local + millis - offsetMinutes(match[8]) * 60_000;
}

/** A Date or a timestamp string as an instant; throws on text that is not a timestamp. */
export function toInstant(value: Date | string, what: string): Date {
  const millis = value instanceof Date ? value.getTime() : parseTimestamp(value);
  if (millis === undefined || Number.isNaN(millis)) {
    throw new TaxiiError(`${what} is not a timestamp: '${String(value).slice(0, 60)}'`, {
      code: 'TAXII_INVALID_REQUEST',
      retryable: false,
    });
  }
  return new Date(millis);
}

function offsetMinutes(zone: string | undefined): number {
  if (zone === undefined || zone === 'Z' || zone === 'z') return 0;
  const digits = zone.slice(1).replace(':', '');
  const minutes = Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2));
  return zone.startsWith('-') ? -minutes : minutes;
}
