import { createRequire } from 'node:module';

type Canonicalize = (value: unknown) => string | undefined;

// canonicalize@2.1.0 is CommonJS (`module.exports = fn`) but its .d.ts declares
// `export default`, so under NodeNext the typed default import is not callable.
// Loading it through require gives the function with no type/runtime mismatch.
const canonicalize = createRequire(import.meta.url)('canonicalize') as Canonicalize;

/** Thrown when a value has no RFC 8785 encoding; the message names where the bad value sits. */
export class CanonicalJsonError extends Error {
  override name = 'CanonicalJsonError';
}

/**
 * RFC 8785 (JCS) canonical JSON. The library throws bare errors (or overflows the stack
 * on a cycle) and silently writes `undefined` for a function, so any failure or any
 * `undefined` in the output is re-examined to throw a precise error. Checking only then
 * keeps the common path to one pass, which matters: this runs for every journal append.
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch (error) {
    assertEncodable(value, '$', new Set());
    throw new CanonicalJsonError(`$: ${(error as Error).message}`, { cause: error });
  }
  // The word may sit harmlessly inside a string; the walk tells the two apart.
  if (text === undefined || text.includes('undefined')) assertEncodable(value, '$', new Set());
  if (text === undefined) throw new CanonicalJsonError('$: value has no JSON encoding');
  return text;
}

function assertEncodable(value: unknown, path: string, ancestors: Set<object>): void {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return;
    case 'number':
      if (!Number.isFinite(value)) {
        throw new CanonicalJsonError(`${path}: ${String(value)} is not allowed in JSON`);
      }
      return;
    case 'undefined':
      if (path === '$') throw new CanonicalJsonError('$: undefined is not a JSON value');
      return; // omitted inside objects, null inside arrays: the same as JSON.stringify
    case 'bigint':
    case 'function':
    case 'symbol':
      throw new CanonicalJsonError(`${path}: a ${typeof value} is not a JSON value`);
  }
  if (value === null) return;
  const object = value as Record<string, unknown> & { toJSON?: unknown };
  if (ancestors.has(object)) throw new CanonicalJsonError(`${path}: cyclic structure`);
  ancestors.add(object);
  if (typeof object.toJSON === 'function') {
    assertEncodable((object.toJSON as () => unknown).call(object), path, ancestors);
  } else if (Array.isArray(object)) {
    object.forEach((item, index) => assertEncodable(item, `${path}[${index}]`, ancestors));
  } else {
    for (const [key, item] of Object.entries(object)) {
      assertEncodable(item, `${path}.${key}`, ancestors);
    }
  }
  ancestors.delete(object);
}
