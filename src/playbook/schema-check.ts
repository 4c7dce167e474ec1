import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostics.js';
import {
  PlaybookShape,
  STEP_ID_PATTERN,
  STEP_TYPES,
  STEP_VARIANTS,
  type Playbook,
  type StepType,
} from './schema.js';
import type { PlaybookSource } from './source.js';
import { didYouMean } from './suggest.js';

// verbose: errors carry their schema (descriptions, alternatives) and the offending value.
const ajv = new Ajv({ allErrors: true, strict: false, verbose: true });
const ID = new RegExp(STEP_ID_PATTERN);
const ID_RULE = 'letters, digits and underscores, starting with a letter or underscore, at most 64';
const validateShape = ajv.compile(PlaybookShape);
const variantValidators = new Map<StepType, ValidateFunction>(
  STEP_TYPES.map((type) => [type, ajv.compile(STEP_VARIANTS[type])]),
);

/** Checks the document against the schema; returns a typed playbook only when it conforms. */
export function checkSchema(source: PlaybookSource): {
  playbook?: Playbook;
  diagnostics: Diagnostic[];
} {
  const value = source.value;
  const diagnostics: Diagnostic[] = [];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      diagnostics: [
        {
          file: source.file,
          ...source.locate([]),
          path: '',
          code: 'schema',
          message: 'expected a playbook: a YAML mapping with id, name, start and steps',
        },
      ],
    };
  }
  if (!validateShape(value)) {
    diagnostics.push(...toDiagnostics(source, [], validateShape.errors ?? []));
  }
  // The schema's key patterns for inputs and steps are not enforced by ajv: check them here.
  const inputs = (value as { inputs?: unknown }).inputs;
  if (inputs && typeof inputs === 'object' && !Array.isArray(inputs)) {
    for (const name of Object.keys(inputs).filter((n) => !ID.test(n)))
      diagnostics.push(
        at(source, ['inputs', name], 'key', `invalid input name '${name}': expected ${ID_RULE}`),
      );
  }
  const steps = (value as { steps?: unknown }).steps;
  if (steps && typeof steps === 'object' && !Array.isArray(steps)) {
    for (const [id, step] of Object.entries(steps)) {
      if (!ID.test(id))
        diagnostics.push(
          at(source, ['steps', id], 'key', `invalid step id '${id}': expected ${ID_RULE}`),
        );
      diagnostics.push(...checkStep(source, id, step));
    }
  }
  if (diagnostics.length > 0) return { diagnostics };
  const playbook = value as Playbook;
  for (const step of Object.values(playbook.steps)) {
    if (step.type === undefined) (step as { type: string }).type = 'action';
  }
  return { playbook, diagnostics };
}

function checkStep(source: PlaybookSource, id: string, step: unknown): Diagnostic[] {
  const base = ['steps', id];
  if (step === null || typeof step !== 'object' || Array.isArray(step)) return [];
  const declared = (step as { type?: unknown }).type;
  let type: StepType;
  if (declared === undefined) {
    if (!('uses' in step)) {
      return [
        at(source, base, 'key', `step '${id}' has neither 'type' nor 'uses': expected one of them`),
      ];
    }
    type = 'action';
  } else if (typeof declared === 'string' && (STEP_TYPES as string[]).includes(declared)) {
    type = declared as StepType;
  } else {
    const name = typeof declared === 'string' ? declared : show(declared);
    return [
      at(
        source,
        [...base, 'type'],
        'value',
        `unknown step type '${name}': expected one of ${STEP_TYPES.join(', ')}${didYouMean(name, STEP_TYPES)}`,
      ),
    ];
  }
  const validate = variantValidators.get(type)!;
  const problems: Diagnostic[] = [];
  if (!validate(step)) {
    problems.push(...toDiagnostics(source, base, validate.errors ?? []));
  }
  if (type === 'wait') {
    const wait = step as { for?: unknown; until?: unknown };
    if ((wait.for === undefined) === (wait.until === undefined)) {
      problems.push(
        at(source, base, 'key', `wait step '${id}' needs exactly one of 'for' or 'until'`),
      );
    }
  }
  return problems;
}

function at(
  source: PlaybookSource,
  path: (string | number)[],
  part: 'key' | 'value',
  message: string,
): Diagnostic {
  return {
    file: source.file,
    ...source.locate(path, part),
    path: path.join('.'),
    code: 'schema',
    message,
  };
}

function toDiagnostics(
  source: PlaybookSource,
  base: (string | number)[],
  errors: ErrorObject[],
): Diagnostic[] {
  // A union reports one error per alternative; say it once, at the union.
  const unionPaths = new Set(
    errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath),
  );
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    const inUnion = [...unionPaths].some(
      (p) => error.instancePath === p || error.instancePath.startsWith(`${p}/`),
    );
    if (error.keyword !== 'anyOf' && inUnion) continue;
    const path = [...base, ...pointerToPath(error.instancePath)];
    const { message, keyPath } = describe(error, path);
    const key = `${keyPath.join('.')}|${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(at(source, keyPath, keyPath === path ? 'value' : 'key', message));
  }
  return out;
}

function describe(
  error: ErrorObject,
  path: (string | number)[],
): { message: string; keyPath: (string | number)[] } {
  const where = path.length > 0 ? `'${path.join('.')}'` : 'the playbook';
  const params = error.params as Record<string, unknown>;
  const parent = (error.parentSchema ?? {}) as SchemaInfo;
  switch (error.keyword) {
    case 'required':
      return {
        message: `${where} is missing the required field '${String(params.missingProperty)}'`,
        keyPath: path,
      };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = Object.keys(parent.properties ?? {});
      return {
        message: `unknown field '${name}' in ${where}${didYouMean(name, allowed)}`,
        keyPath: [...path, name],
      };
    }
    case 'type':
      return { message: `${where} should be ${String(params.type)}`, keyPath: path };
    case 'pattern': {
      const expected = parent.description ? `${sentence(parent.description)} ` : '';
      return {
        message: `${where} has an invalid value ${show(error.data)}: expected ${expected}(a match for ${String(params.pattern)})`,
        keyPath: path,
      };
    }
    case 'const':
    case 'enum':
      return {
        message: `${where} should be ${JSON.stringify(params.allowedValue ?? params.allowedValues)}`,
        keyPath: path,
      };
    case 'anyOf': {
      const options = parent.anyOf ?? [];
      if (options.length > 0 && options.every((o) => o.const !== undefined)) {
        const allowed = options.map((o) => JSON.stringify(o.const)).join(', ');
        return {
          message: `${where} should be one of ${allowed}, not ${show(error.data)}`,
          keyPath: path,
        };
      }
      const kinds = [...new Set(options.map((o) => o.type ?? 'a value'))].join(' or ');
      const note = parent.description ? ` (${sentence(parent.description)})` : '';
      return {
        message: `${where} has the wrong form: expected ${kinds || 'another form'}${note}`,
        keyPath: path,
      };
    }
    default:
      return { message: `${where} ${error.message ?? 'is invalid'}`, keyPath: path };
  }
}

interface SchemaInfo {
  description?: string;
  properties?: Record<string, unknown>;
  anyOf?: { const?: unknown; type?: string }[];
}

/** A schema description as part of a sentence: lower-case start, no final full stop. */
function sentence(description: string): string {
  return description.charAt(0).toLowerCase() + description.slice(1).replace(/\.$/, '');
}

/** The offending value, short enough for a message. */
function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
