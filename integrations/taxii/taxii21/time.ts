/*
 * TAXII timestamps. Servers write anywhere from zero to nine fractional digits (medallion
 * writes microseconds) and a `Z` or a `+00:00` offset, and a JavaScript Date keeps only
 * milliseconds: instants are compared as nanoseconds since the epoch, never as strings
 * ("2026-01-01T00:00:00Z" sorts after "2026-01-01T00:00:00.5Z" as text, yet is earlier).
 */

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

/** Nanoseconds since the epoch, or undefined for text that is not an RFC 3339 instant. */
export function parseInstant(text: string): bigint | undefined {
  const match = INSTANT.exec(text.trim());
  if (match === null) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const fraction = match[7] ?? '';
  const zone = match[8] ?? 'Z';
  if (hour > 23 || minute > 59 || second > 59) return undefined;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const roundTrip = new Date(ms);
  // Date.UTC rolls 2026-02-30 over into March; such a date is not an instant.
  if (roundTrip.getUTCMonth() !== month - 1 || roundTrip.getUTCDate() !== day) return undefined;
  const offsetMinutes = zoneOffsetMinutes(zone);
  const utcMs = ms - offsetMinutes * 60_000;
  return BigInt(utcMs) * 1_000_000n + BigInt(fraction.padEnd(9, '0'));
}

function zoneOffsetMinutes(zone: string): number {
  if (zone === 'Z' || zone === 'z') return 0;
  const sign = zone.startsWith('-') ? -1 : 1;
  const [hours, minutes] = zone.slice(1).split(':').map(Number) as [number, number];
  return sign * (hours * 60 + minutes);
}

export function isInstant(text: string): boolean {
  return parseInstant(text) !== undefined;
}

/** True when `a` is a strictly later instant than `b`; false when either does not parse. */
export function isLaterInstant(a: string, b: string): boolean {
  const left = parseInstant(a);
  const right = parseInstant(b);
  return left !== undefined && right !== undefined && left > right;
}

/**
 * The instant with fractional seconds, added only when missing: some servers refuse an
 * `added_after` of `2026-01-01T00:00:00Z` and want `2026-01-01T00:00:00.000Z`. Digits the
 * text already has are kept as they are, so a server's own watermark goes back verbatim.
 */
export function withFractionalSeconds(instant: string): string {
  const trimmed = instant.trim();
  const match = INSTANT.exec(trimmed);
  if (match === null || match[7] !== undefined) return trimmed;
  const zone = match[8] ?? 'Z';
  return `${trimmed.slice(0, trimmed.length - zone.length)}.000${zone}`;
}

/** A Date or an instant as text, as the `added_after` parameter wants it. */
export function addedAfterParameter(value: Date | string): string {
  return value instanceof Date ? value.toISOString() : withFractionalSeconds(value);
}
