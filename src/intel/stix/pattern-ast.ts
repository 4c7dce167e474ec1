/*
 * The typed tree of a STIX 2.1 pattern (STIX 2.1 section 9). Chains of one connective are
 * flattened into one junction (`a OR b OR c` has three operands); parentheses leave no node of
 * their own, only the grouping they impose. `==` is read as `=` and `<>` as `!=`.
 */

export type PatternAst = ObservationExpression;

export type ObservationExpression = Observation | ObservationJunction | QualifiedObservation;

/** `[ comparison ]`: one observation of one cyber observable. */
export interface Observation {
  kind: 'observation';
  comparison: ComparisonExpression;
}

export interface ObservationJunction {
  kind: 'observation-junction';
  operator: 'AND' | 'OR' | 'FOLLOWEDBY';
  operands: ObservationExpression[];
}

/** Qualifiers apply left to right: `[a] WITHIN 5 SECONDS REPEATS 2 TIMES` nests WITHIN inside REPEATS. */
export interface QualifiedObservation {
  kind: 'qualified';
  expression: ObservationExpression;
  qualifier: Qualifier;
}

export type Qualifier =
  | { kind: 'within'; seconds: number }
  | { kind: 'repeats'; times: number }
  | { kind: 'start-stop'; start: string; stop: string };

export type ComparisonExpression = ComparisonJunction | PropertyTest | ExistsTest;

export interface ComparisonJunction {
  kind: 'comparison-junction';
  operator: 'AND' | 'OR';
  operands: ComparisonExpression[];
}

export type ComparisonOperator =
  '=' | '!=' | '>' | '<' | '>=' | '<=' | 'IN' | 'LIKE' | 'MATCHES' | 'ISSUBSET' | 'ISSUPERSET';

/** `path [NOT] operator value`; the grammar puts NOT between the path and the operator. */
export interface PropertyTest {
  kind: 'test';
  path: ObjectPath;
  operator: ComparisonOperator;
  negated: boolean;
  value: Literal | SetLiteral;
}

export interface ExistsTest {
  kind: 'exists';
  path: ObjectPath;
}

/** `file:hashes.'SHA-256'` is objectType `file` with the keys `hashes` and `SHA-256`. */
export interface ObjectPath {
  objectType: string;
  steps: PathStep[];
}

export type PathStep = { kind: 'key'; key: string } | { kind: 'index'; index: number | '*' };

export type Literal =
  | { type: 'string'; value: string }
  | { type: 'integer'; value: number }
  | { type: 'float'; value: number }
  | { type: 'boolean'; value: boolean }
  /** Hex digits as written, without `h'…'`. */
  | { type: 'hex'; value: string }
  /** Base64 as written, without `b'…'`. */
  | { type: 'binary'; value: string }
  /** The RFC 3339 instant as written, without `t'…'`. */
  | { type: 'timestamp'; value: string };

export interface SetLiteral {
  type: 'set';
  values: Literal[];
}

const BARE_KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function formatKey(key: string): string {
  return BARE_KEY.test(key) ? key : quote(key);
}

/** The path in pattern syntax, quoting keys that need it: `file:hashes.'SHA-256'`. */
export function formatObjectPath(path: ObjectPath): string {
  let text = `${path.objectType}:`;
  path.steps.forEach((step, position) => {
    if (step.kind === 'index') text += `[${step.index}]`;
    else text += position === 0 ? formatKey(step.key) : `.${formatKey(step.key)}`;
  });
  return text;
}

/** The literal in pattern syntax: `'a\'b'`, `h'ff'`, `t'2026-01-01T00:00:00Z'`, `('a', 'b')`. */
export function formatLiteral(literal: Literal | SetLiteral): string {
  switch (literal.type) {
    case 'set':
      return `(${literal.values.map(formatLiteral).join(', ')})`;
    case 'string':
      return quote(literal.value);
    case 'hex':
      return `h'${literal.value}'`;
    case 'binary':
      return `b'${literal.value}'`;
    case 'timestamp':
      return `t'${literal.value}'`;
    default:
      return String(literal.value);
  }
}
