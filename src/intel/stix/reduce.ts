import type { IndicatorType } from '../model.js';
import {
  classifyHash,
  hashAlgorithm,
  type HashAlgorithm,
  type ValueClassification,
} from './ioc-values.js';
import {
  formatLiteral,
  formatObjectPath,
  type ComparisonExpression,
  type ComparisonJunction,
  type Literal,
  type ObjectPath,
  type ObservationExpression,
  type PatternAst,
  type PropertyTest,
  type Qualifier,
} from './pattern-ast.js';
import { classifyObservableValue, hasIocValue } from './stix2-observables.js';

/*
 * The reduction rule. A pattern reduces to plain IOCs only when matching any one of them is
 * exactly what the pattern means:
 *
 *   - between observations, the only connective is OR (at any depth of parentheses), with no
 *     qualifier (WITHIN, REPEATS, START/STOP);
 *   - inside an observation, the only connective is OR, joining comparisons `path = 'text'` or
 *     `path IN ('text', …)`, not negated, on an IOC path: ipv4-addr:value, ipv6-addr:value,
 *     domain-name:value, url:value, email-addr:value, file:hashes.<MD5|SHA-1|SHA-256>;
 *   - one exception: AND may join `=` comparisons on different hashes of the file in one
 *     observation (`[file:hashes.MD5 = 'a' AND file:hashes.'SHA-256' = 'b']`), because every
 *     hash names the same file, so each alone is the IOC.
 *
 * Anything else (AND otherwise, FOLLOWEDBY, qualifiers, NOT, !=, ordering, LIKE, MATCHES,
 * ISSUBSET, ISSUPERSET, EXISTS, other paths, non-string values, values that are not what the
 * path says) makes the whole pattern unsupported: no partial IOCs, and a reason naming every
 * construct that blocked it.
 */

export interface PatternIoc {
  type: IndicatorType;
  value: string;
}

export type PatternReduction =
  { reducible: true; iocs: PatternIoc[] } | { reducible: false; reason: string };

type IocPath = { kind: 'value'; objectType: string } | { kind: 'hash'; algorithm: HashAlgorithm };

interface Reducer {
  iocs: PatternIoc[];
  blockers: string[];
}

function iocPathOf(path: ObjectPath): IocPath | undefined {
  const [first, second, ...rest] = path.steps;
  if (first?.kind !== 'key' || rest.length > 0) return undefined;
  if (second === undefined) {
    return first.key === 'value' && hasIocValue(path.objectType)
      ? { kind: 'value', objectType: path.objectType }
      : undefined;
  }
  if (path.objectType !== 'file' || first.key !== 'hashes' || second.kind !== 'key')
    return undefined;
  const algorithm = hashAlgorithm(second.key);
  return algorithm === undefined ? undefined : { kind: 'hash', algorithm };
}

function classify(path: IocPath, value: string): ValueClassification {
  if (path.kind === 'hash') return classifyHash(path.algorithm, value);
  return (
    classifyObservableValue(path.objectType, value) ?? {
      ok: false,
      reason: `${path.objectType}:value holds no IOC`,
    }
  );
}

function describeQualifier(qualifier: Qualifier): string {
  switch (qualifier.kind) {
    case 'within':
      return `qualifier WITHIN ${qualifier.seconds} SECONDS`;
    case 'repeats':
      return `qualifier REPEATS ${qualifier.times} TIMES`;
    case 'start-stop':
      return `qualifier START t'${qualifier.start}' STOP t'${qualifier.stop}'`;
  }
}

function reduceObservations(expression: ObservationExpression, reducer: Reducer): void {
  switch (expression.kind) {
    case 'observation':
      reduceComparisons(expression.comparison, reducer);
      return;
    case 'qualified':
      reducer.blockers.push(describeQualifier(expression.qualifier));
      reduceObservations(expression.expression, reducer);
      return;
    case 'observation-junction':
      if (expression.operator !== 'OR') {
        reducer.blockers.push(`${expression.operator} between observations`);
      }
      for (const operand of expression.operands) reduceObservations(operand, reducer);
  }
}

function reduceComparisons(expression: ComparisonExpression, reducer: Reducer): void {
  switch (expression.kind) {
    case 'exists':
      reducer.blockers.push(`EXISTS ${formatObjectPath(expression.path)}`);
      return;
    case 'test':
      reduceTest(expression, reducer);
      return;
    case 'comparison-junction':
      if (expression.operator === 'AND' && !isOneFileByHashes(expression)) {
        reducer.blockers.push(`AND between comparisons (${describeOperands(expression)})`);
        return;
      }
      for (const operand of expression.operands) reduceComparisons(operand, reducer);
  }
}

/** Equalities on different hash algorithms of `file`: each hash names the same file. */
function isOneFileByHashes(junction: ComparisonJunction): boolean {
  const algorithms = new Set<HashAlgorithm>();
  for (const operand of junction.operands) {
    if (operand.kind !== 'test' || operand.negated || operand.operator !== '=') return false;
    const path = iocPathOf(operand.path);
    if (path?.kind !== 'hash' || algorithms.has(path.algorithm)) return false;
    algorithms.add(path.algorithm);
  }
  return true;
}

function describeOperands(junction: ComparisonJunction): string {
  return junction.operands
    .map((operand) =>
      operand.kind === 'comparison-junction' ? '(…)' : formatObjectPath(operand.path),
    )
    .join(', ');
}

function reduceTest(test: PropertyTest, reducer: Reducer): void {
  const pathText = formatObjectPath(test.path);
  if (test.negated) {
    reducer.blockers.push(`NOT ${test.operator} on ${pathText}`);
    return;
  }
  if (test.operator !== '=' && test.operator !== 'IN') {
    reducer.blockers.push(`operator ${test.operator} on ${pathText}`);
    return;
  }
  const path = iocPathOf(test.path);
  if (path === undefined) {
    reducer.blockers.push(`${pathText} is not an IOC path`);
    return;
  }
  const literals: Literal[] = test.value.type === 'set' ? test.value.values : [test.value];
  if (literals.length === 0) {
    reducer.blockers.push(`IN with an empty set on ${pathText}`);
    return;
  }
  for (const literal of literals) {
    if (literal.type !== 'string') {
      reducer.blockers.push(`${pathText} compared with ${formatLiteral(literal)}, not a string`);
      continue;
    }
    const classified = classify(path, literal.value);
    if (classified.ok) reducer.iocs.push({ type: classified.type, value: classified.value });
    else reducer.blockers.push(`${pathText}: ${classified.reason}`);
  }
}

function distinct<T>(items: T[], keyOf: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(keyOf(item))) seen.set(keyOf(item), item);
  return [...seen.values()];
}

/**
 * Reduces a parsed pattern to IOCs under the rule above.
 *
 * @example
 * reducePattern(parsePattern("[url:value = 'http://a/x'] OR [domain-name:value = 'b.example']"));
 * // { reducible: true, iocs: [{ type: 'url', … }, { type: 'domain', … }] }
 */
export function reducePattern(pattern: PatternAst): PatternReduction {
  const reducer: Reducer = { iocs: [], blockers: [] };
  reduceObservations(pattern, reducer);
  if (reducer.blockers.length > 0) {
    const blockers = distinct(reducer.blockers, (blocker) => blocker);
    return { reducible: false, reason: `not reducible to plain IOCs: ${blockers.join('; ')}` };
  }
  return {
    reducible: true,
    iocs: distinct(reducer.iocs, (ioc) => `${ioc.type}\u0000${ioc.value}`),
  };
}
