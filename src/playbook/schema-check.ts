import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostics.js';
import {
  PlaybookShape,
  STEP_TYPES,
  STEP_VARIANTS,
  type Playbook,
  type Step,
  type StepType,
} from './schema.js';
import type { PlaybookSource } from './source.js';
import { didYouMean } from './suggest.js';

const ajv = new Ajv({ allErrors: true, strict: false });
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
          line: 1,
          col: 1,
          path: '',
          code: 'schema',
          message: 'expected a playbook: a YAML mapping with id, name, start and steps',
        },
      ],
    };
  }
  if (!validateShape(value)) {
    diagnostics.push(
      ...toDiagnostics(source, [], validateShape.errors ?? [], PlaybookShape.properties),
    );
  }
  const steps = (value as { steps?: unknown }).steps;
  if (steps && typeof steps === 'object' && !Array.isArray(steps)) {
    for (const [id, step] of Object.entries(steps))
      diagnostics.push(...checkStep(source, id, step));
  }
  if (diagnostics.length > 0) return { diagnostics };
  const playbook = value as Playbook;
  for (const step of Object.values(playbook.steps) as Step[]) {
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
    return [
      at(
        source,
        [...base, 'type'],
        'value',
        `unknown step type '${String(declared)}': expected one of ${STEP_TYPES.join(', ')}${didYouMean(String(declared), STEP_TYPES)}`,
      ),
    ];
  }
  const validate = variantValidators.get(type)!;
  const problems: Diagnostic[] = [];
  if (!validate(step)) {
    problems.push(
      ...toDiagnostics(source, base, validate.errors ?? [], STEP_VARIANTS[type].properties),
    );
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
  properties: Record<string, unknown>,
): Diagnostic[] {
  // A union reports one error per alternative; say it once, at the union.
  const unionPaths = new Set(
    errors.filter((e) => e.keyword === 'anyOf').map((e) => e.instancePath),
  );
  const out: Diagnostic[] = [];
  const seen = new Set<string>();
  for (const error of errors) {
    if (error.keyword !== 'anyOf' && [...unionPaths].some((p) => error.instancePath.startsWith(p)))
      continue;
    const path = [...base, ...pointerToPath(error.instancePath)];
    const { message, keyPath } = describe(error, path, properties);
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
  properties: Record<string, unknown>,
): { message: string; keyPath: (string | number)[] } {
  const where = path.length > 0 ? `'${path.join('.')}'` : 'the playbook';
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return {
        message: `${where} is missing the required field '${String(params.missingProperty)}'`,
        keyPath: path,
      };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const allowed = path.length <= 2 ? Object.keys(properties) : [];
      return {
        message: `unknown field '${name}' in ${where}${didYouMean(name, allowed)}`,
        keyPath: [...path, name],
      };
    }
    case 'type':
      return { message: `${where} should be ${String(params.type)}`, keyPath: path };
    case 'pattern': {
      const schema = error.parentSchema as { description?: string } | undefined;
      return {
        message: `${where} has an invalid value: expected ${schema?.description ?? `a match for ${String(params.pattern)}`}`,
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
      const schema = error.parentSchema as { description?: string } | undefined;
      return {
        message: `${where} has the wrong form${schema?.description ? `: expected ${schema.description}` : ''}`,
        keyPath: path,
      };
    }
    default:
      return { message: `${where} ${error.message ?? 'is invalid'}`, keyPath: path };
  }
}

function pointerToPath(pointer: string): string[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}
