/*
 * STIX content to IOCs. Everything not exported here (the XML tree, the grammar text, value
 * classification, marking tables) is internal to this folder.
 */
export { StixContentError, type StixContentErrorCode } from './errors.js';
export { parsePattern, StixPatternError } from './pattern.js';
export {
  formatLiteral,
  formatObjectPath,
  type ComparisonExpression,
  type ComparisonJunction,
  type ComparisonOperator,
  type ExistsTest,
  type Literal,
  type ObjectPath,
  type Observation,
  type ObservationExpression,
  type ObservationJunction,
  type PathStep,
  type PatternAst,
  type PropertyTest,
  type QualifiedObservation,
  type Qualifier,
  type SetLiteral,
} from './pattern-ast.js';
export { reducePattern, type PatternIoc, type PatternReduction } from './reduce.js';
export { extractStix1 } from './stix1.js';
export { extractStix2 } from './stix2.js';
