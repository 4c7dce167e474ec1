/*
 * Cybereason sends numbers and timestamps as strings ("1659517940167"), booleans as
 * "true"/"False"/true and nulls as the string "None", sometimes in the same response. Every
 * value read from a response goes through one of these readers, so commands only ever see
 * real numbers, booleans and nulls.
 */

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/** `null`, `undefined`, "None", "null" and "" are all "no value". */
export function isAbsent(value: unknown): value is null | undefined | '' | 'None' | 'null' {
  return (
    value === null || value === undefined || value === '' || value === 'None' || value === 'null'
  );
}

export function text(value: unknown): string | null {
  if (isAbsent(value)) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return null;
}

export function num(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && NUMBER.test(value.trim())) return Number(value.trim());
  return null;
}

/** Epoch milliseconds from a number, a numeric string, or an ISO-8601 date. */
export function millis(value: unknown): number | null {
  const n = num(value);
  if (n !== null) return Math.trunc(n);
  if (typeof value === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(value)) {
    // Python's isoformat has no zone and may carry microseconds: read it as UTC, to the ms.
    const iso = /[zZ]|[+-]\d{2}:?\d{2}$/.test(value) ? value : `${value}Z`;
    const at = Date.parse(iso.replace(/(\.\d{3})\d+/, '$1'));
    return Number.isNaN(at) ? null : at;
  }
  return null;
}

export function bool(value: unknown): boolean | null {
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') {
    const lower = value.trim().toLowerCase();
    if (lower === 'true') return true;
    if (lower === 'false') return false;
  }
  return null;
}

/** An array of whatever the server sent: "None" and null become [], a scalar becomes [scalar]. */
export function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return isAbsent(value) ? [] : [value];
}

export function texts(value: unknown): string[] {
  return list(value)
    .map(text)
    .filter((v): v is string => v !== null);
}

export function record(value: unknown): Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}
