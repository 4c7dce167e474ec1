/**
 * A synchronous evaluator for the simplest JSONata expressions: paths of plain names, literals,
 * arithmetic, comparisons, `and`/`or`, `&` on strings and `? :`. Most playbook expressions are
 * of this kind, and JSONata's general (asynchronous) evaluator costs tens of microseconds for
 * each. Whenever the answer could differ from JSONata's — an array anywhere on a path, a value
 * of a type JSONata would reject or convert — it gives up with BAIL and JSONata evaluates the
 * expression instead, so results are always JSONata's. A differential test holds it to that.
 */

export const BAIL: unique symbol = Symbol('bail');
/** A value, or BAIL when JSONata must answer instead. */
export type FastEvaluator = (scope: unknown) => unknown;

interface Node {
  type: string;
  value?: unknown;
  steps?: Node[];
  lhs?: Node;
  rhs?: Node;
  expression?: Node;
  condition?: Node;
  then?: Node;
  else?: Node;
  [key: string]: unknown;
}

/** Node fields that carry no meaning for evaluation; any other field makes a node unsupported. */
const INERT = new Set(['type', 'value', 'position']);
const ALLOWED: Record<string, Set<string>> = {
  path: new Set([...INERT, 'steps']),
  name: INERT,
  string: INERT,
  number: INERT,
  value: INERT,
  binary: new Set([...INERT, 'lhs', 'rhs']),
  unary: new Set([...INERT, 'expression']),
  condition: new Set([...INERT, 'condition', 'then', 'else']),
};
const NUMERIC = new Set(['+', '-', '*', '/', '%']);
const COMPARISON = new Set(['<', '<=', '>', '>=']);

/** Compiles a JSONata AST, or returns null when it uses anything beyond the simple subset. */
export function compileFastPath(ast: unknown): FastEvaluator | null {
  return build(ast as Node);
}

function supported(node: Node): boolean {
  const allowed = ALLOWED[node.type];
  return allowed !== undefined && Object.keys(node).every((key) => allowed.has(key));
}

function build(node: Node): FastEvaluator | null {
  if (!node || typeof node !== 'object' || !supported(node)) return null;
  switch (node.type) {
    case 'string':
    case 'number':
    case 'value': {
      const value = node.value;
      return () => value;
    }
    case 'name':
      return buildPath([node]);
    case 'path':
      return buildPath(node.steps ?? []);
    case 'unary':
      return node.value === '-' ? buildNegation(node) : null;
    case 'condition':
      return buildCondition(node);
    case 'binary':
      return buildBinary(node);
    default:
      return null;
  }
}

function buildPath(steps: Node[]): FastEvaluator | null {
  if (
    steps.length === 0 ||
    !steps.every((s) => s.type === 'name' && supported(s) && typeof s.value === 'string')
  ) {
    return null;
  }
  const names = steps.map((s) => s.value as string);
  return (scope) => {
    let current: unknown = scope;
    for (const name of names) {
      if (Array.isArray(current)) return BAIL;
      if (current === null || typeof current !== 'object') return undefined;
      if (!Object.prototype.hasOwnProperty.call(current, name)) return undefined;
      current = (current as Record<string, unknown>)[name];
      if (current === undefined) return undefined;
    }
    return Array.isArray(current) ? BAIL : current;
  };
}

function buildNegation(node: Node): FastEvaluator | null {
  const operand = node.expression ? build(node.expression) : null;
  if (!operand) return null;
  return (scope) => {
    const value = operand(scope);
    if (value === BAIL) return BAIL;
    if (value === undefined) return undefined;
    return isPlainNumber(value) ? -value : BAIL;
  };
}

function buildCondition(node: Node): FastEvaluator | null {
  const condition = node.condition ? build(node.condition) : null;
  const then = node.then ? build(node.then) : null;
  const otherwise = node.else === undefined ? undefined : build(node.else);
  if (!condition || !then || otherwise === null) return null;
  return (scope) => {
    const test = truth(condition(scope));
    if (test === BAIL) return BAIL;
    if (test === true) return then(scope);
    return otherwise ? otherwise(scope) : undefined;
  };
}

function buildBinary(node: Node): FastEvaluator | null {
  const op = node.value as string;
  const left = node.lhs ? build(node.lhs) : null;
  const right = node.rhs ? build(node.rhs) : null;
  if (!left || !right) return null;
  if (op === 'and' || op === 'or') {
    return (scope) => {
      const l = truth(left(scope));
      if (l === BAIL) return BAIL;
      if (op === 'and' ? !l : l) return l;
      const r = truth(right(scope));
      return r === BAIL ? BAIL : r;
    };
  }
  const combine = operator(op);
  if (!combine) return null;
  return (scope) => {
    const l = left(scope);
    if (l === BAIL) return BAIL;
    const r = right(scope);
    if (r === BAIL) return BAIL;
    return combine(l, r);
  };
}

function operator(op: string): ((l: unknown, r: unknown) => unknown) | null {
  if (NUMERIC.has(op)) {
    return (l, r) => {
      if ((l !== undefined && !isPlainNumber(l)) || (r !== undefined && !isPlainNumber(r)))
        return BAIL;
      if (l === undefined || r === undefined) return undefined;
      const a = l;
      const b = r;
      return op === '+'
        ? a + b
        : op === '-'
          ? a - b
          : op === '*'
            ? a * b
            : op === '/'
              ? a / b
              : a % b;
    };
  }
  if (COMPARISON.has(op)) {
    return (l, r) => {
      if (!comparable(l) || !comparable(r)) return BAIL;
      if (l === undefined || r === undefined) return undefined;
      if (typeof l !== typeof r) return BAIL;
      const a = l as number | string;
      const b = r as number | string;
      return op === '<' ? a < b : op === '<=' ? a <= b : op === '>' ? a > b : a >= b;
    };
  }
  if (op === '=' || op === '!=') {
    return (l, r) => {
      if (l === undefined || r === undefined) return false;
      if (!isPrimitive(l) || !isPrimitive(r)) return BAIL;
      return op === '=' ? l === r : l !== r;
    };
  }
  if (op === '&') {
    return (l, r) => {
      if ((l !== undefined && typeof l !== 'string') || (r !== undefined && typeof r !== 'string'))
        return BAIL;
      return (l ?? '') + (r ?? '');
    };
  }
  return null;
}

function isPlainNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function comparable(value: unknown): boolean {
  return value === undefined || typeof value === 'string' || isPlainNumber(value);
}

function isPrimitive(value: unknown): boolean {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    isPlainNumber(value)
  );
}

/** JSONata's effective boolean value, for the values this evaluator produces. */
function truth(value: unknown): boolean | typeof BAIL {
  if (value === BAIL) return BAIL;
  if (value === undefined || value === null) return false;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string') return value.length > 0;
  if (typeof value === 'number') return Number.isFinite(value) ? value !== 0 : BAIL;
  if (Array.isArray(value) || typeof value !== 'object') return BAIL;
  return Object.keys(value).length > 0;
}
