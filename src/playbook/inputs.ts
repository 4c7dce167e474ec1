import type { InputDeclaration, Playbook } from './schema.js';
import { matchesType } from './semantic-check.js';
import { didYouMean } from './suggest.js';

export class InputError extends Error {
  override readonly name = 'InputError';
  readonly code = 'BAD_INPUT';
}

/**
 * Applies defaults and checks run inputs against the playbook's declarations. Values given as
 * text (from the command line) are coerced to the declared type.
 */
export function resolveInputs(
  playbook: Playbook,
  given: Record<string, unknown>,
): Record<string, unknown> {
  const declared = playbook.inputs ?? {};
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(given)) {
    if (!(name in declared)) {
      throw new InputError(
        `playbook '${playbook.id}' has no input '${name}'${didYouMean(name, Object.keys(declared))}; it declares: ${Object.keys(declared).join(', ') || 'no inputs'}`,
      );
    }
  }
  for (const [name, declaration] of Object.entries(declared)) {
    if (name in given) out[name] = coerce(name, given[name], declaration);
    else if (declaration.default !== undefined) out[name] = declaration.default;
    else if (declaration.required)
      throw new InputError(`input '${name}' is required (${declaration.type})`);
    else out[name] = null;
  }
  return out;
}

function coerce(name: string, value: unknown, declaration: InputDeclaration): unknown {
  let typed = value;
  if (typeof value === 'string' && declaration.type !== 'string')
    typed = parseText(name, value, declaration.type);
  if (!matchesType(typed, declaration.type)) {
    throw new InputError(
      `input '${name}' should be ${declaration.type}, got ${JSON.stringify(value)}`,
    );
  }
  if (
    declaration.enum &&
    !declaration.enum.some((allowed) => JSON.stringify(allowed) === JSON.stringify(typed))
  ) {
    throw new InputError(
      `input '${name}' should be one of ${JSON.stringify(declaration.enum)}, got ${JSON.stringify(typed)}`,
    );
  }
  return typed;
}

function parseText(name: string, text: string, type: InputDeclaration['type']): unknown {
  if (type === 'boolean') {
    if (/^(true|yes|1)$/i.test(text)) return true;
    if (/^(false|no|0)$/i.test(text)) return false;
    throw new InputError(`input '${name}' should be true or false, got '${text}'`);
  }
  if (type === 'number' || type === 'integer') {
    const n = Number(text);
    if (text.trim() === '' || !Number.isFinite(n))
      throw new InputError(`input '${name}' should be a ${type}, got '${text}'`);
    return n;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new InputError(`input '${name}' should be JSON (${type}), got '${text}'`);
  }
}
