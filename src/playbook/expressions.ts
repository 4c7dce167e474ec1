import jsonata from 'jsonata';
import { BAIL, compileFastPath, type FastEvaluator } from './fast-path.js';

/**
 * `${{ … }}` templates holding JSONata. A string that is exactly one expression yields the
 * expression's typed value; mixed text interpolates. Evaluation is bounded in time, depth and
 * sequence length (JSONata's own guardrails), and `$now()`/`$millis()` return the run's
 * logical time so that a run replays the same way.
 */

export const EXPRESSION_TIMEOUT_MS = 500;
export const EXPRESSION_MAX_DEPTH = 300;
export const EXPRESSION_MAX_SEQUENCE = 100_000;
const OPEN = '${{';

export class ExpressionError extends Error {
  override readonly name = 'ExpressionError';
  readonly code = 'EXPRESSION';
  constructor(
    message: string,
    readonly expression: string,
    readonly position?: number,
  ) {
    super(message);
  }
}

type Part = string | { source: string; expr: jsonata.Expression; fast: FastEvaluator | null };
export type Template =
  { kind: 'literal'; value: string } | { kind: 'template'; parts: Part[]; whole: boolean };

const cache = new Map<string, Template>();
const CACHE_LIMIT = 5000;

/** True when the string holds at least one `${{ … }}`. */
export function hasExpression(text: string): boolean {
  return text.includes(OPEN);
}

/** Splits a string into text and expressions; throws ExpressionError on a syntax error. */
export function parseTemplate(text: string): Template {
  const cached = cache.get(text);
  if (cached) return cached;
  const template = buildTemplate(text);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, template);
  return template;
}

function buildTemplate(text: string): Template {
  if (!text.includes(OPEN)) return { kind: 'literal', value: text };
  const parts: Part[] = [];
  let cursor = 0;
  while (cursor < text.length) {
    const open = text.indexOf(OPEN, cursor);
    if (open < 0) {
      parts.push(text.slice(cursor));
      break;
    }
    if (open > cursor) parts.push(text.slice(cursor, open));
    const close = findClose(text, open + OPEN.length);
    if (close < 0) throw new ExpressionError(`unclosed '\${{' (expected '}}')`, text, open);
    const source = text.slice(open + OPEN.length, close).trim();
    if (source === '') throw new ExpressionError('empty expression', text, open);
    const expr = compile(source);
    parts.push({ source, expr, fast: compileFastPath(expr.ast()) });
    cursor = close + 2;
  }
  const whole = parts.length === 1 && typeof parts[0] !== 'string';
  return { kind: 'template', parts, whole };
}

/** Finds the `}}` that closes an expression, skipping braces and strings inside it. */
function findClose(text: string, from: number): number {
  let depth = 0;
  let quote: string | null = null;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = null;
    } else if (c === '"' || c === "'" || c === '`') quote = c;
    else if (c === '{') depth++;
    else if (c === '}') {
      if (depth === 0 && text[i + 1] === '}') return i;
      depth = Math.max(0, depth - 1);
    }
  }
  return -1;
}

function compile(source: string): jsonata.Expression {
  try {
    return jsonata(source, {
      timeout: EXPRESSION_TIMEOUT_MS,
      stack: EXPRESSION_MAX_DEPTH,
      sequence: EXPRESSION_MAX_SEQUENCE,
    });
  } catch (error) {
    const e = error as { message?: string; position?: number };
    throw new ExpressionError(
      `cannot parse '${source}': ${e.message ?? String(error)}`,
      source,
      e.position,
    );
  }
}

/** The names an expression sees. */
export interface Scope {
  inputs: Record<string, unknown>;
  incident: unknown;
  steps: Record<string, unknown>;
  vars: Record<string, unknown>;
  run: Record<string, unknown>;
  item?: unknown;
  index?: number;
}

/** Evaluates a template against a scope at the run's logical time (epoch ms). */
export async function evaluateTemplate(
  template: Template,
  scope: Scope,
  nowMs: number,
): Promise<unknown> {
  if (template.kind === 'literal') return template.value;
  if (template.whole) {
    const part = template.parts[0] as Exclude<Part, string>;
    return toJson(await run(part, scope, nowMs));
  }
  let out = '';
  for (const part of template.parts) {
    if (typeof part === 'string') out += part;
    else out += interpolate(toJson(await run(part, scope, nowMs)));
  }
  return out;
}

/** Evaluates every string inside a value (objects and arrays are walked). */
export async function evaluateValue(value: unknown, scope: Scope, nowMs: number): Promise<unknown> {
  if (typeof value === 'string') return evaluateTemplate(parseTemplate(value), scope, nowMs);
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    for (const item of value) out.push(await evaluateValue(item, scope, nowMs));
    return out;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value))
      out[key] = await evaluateValue(item, scope, nowMs);
    return out;
  }
  return value;
}

async function run(part: Exclude<Part, string>, scope: Scope, nowMs: number): Promise<unknown> {
  if (part.fast) {
    const value = part.fast(scope);
    if (value !== BAIL) return value;
  }
  const iso = new Date(nowMs).toISOString();
  const bindings = {
    now: () => iso,
    millis: () => nowMs,
  };
  try {
    return await part.expr.evaluate(scope, bindings);
  } catch (error) {
    throw new ExpressionError(describe(error, part.source), part.source);
  }
}

function describe(error: unknown, source: string): string {
  const e = error as { code?: string; message?: string; value?: unknown };
  if (e.code === 'D1012') {
    return `expression '${source}' ran longer than ${EXPRESSION_TIMEOUT_MS} ms and was stopped (an infinite loop?)`;
  }
  if (e.code === 'D1011' || error instanceof RangeError) {
    return `expression '${source}' recursed deeper than ${EXPRESSION_MAX_DEPTH} levels and was stopped`;
  }
  if (e.code === 'D2015') {
    return `expression '${source}' built a sequence longer than ${EXPRESSION_MAX_SEQUENCE} items`;
  }
  return `expression '${source}' failed: ${e.message ?? String(error)}${e.code ? ` (${e.code})` : ''}`;
}

/** JSONata results may be sequences or carry functions; steps only ever see plain JSON. */
function toJson(value: unknown): unknown {
  if (value === undefined) return null;
  if (typeof value === 'function') return null;
  if (Array.isArray(value)) return value.map(toJson);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v !== 'function') out[k] = toJson(v);
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) return null;
  return value;
}

function interpolate(value: unknown): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** The roots and references an expression names, for static checks. */
export interface References {
  roots: string[];
  steps: { id: string; field: string | null }[];
  inputs: string[];
}

export const SCOPE_ROOTS = ['inputs', 'incident', 'steps', 'vars', 'run', 'item', 'index'];

/**
 * Collects the paths that start from the scope. Predicates and later path stages change the
 * context, and lambda bodies run in their caller's, so only path heads are inspected.
 */
export function referencesOf(template: Template): References {
  const refs: References = { roots: [], steps: [], inputs: [] };
  if (template.kind === 'literal') return refs;
  for (const part of template.parts) {
    if (typeof part !== 'string') walk(part.expr.ast() as unknown as AstNode, refs);
  }
  return refs;
}

interface AstNode {
  type: string;
  value?: unknown;
  steps?: AstNode[];
  [key: string]: unknown;
}

function walk(node: AstNode | undefined, refs: References): void {
  if (!node || typeof node !== 'object') return;
  if (node.type === 'name') {
    refs.roots.push(String(node.value));
    return;
  }
  if (node.type === 'path' && node.steps && node.steps.length > 0) {
    const [head, second, third] = node.steps;
    if (head?.type === 'name') {
      const root = String(head.value);
      refs.roots.push(root);
      if (root === 'steps' && second?.type === 'name') {
        refs.steps.push({
          id: String(second.value),
          field: third?.type === 'name' ? String(third.value) : null,
        });
      }
      if (root === 'inputs' && second?.type === 'name') refs.inputs.push(String(second.value));
    } else {
      walk(head, refs);
    }
    return;
  }
  if (node.type === 'lambda') return;
  for (const key of ['lhs', 'rhs', 'expression', 'condition', 'then', 'else', 'procedure']) {
    const child = node[key];
    if (Array.isArray(child)) child.forEach((c) => walkMaybePair(c, refs));
    else walk(child as AstNode | undefined, refs);
  }
  for (const key of ['expressions', 'arguments']) {
    const list = node[key];
    if (Array.isArray(list)) list.forEach((c) => walk(c as AstNode, refs));
  }
}

function walkMaybePair(child: unknown, refs: References): void {
  if (Array.isArray(child)) child.forEach((c) => walk(c as AstNode, refs));
  else walk(child as AstNode, refs);
}
