import peggy from 'peggy';
import type { PatternAst } from './pattern-ast.js';
import { STIX_PATTERN_GRAMMAR } from './pattern-grammar.js';

/** A pattern that is not valid STIX 2.1 patterning syntax; `offset` is 0-based, line and column 1-based. */
export class StixPatternError extends Error {
  override readonly name = 'StixPatternError';
  readonly code = 'STIX_PATTERN_SYNTAX';
  constructor(
    message: string,
    readonly pattern: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
  ) {
    super(message);
  }
}

let parser: peggy.Parser | undefined;

/** Generating the parser costs tens of milliseconds: done on first use, then kept. */
function patternParser(): peggy.Parser {
  parser ??= peggy.generate(STIX_PATTERN_GRAMMAR);
  return parser;
}

function isPeggySyntaxError(error: unknown): error is peggy.parser.SyntaxError {
  return error instanceof Error && error.name === 'SyntaxError' && 'location' in error;
}

/**
 * Parses a STIX 2.1 pattern into its typed tree; throws StixPatternError on a syntax error.
 *
 * @example
 * parsePattern("[ipv4-addr:value = '198.51.100.1']");
 * // { kind: 'observation', comparison: { kind: 'test', operator: '=', … } }
 */
export function parsePattern(text: string): PatternAst {
  try {
    const tree: unknown = patternParser().parse(text);
    return tree as PatternAst;
  } catch (error) {
    if (isPeggySyntaxError(error)) {
      const { offset, line, column } = error.location.start;
      throw new StixPatternError(
        `invalid STIX pattern at line ${line}, column ${column}: ${error.message}`,
        text,
        offset,
        line,
        column,
      );
    }
    // A recursive-descent parser runs out of stack on absurd nesting; that is bad input too.
    if (error instanceof RangeError) {
      throw new StixPatternError('invalid STIX pattern: nested too deeply', text, 0, 1, 1);
    }
    throw error;
  }
}
