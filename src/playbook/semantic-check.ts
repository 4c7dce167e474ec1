import { Ajv, type ValidateFunction } from 'ajv';
import { scheduleProblem } from './schedule.js';
import type { CommandCatalog, PlaybookCatalog } from './catalog.js';
import type { Diagnostic, DiagnosticCode } from './diagnostics.js';
import {
  ExpressionError,
  hasExpression,
  parseTemplate,
  referencesOf,
  SCOPE_ROOTS,
} from './expressions.js';
import { allEdges, branchSteps, isStep, loops, reachable, type Edge } from './graph.js';
import type { InputDeclaration, Playbook, Step } from './schema.js';
import type { PlaybookSource } from './source.js';
import { didYouMean } from './suggest.js';

const ajv = new Ajv({ allErrors: true, strict: false });
const argValidators = new WeakMap<object, ValidateFunction>();
const STEP_FIELDS = ['output', 'error', 'status', 'visits'];

type Path = (string | number)[];

/** The checks that need the whole playbook: graph, commands, arguments and expressions. */
export function checkSemantics(
  source: PlaybookSource,
  playbook: Playbook,
  commands: CommandCatalog,
  playbooks: PlaybookCatalog,
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = (
    code: DiagnosticCode,
    path: Path,
    message: string,
    part: 'key' | 'value' = 'value',
  ) =>
    out.push({
      file: source.file,
      ...source.locate(path, part),
      path: path.join('.'),
      code,
      message,
    });
  const ids = Object.keys(playbook.steps);

  if (!isStep(playbook, playbook.start)) {
    report(
      'unknown-target',
      ['start'],
      `start step '${playbook.start}' does not exist${didYouMean(playbook.start, ids)}`,
    );
  }
  const edges = allEdges(playbook);
  for (const edge of edges) {
    if (!isStep(playbook, edge.to)) {
      report(
        'unknown-target',
        edge.path,
        `step '${edge.from}' goes to '${edge.to}', which is not a step${didYouMean(edge.to, ids)}`,
      );
    }
  }
  if (out.length > 0) return out;

  const live = reachable(playbook, playbook.start, edges);
  for (const id of ids) {
    if (!live.has(id))
      report(
        'unreachable',
        ['steps', id],
        `step '${id}' is unreachable from start '${playbook.start}'`,
        'key',
      );
  }
  for (const loop of loops(playbook, edges)) {
    if (!loop.some((id) => playbook.steps[id]?.max_visits !== undefined)) {
      report(
        'unbounded-loop',
        ['steps', loop[0]!],
        `steps ${[...loop, loop[0]].join(' → ')} form a loop with no bound: set max_visits on one of them`,
        'key',
      );
    }
  }
  checkBranches(playbook, edges, report);
  for (const [id, step] of Object.entries(playbook.steps)) {
    checkStep(id, step, playbook, commands, playbooks, report);
  }
  checkInputDefaults(playbook.inputs ?? {}, report);
  const schedule = playbook.trigger?.schedule;
  const problem = schedule === undefined ? null : scheduleProblem(schedule);
  if (problem !== null) {
    report(
      'bad-schedule',
      ['trigger', 'schedule'],
      `trigger.schedule '${schedule}' is not a usable cron expression (UTC): ${problem}`,
    );
  }
  return out;
}

type Report = (code: DiagnosticCode, path: Path, message: string, part?: 'key' | 'value') => void;

function checkBranches(
  playbook: Playbook,
  edges: ReturnType<typeof allEdges>,
  report: Report,
): void {
  const owner = new Map<string, string>();
  const into = new Map<string, Edge[]>();
  for (const e of edges) {
    const list = into.get(e.to);
    if (list) list.push(e);
    else into.set(e.to, [e]);
  }
  for (const [pid, step] of Object.entries(playbook.steps)) {
    if (step.type !== 'parallel') continue;
    step.branches.forEach((first, i) => {
      const region = branchSteps(playbook, first, pid, edges);
      const label = `branch '${first}' of parallel step '${pid}'`;
      const escapes = [...region]
        .flatMap((id) => into.get(id) ?? [])
        .filter((e) => !region.has(e.from) && !(e.from === pid && e.to === first));
      for (const e of escapes) {
        report(
          'branch-escape',
          e.path,
          `step '${e.from}' goes to '${e.to}', which belongs to ${label}: a branch can only be entered through its parallel step`,
        );
      }
      if ((into.get(pid) ?? []).some((e) => region.has(e.from))) {
        report(
          'branch-escape',
          ['steps', pid, 'branches', i],
          `${label} leads back to its own parallel step`,
        );
      }
      for (const id of region) {
        const previous = owner.get(`${pid}/${id}`);
        if (previous)
          report(
            'branch-escape',
            ['steps', pid, 'branches', i],
            `step '${id}' is in two branches of '${pid}' ('${previous}' and '${first}')`,
          );
        owner.set(`${pid}/${id}`, first);
      }
    });
  }
}

function checkStep(
  id: string,
  step: Step,
  playbook: Playbook,
  commands: CommandCatalog,
  playbooks: PlaybookCatalog,
  report: Report,
): void {
  const base = ['steps', id];
  const expressions = (value: unknown, path: Path) =>
    checkExpressions(value, path, playbook, report);
  if (step.if !== undefined) expressions(step.if, [...base, 'if']);
  switch (step.type) {
    case 'action':
      checkUses(step.uses, step.with ?? {}, [...base], commands, report);
      expressions(step.with ?? {}, [...base, 'with']);
      break;
    case 'foreach':
      expressions(step.items, [...base, 'items']);
      checkUses(step.do.uses, step.do.with ?? {}, [...base, 'do'], commands, report);
      expressions(step.do.with ?? {}, [...base, 'do', 'with']);
      break;
    case 'choice':
      step.choices.forEach((c, i) => expressions(c.when, [...base, 'choices', i, 'when']));
      break;
    case 'approval':
      expressions(step.prompt, [...base, 'prompt']);
      if (step.next && typeof step.next === 'object') {
        for (const option of Object.keys(step.next)) {
          if (!step.options.includes(option))
            report(
              'unknown-target',
              [...base, 'next', option],
              `'${option}' is not one of the options ${JSON.stringify(step.options)}`,
              'key',
            );
        }
        for (const option of step.options) {
          if (!Object.hasOwn(step.next, option))
            report('unknown-target', [...base, 'next'], `option '${option}' has no next step`);
        }
      }
      break;
    case 'wait':
      if (step.until !== undefined) expressions(step.until, [...base, 'until']);
      break;
    case 'set':
      expressions(step.vars, [...base, 'vars']);
      break;
    case 'end':
      expressions(step.outputs ?? {}, [...base, 'outputs']);
      break;
    case 'playbook':
      checkSubPlaybook(step.playbook, step.inputs ?? {}, base, playbooks, report);
      expressions(step.inputs ?? {}, [...base, 'inputs']);
      break;
    case 'parallel':
      // Branches start the moment the parallel step is entered: nothing could skip them.
      if (step.if !== undefined) {
        report(
          'schema',
          [...base, 'if'],
          `'if' is not supported on parallel step '${id}': put a choice step before it`,
          'key',
        );
      }
      break;
  }
}

function checkUses(
  uses: string,
  args: Record<string, unknown>,
  base: Path,
  commands: CommandCatalog,
  report: Report,
): void {
  const schema = commands.inputSchema(uses);
  if (!schema) {
    report(
      'unknown-uses',
      [...base, 'uses'],
      `unknown command '${uses}'${didYouMean(uses, commands.names())}`,
    );
    return;
  }
  const properties = (schema.properties ?? {}) as Record<string, object>;
  const closed = schema.additionalProperties === false;
  for (const [name, value] of Object.entries(args)) {
    const property = Object.hasOwn(properties, name) ? properties[name] : undefined;
    if (!property) {
      if (closed)
        report(
          'bad-argument',
          [...base, 'with', name],
          `'${uses}' has no argument '${name}'${didYouMean(name, Object.keys(properties))}; expected ${Object.keys(properties).join(', ') || 'no arguments'}`,
          'key',
        );
      continue;
    }
    if (containsExpression(value)) continue;
    let validate = argValidators.get(property);
    if (!validate) {
      validate = ajv.compile(property);
      argValidators.set(property, validate);
    }
    if (!validate(value)) {
      const detail = validate.errors?.[0];
      report(
        'bad-argument',
        [...base, 'with', name],
        `argument '${name}' of '${uses}' ${detail?.message ?? 'is invalid'}${detail?.instancePath ? ` at ${detail.instancePath}` : ''}`,
      );
    }
  }
  for (const name of (schema.required ?? []) as string[]) {
    if (!Object.hasOwn(args, name))
      report('bad-argument', [...base, 'uses'], `'${uses}' needs the argument '${name}'`);
  }
}

function checkSubPlaybook(
  id: string,
  inputs: Record<string, unknown>,
  base: Path,
  playbooks: PlaybookCatalog,
  report: Report,
): void {
  const declared = playbooks.inputsOf(id);
  if (!declared) {
    report(
      'unknown-playbook',
      [...base, 'playbook'],
      `unknown playbook '${id}' (playbooks are looked up in the same directory)`,
    );
    return;
  }
  for (const name of Object.keys(inputs)) {
    if (!Object.hasOwn(declared, name))
      report(
        'bad-argument',
        [...base, 'inputs', name],
        `playbook '${id}' has no input '${name}'${didYouMean(name, Object.keys(declared))}`,
        'key',
      );
  }
  for (const [name, input] of Object.entries(declared)) {
    if (input.required && input.default === undefined && !Object.hasOwn(inputs, name)) {
      report('bad-argument', [...base, 'playbook'], `playbook '${id}' needs the input '${name}'`);
    }
  }
}

function containsExpression(value: unknown): boolean {
  if (typeof value === 'string') return hasExpression(value);
  if (Array.isArray(value)) return value.some(containsExpression);
  if (value && typeof value === 'object') return Object.values(value).some(containsExpression);
  return false;
}

function checkExpressions(value: unknown, path: Path, playbook: Playbook, report: Report): void {
  if (Array.isArray(value)) {
    value.forEach((item, i) => checkExpressions(item, [...path, i], playbook, report));
    return;
  }
  if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value))
      checkExpressions(item, [...path, key], playbook, report);
    return;
  }
  if (typeof value !== 'string' || !hasExpression(value)) return;
  let template;
  try {
    template = parseTemplate(value);
  } catch (error) {
    if (!(error instanceof ExpressionError)) throw error;
    report('expression', path, error.message);
    return;
  }
  const refs = referencesOf(template);
  for (const root of refs.roots) {
    if (!SCOPE_ROOTS.includes(root))
      report(
        'unknown-reference',
        path,
        `unknown name '${root}' in an expression: expected one of ${SCOPE_ROOTS.join(', ')}${didYouMean(root, SCOPE_ROOTS)}`,
      );
  }
  for (const ref of refs.steps) {
    if (!isStep(playbook, ref.id))
      report(
        'unknown-reference',
        path,
        `expression refers to step '${ref.id}', which is not a step${didYouMean(ref.id, Object.keys(playbook.steps))}`,
      );
    else if (ref.field !== null && !STEP_FIELDS.includes(ref.field))
      report(
        'unknown-reference',
        path,
        `'steps.${ref.id}.${ref.field}': a step has ${STEP_FIELDS.join(', ')}${didYouMean(ref.field, STEP_FIELDS)}`,
      );
  }
  const inputs = Object.keys(playbook.inputs ?? {});
  for (const name of refs.inputs) {
    if (!inputs.includes(name))
      report(
        'unknown-reference',
        path,
        `expression refers to input '${name}', which is not declared in inputs${didYouMean(name, inputs)}`,
      );
  }
}

function checkInputDefaults(inputs: Record<string, InputDeclaration>, report: Report): void {
  for (const [name, input] of Object.entries(inputs)) {
    if (input.default !== undefined && !matchesType(input.default, input.type)) {
      report(
        'schema',
        ['inputs', name, 'default'],
        `default of input '${name}' should be ${input.type}`,
      );
    }
  }
}

export function matchesType(value: unknown, type: InputDeclaration['type']): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number';
    case 'integer':
      return Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return value !== null && typeof value === 'object' && !Array.isArray(value);
  }
  return false;
}
