import { describe, expect, it } from 'vitest';
import {
  formatLiteral,
  formatObjectPath,
  parsePattern,
  StixPatternError,
  type ComparisonExpression,
  type Literal,
  type ObjectPath,
  type ObservationExpression,
  type PropertyTest,
  type SetLiteral,
} from '../../../src/intel/stix/index.js';

const path = (objectType: string, ...steps: (string | number)[]): ObjectPath => ({
  objectType,
  steps: steps.map((step) =>
    typeof step === 'number' || step === '*'
      ? { kind: 'index', index: step }
      : { kind: 'key', key: step },
  ),
});
const text = (value: string): Literal => ({ type: 'string', value });
const test = (
  objectPath: ObjectPath,
  operator: PropertyTest['operator'],
  value: Literal | SetLiteral,
  negated = false,
): PropertyTest => ({ kind: 'test', path: objectPath, operator, negated, value });
const observation = (comparison: ComparisonExpression): ObservationExpression => ({
  kind: 'observation',
  comparison,
});
/** The single comparison of a one-observation pattern. */
const comparisonOf = (pattern: string): ComparisonExpression => {
  const tree = parsePattern(pattern);
  if (tree.kind !== 'observation') throw new Error(`not a single observation: ${pattern}`);
  return tree.comparison;
};
const valueOf = (pattern: string): Literal | SetLiteral => {
  const comparison = comparisonOf(pattern);
  if (comparison.kind !== 'test') throw new Error(`not a property test: ${pattern}`);
  return comparison.value;
};
const ip = test(path('ipv4-addr', 'value'), '=', text('198.51.100.1'));
const domain = test(path('domain-name', 'value'), '=', text('example.com'));
const url = test(path('url', 'value'), '=', text('http://example.com/'));

describe('parsePattern: observations and their connectives', () => {
  it('reads one observation with one equality', () => {
    expect(parsePattern("[ipv4-addr:value = '198.51.100.1']")).toEqual(observation(ip));
  });

  it('flattens a chain of one connective into one junction', () => {
    expect(
      parsePattern(
        "[ipv4-addr:value = '198.51.100.1'] OR [domain-name:value = 'example.com'] OR [url:value = 'http://example.com/']",
      ),
    ).toEqual({
      kind: 'observation-junction',
      operator: 'OR',
      operands: [observation(ip), observation(domain), observation(url)],
    });
  });

  it('binds AND tighter than OR, and OR tighter than FOLLOWEDBY', () => {
    expect(
      parsePattern(
        "[ipv4-addr:value = '198.51.100.1'] OR [domain-name:value = 'example.com'] AND [url:value = 'http://example.com/'] FOLLOWEDBY [ipv4-addr:value = '198.51.100.1']",
      ),
    ).toEqual({
      kind: 'observation-junction',
      operator: 'FOLLOWEDBY',
      operands: [
        {
          kind: 'observation-junction',
          operator: 'OR',
          operands: [
            observation(ip),
            {
              kind: 'observation-junction',
              operator: 'AND',
              operands: [observation(domain), observation(url)],
            },
          ],
        },
        observation(ip),
      ],
    });
  });

  it('lets parentheses regroup observations', () => {
    expect(
      parsePattern(
        "([ipv4-addr:value = '198.51.100.1'] OR [domain-name:value = 'example.com']) AND [url:value = 'http://example.com/']",
      ),
    ).toEqual({
      kind: 'observation-junction',
      operator: 'AND',
      operands: [
        {
          kind: 'observation-junction',
          operator: 'OR',
          operands: [observation(ip), observation(domain)],
        },
        observation(url),
      ],
    });
  });
});

describe('parsePattern: qualifiers', () => {
  it.each([
    ["[ipv4-addr:value = '198.51.100.1'] WITHIN 300 SECONDS", { kind: 'within', seconds: 300 }],
    ["[ipv4-addr:value = '198.51.100.1'] WITHIN 2.5 SECONDS", { kind: 'within', seconds: 2.5 }],
    ["[ipv4-addr:value = '198.51.100.1'] REPEATS 5 TIMES", { kind: 'repeats', times: 5 }],
    [
      "[ipv4-addr:value = '198.51.100.1'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.125Z'",
      { kind: 'start-stop', start: '2016-06-01T00:00:00Z', stop: '2016-07-01T00:00:00.125Z' },
    ],
  ])('%s', (pattern, qualifier) => {
    expect(parsePattern(pattern)).toEqual({
      kind: 'qualified',
      expression: observation(ip),
      qualifier,
    });
  });

  it('applies several qualifiers left to right', () => {
    expect(
      parsePattern("[ipv4-addr:value = '198.51.100.1'] REPEATS 3 TIMES WITHIN 60 SECONDS"),
    ).toEqual({
      kind: 'qualified',
      expression: {
        kind: 'qualified',
        expression: observation(ip),
        qualifier: { kind: 'repeats', times: 3 },
      },
      qualifier: { kind: 'within', seconds: 60 },
    });
  });

  it('qualifies a parenthesised group as a whole', () => {
    expect(
      parsePattern(
        "([ipv4-addr:value = '198.51.100.1'] FOLLOWEDBY [domain-name:value = 'example.com']) WITHIN 10 SECONDS",
      ),
    ).toEqual({
      kind: 'qualified',
      expression: {
        kind: 'observation-junction',
        operator: 'FOLLOWEDBY',
        operands: [observation(ip), observation(domain)],
      },
      qualifier: { kind: 'within', seconds: 10 },
    });
  });
});

describe('parsePattern: comparison expressions', () => {
  it('binds AND tighter than OR inside brackets', () => {
    expect(
      comparisonOf(
        "[ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'example.com' AND url:value = 'http://example.com/']",
      ),
    ).toEqual({
      kind: 'comparison-junction',
      operator: 'OR',
      operands: [ip, { kind: 'comparison-junction', operator: 'AND', operands: [domain, url] }],
    });
  });

  it('lets parentheses regroup comparisons', () => {
    expect(
      comparisonOf(
        "[(ipv4-addr:value = '198.51.100.1' OR domain-name:value = 'example.com') AND url:value = 'http://example.com/']",
      ),
    ).toEqual({
      kind: 'comparison-junction',
      operator: 'AND',
      operands: [{ kind: 'comparison-junction', operator: 'OR', operands: [ip, domain] }, url],
    });
  });

  it.each([
    ['[file:size > 1024]', '>', { type: 'integer', value: 1024 }],
    ['[file:size < 1024]', '<', { type: 'integer', value: 1024 }],
    ['[file:size >= 1024]', '>=', { type: 'integer', value: 1024 }],
    ['[file:size <= 1024]', '<=', { type: 'integer', value: 1024 }],
    ["[file:name != 'a.exe']", '!=', { type: 'string', value: 'a.exe' }],
    ["[file:name <> 'a.exe']", '!=', { type: 'string', value: 'a.exe' }],
    ["[file:name == 'a.exe']", '=', { type: 'string', value: 'a.exe' }],
    ["[url:value LIKE 'http://%.example.com/%']", 'LIKE', text('http://%.example.com/%')],
    ["[file:name MATCHES '^inv.*\\\\.exe$']", 'MATCHES', text('^inv.*\\.exe$')],
    ["[ipv4-addr:value ISSUBSET '198.51.100.0/24']", 'ISSUBSET', text('198.51.100.0/24')],
    ["[ipv4-addr:value ISSUPERSET '198.51.100.1/32']", 'ISSUPERSET', text('198.51.100.1/32')],
  ])('%s', (pattern, operator, value) => {
    const comparison = comparisonOf(pattern);
    expect(comparison).toMatchObject({ kind: 'test', operator, negated: false, value });
  });

  it('reads IN with a set of literals, and the empty set', () => {
    expect(valueOf("[domain-name:value IN ('a.example', 'b.example')]")).toEqual({
      type: 'set',
      values: [text('a.example'), text('b.example')],
    });
    expect(valueOf('[network-traffic:dst_port IN ()]')).toEqual({ type: 'set', values: [] });
  });

  it.each([
    ["[file:name NOT = 'a.exe']", '='],
    ["[domain-name:value NOT IN ('a.example')]", 'IN'],
    ["[url:value NOT LIKE '%.example.com%']", 'LIKE'],
    ["[file:name NOT MATCHES '^a']", 'MATCHES'],
    ["[ipv4-addr:value NOT ISSUBSET '198.51.100.0/24']", 'ISSUBSET'],
    ['[file:size NOT > 10]', '>'],
  ])('reads NOT before the operator: %s', (pattern, operator) => {
    expect(comparisonOf(pattern)).toMatchObject({ kind: 'test', operator, negated: true });
  });

  it('reads EXISTS with its path', () => {
    expect(
      comparisonOf("[EXISTS windows-registry-key:values[*].data AND file:name = 'x']"),
    ).toEqual({
      kind: 'comparison-junction',
      operator: 'AND',
      operands: [
        { kind: 'exists', path: path('windows-registry-key', 'values', '*', 'data') },
        test(path('file', 'name'), '=', text('x')),
      ],
    });
  });
});

describe('parsePattern: object paths', () => {
  const pathOf = (pattern: string): ObjectPath => {
    const comparison = comparisonOf(pattern);
    if (comparison.kind === 'comparison-junction') throw new Error('junction');
    return comparison.path;
  };

  it.each([
    ["[file:hashes.'SHA-256' = 'x']", path('file', 'hashes', 'SHA-256')],
    ['[file:hashes.MD5 = 1]', path('file', 'hashes', 'MD5')],
    [
      "[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.5]",
      path('file', 'extensions', 'windows-pebinary-ext', 'sections', '*', 'entropy'),
    ],
    [
      "[email-message:to_refs[0].value = 'a@example.com']",
      path('email-message', 'to_refs', 0, 'value'),
    ],
    ['[x-custom-object:items[-1] = 1]', path('x-custom-object', 'items', -1)],
    ["[x-custom-object:'first-key'.'it\\'s' = 1]", path('x-custom-object', 'first-key', "it's")],
    ['[file : hashes . MD5 = 1]', path('file', 'hashes', 'MD5')],
  ])('%s', (pattern, expected) => {
    expect(pathOf(pattern)).toEqual(expected);
  });

  it('writes a path back in pattern syntax, quoting keys that need it', () => {
    expect(
      formatObjectPath(
        path('file', 'extensions', 'windows-pebinary-ext', 'sections', '*', 'entropy'),
      ),
    ).toBe("file:extensions.'windows-pebinary-ext'.sections[*].entropy");
    expect(formatObjectPath(path('x-custom', "it's", 0))).toBe("x-custom:'it\\'s'[0]");
  });
});

describe('parsePattern: literals', () => {
  it.each<[string, Literal]>([
    ["'plain'", text('plain')],
    ["'it\\'s'", text("it's")],
    ["'C:\\\\Windows\\\\evil.exe'", text('C:\\Windows\\evil.exe')],
    ["''", text('')],
    ['42', { type: 'integer', value: 42 }],
    ['+42', { type: 'integer', value: 42 }],
    ['-42', { type: 'integer', value: -42 }],
    ['0', { type: 'integer', value: 0 }],
    ['3.25', { type: 'float', value: 3.25 }],
    ['.5', { type: 'float', value: 0.5 }],
    ['-1.5', { type: 'float', value: -1.5 }],
    ['true', { type: 'boolean', value: true }],
    ['false', { type: 'boolean', value: false }],
    ["h'4d5A90'", { type: 'hex', value: '4d5A90' }],
    ["h''", { type: 'hex', value: '' }],
    ["b'TVqQAAMAAAAEAAAA'", { type: 'binary', value: 'TVqQAAMAAAAEAAAA' }],
    ["b'TVo='", { type: 'binary', value: 'TVo=' }],
    ["b'TQ=='", { type: 'binary', value: 'TQ==' }],
    ["t'2016-02-29T23:59:60Z'", { type: 'timestamp', value: '2016-02-29T23:59:60Z' }],
    ["t'2026-01-05T08:00:00.123456Z'", { type: 'timestamp', value: '2026-01-05T08:00:00.123456Z' }],
  ])('= %s', (literal, expected) => {
    expect(valueOf(`[x-thing:field = ${literal}]`)).toEqual(expected);
  });

  it('writes literals back in pattern syntax', () => {
    expect(formatLiteral(text("it's"))).toBe("'it\\'s'");
    expect(formatLiteral({ type: 'hex', value: 'ff' })).toBe("h'ff'");
    expect(formatLiteral({ type: 'timestamp', value: '2026-01-01T00:00:00Z' })).toBe(
      "t'2026-01-01T00:00:00Z'",
    );
    expect(formatLiteral({ type: 'set', values: [text('a'), { type: 'integer', value: 1 }] })).toBe(
      "('a', 1)",
    );
  });
});

describe('parsePattern: layout', () => {
  it('skips whitespace, line breaks and both kinds of comment between tokens', () => {
    const pattern = [
      '/* hosting */ [ ipv4-addr:value',
      "  = '198.51.100.1' ] // the C2",
      '  OR',
      "\t[domain-name:value = 'example.com']",
    ].join('\n');
    expect(parsePattern(pattern)).toEqual({
      kind: 'observation-junction',
      operator: 'OR',
      operands: [observation(ip), observation(domain)],
    });
  });
});

describe('parsePattern: syntax errors', () => {
  const failure = (pattern: string): StixPatternError => {
    try {
      parsePattern(pattern);
    } catch (error) {
      if (error instanceof StixPatternError) return error;
      throw error;
    }
    throw new Error(`parsed: ${pattern}`);
  };

  it.each([
    ['', 0, 'Expected "(" or "[" but end of input found'],
    [
      "[ipv4-addr:value = '198.51.100.1'",
      33,
      'Expected "AND", "OR", or "]" but end of input found',
    ],
    ["[file:name = 'x' AND]", 20, 'Expected "(", "EXISTS", or object type but "]" found'],
    ["[file:hashes.SHA-256 = 'x']", 16, 'comparison operator but "-" found'],
    ["[file:name = 'x\\q']", 16, 'Expected \' or \\ after a backslash but "q" found'],
    ["[file:name = 'abc", 17, 'end of input found'],
    [
      '[file:size = ]',
      13,
      'Expected binary literal, boolean, hex literal, number, string, or timestamp',
    ],
    ['[file:name LIKE 5]', 16, 'Expected string but "5" found'],
    ['[file:size > true]', 13, 'but "t" found'],
    ["[file:name = 'x'] and [file:name = 'y']", 18, 'but "a" found'],
    ["[file:name = 'x'] WITHIN -5 SECONDS", 25, 'Expected positive number but "-" found'],
    ["[file:name = 'x'] REPEATS 1.5 TIMES", 27, 'Expected "TIMES" but "." found'],
    [
      "[file:name = 'x'] START t'2016-13-01T00:00:00Z' STOP t'2016-12-01T00:00:00Z'",
      32,
      'but "3" found',
    ],
    ["[file:created = t'2016-01-01T00:00:00']", 37, 'but "\'" found'],
    ["[file:name = b'']", 15, 'but "\'" found'],
    ["[file:name = h'abc']", 18, 'but "\'" found'],
    ['[]', 1, 'Expected "(", "EXISTS", or object type but "]" found'],
    ["[file:name = 'x'] [file:name = 'y']", 18, 'but "[" found'],
  ])('%j fails at offset %i', (pattern, offset, message) => {
    const error = failure(pattern);
    expect(error.offset).toBe(offset);
    expect(error.line).toBe(1);
    expect(error.column).toBe(offset + 1);
    expect(error.message).toContain(`line 1, column ${offset + 1}`);
    expect(error.message).toContain(message);
  });

  it('gives line and column on multi-line patterns', () => {
    const error = failure("[file:name = 'x']\n  AND [file:size == ]");
    expect(error).toMatchObject({ line: 2, column: 21, offset: 38 });
  });

  it('carries a stable code, its name and the pattern', () => {
    const error = failure('[a:b = ]');
    expect(error).toBeInstanceOf(StixPatternError);
    expect(error.code).toBe('STIX_PATTERN_SYNTAX');
    expect(error.name).toBe('StixPatternError');
    expect(error.pattern).toBe('[a:b = ]');
  });

  it('refuses absurd nesting as a syntax error, not a crash', () => {
    const error = failure(`${'('.repeat(50_000)}[a:b = 1]${')'.repeat(50_000)}`);
    expect(error.code).toBe('STIX_PATTERN_SYNTAX');
    expect(error.message).toContain('nested too deeply');
  });
});
