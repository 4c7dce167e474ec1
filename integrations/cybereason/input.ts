import type { Static, TObject } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { permanentError } from '../../src/integration-sdk/errors.js';

/**
 * A command's input checked against its schema, defaults applied. The playbook validator
 * checks literal arguments only; values computed by expressions arrive unchecked, and a
 * malop guid or a reputation key goes into a vendor request, so commands check again here.
 */
export function checkInput<T extends TObject>(schema: T, input: unknown): Static<T> {
  const value: unknown = Value.Default(schema, Value.Clone(input ?? {}));
  const error = Value.Errors(schema, value).First();
  if (error !== undefined) {
    const where = error.path === '' ? 'input' : `input ${error.path.slice(1).replace(/\//g, '.')}`;
    throw permanentError(`${where}: ${error.message}`, 'BAD_INPUT');
  }
  return value as Static<T>;
}

/**
 * The schema a command declares to the playbook validator: arguments that have a default
 * may be left out. (TypeBox lists them as required; `checkInput` fills them in.)
 */
export function argumentsOf<T extends TObject>(schema: T): T {
  const required = (schema.required ?? []).filter(
    (name) => (schema.properties[name] as { default?: unknown } | undefined)?.default === undefined,
  );
  const declared = { ...schema };
  if (required.length > 0) declared.required = required;
  else delete declared.required;
  return declared;
}
