import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { builtinIntegrations } from '../../integrations/index.js';
import { Registry } from '../../src/integration-sdk/registry.js';
import type { PlaybookCatalog } from '../../src/playbook/catalog.js';
import type { Diagnostic, DiagnosticCode } from '../../src/playbook/diagnostics.js';
import {
  MAX_ALIAS_COUNT,
  MAX_PLAYBOOK_BYTES,
  parsePlaybookText,
} from '../../src/playbook/source.js';
import { validatePlaybook, type ValidationResult } from '../../src/playbook/validate.js';
import { seededRandom } from '../../src/simulation/seeded-random.js';

/*
 * Every file in test/fixtures/invalid starts with `# expect: <line>:<col> <code> <text>` lines,
 * one per diagnostic the validator must report (exactly that many, in that order), where
 * <text> is a part of the message.
 */

const here = dirname(fileURLToPath(import.meta.url));
const INVALID_DIR = join(here, '..', 'fixtures', 'invalid');
const VALID_DIR = join(here, '..', 'fixtures', 'valid');

const ALL_CODES: readonly DiagnosticCode[] = [
  'too-large',
  'not-text',
  'yaml',
  'alias-limit',
  'forbidden-key',
  'schema',
  'duplicate-id',
  'unknown-target',
  'unreachable',
  'unbounded-loop',
  'unknown-uses',
  'bad-argument',
  'expression',
  'unknown-reference',
  'branch-escape',
  'unknown-playbook',
  'bad-schedule',
];
/** Well under a second: validation runs inside request handlers and CLI commands. */
const TIME_LIMIT_MS = 1000;

const commands = new Registry(builtinIntegrations);
const playbooks = validCatalog();

function yamlFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => name.endsWith('.yaml'))
    .sort();
}

/** Sub-playbooks are looked up among the valid fixtures (e.g. `valid-child`). */
function validCatalog(): PlaybookCatalog {
  const inputs = new Map<string, Record<string, { required?: boolean; default?: unknown }>>();
  for (const name of yamlFiles(VALID_DIR)) {
    const parsed = parsePlaybookText(name, readFileSync(join(VALID_DIR, name)));
    if (!parsed.ok) throw new Error(`valid fixture ${name} does not parse`);
    const value = parsed.source.value as { id: string; inputs?: Record<string, object> };
    inputs.set(value.id, value.inputs ?? {});
  }
  return { inputsOf: (id) => inputs.get(id) };
}

interface Expectation {
  line: number;
  col: number;
  code: string;
  text: string;
}

function expectationsOf(bytes: Buffer): Expectation[] {
  const out: Expectation[] = [];
  for (const line of bytes.toString('utf8').split('\n')) {
    const match = /^# expect: (\d+):(\d+) (\S+) (.+)$/.exec(line.replace(/\r$/, ''));
    if (!match) break;
    out.push({ line: Number(match[1]), col: Number(match[2]), code: match[3]!, text: match[4]! });
  }
  return out;
}

/** Runs the validator, timing it, and checks what every result must satisfy. */
function validate(file: string, input: string | Uint8Array): ValidationResult {
  const started = performance.now();
  let result: ValidationResult | undefined;
  expect(() => {
    result = validatePlaybook(file, input, commands, playbooks);
  }).not.toThrow();
  const elapsed = performance.now() - started;
  expect(elapsed, `${file} took ${elapsed.toFixed(0)} ms`).toBeLessThan(TIME_LIMIT_MS);
  expectWellFormed(file, result!);
  return result!;
}

/** Either a playbook and no diagnostics, or no playbook and at least one well-formed diagnostic. */
function expectWellFormed(file: string, result: ValidationResult): void {
  if (result.playbook) {
    expect(result.diagnostics).toEqual([]);
    return;
  }
  expect(result.diagnostics.length).toBeGreaterThan(0);
  for (const d of result.diagnostics) {
    expect(d.file).toBe(file);
    expect(Number.isInteger(d.line) && d.line >= 1, `line of ${JSON.stringify(d)}`).toBe(true);
    expect(Number.isInteger(d.col) && d.col >= 1, `col of ${JSON.stringify(d)}`).toBe(true);
    expect(ALL_CODES).toContain(d.code);
    expect(typeof d.path).toBe('string');
    expect(d.message.length).toBeGreaterThan(0);
  }
}

function summary(diagnostics: Diagnostic[]): string {
  return diagnostics.map((d) => `${d.line}:${d.col} ${d.code} ${d.message}`).join('\n');
}

const fixtures = yamlFiles(INVALID_DIR);

describe('invalid fixtures', () => {
  it('exist, each with its expectations', () => {
    expect(fixtures.length).toBeGreaterThan(50);
    for (const name of fixtures) {
      const bytes = readFileSync(join(INVALID_DIR, name));
      expect(expectationsOf(bytes).length, `${name} has no '# expect:' header`).toBeGreaterThan(0);
    }
  });

  it.each(fixtures)('%s reports exactly the expected diagnostics', (name) => {
    const bytes = readFileSync(join(INVALID_DIR, name));
    const expected = expectationsOf(bytes);
    const result = validate(name, bytes);
    expect(result.playbook).toBeUndefined();
    const actual = summary(result.diagnostics);
    expect(result.diagnostics.length, `got:\n${actual}`).toBe(expected.length);
    expected.forEach((want, i) => {
      const got = result.diagnostics[i]!;
      const context = `diagnostic ${i + 1} of ${name}; got:\n${actual}`;
      expect({ line: got.line, col: got.col, code: got.code }, context).toEqual({
        line: want.line,
        col: want.col,
        code: want.code,
      });
      expect(got.message, context).toContain(want.text);
    });
  });

  it.each(fixtures)('%s gives the same answer as text and as bytes', (name) => {
    const bytes = readFileSync(join(INVALID_DIR, name));
    expect(validate(name, bytes.toString('utf8'))).toEqual(validate(name, bytes));
  });

  it('cover every diagnostic code', () => {
    const seen = new Set<string>();
    for (const name of fixtures) {
      for (const e of expectationsOf(readFileSync(join(INVALID_DIR, name)))) seen.add(e.code);
    }
    expect([...seen].sort()).toEqual([...ALL_CODES].sort());
  });
});

const small = `id: small
name: Small
start: one
steps:
  one:
    uses: core.echo
    next: done
  done:
    type: end
`;

/** A syntactically fine playbook of about `bytes` bytes: many echo steps in a chain. */
function bigPlaybook(bytes: number): string {
  const parts = ['id: big\nname: Big\nstart: s0\nsteps:\n'];
  let size = parts[0]!.length;
  for (let i = 0; size < bytes; i++) {
    const step = `  s${i}:\n    uses: core.echo\n    with: { index: ${i} }\n    next: s${i + 1}\n`;
    parts.push(step);
    size += step.length;
  }
  return parts.join('');
}

describe('hostile and oversized input', () => {
  it('refuses a 10 MB playbook quickly, as text and as bytes', () => {
    const text = bigPlaybook(10 * 1024 * 1024);
    for (const input of [text, Buffer.from(text)]) {
      const { diagnostics } = validate('big.yaml', input);
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ line: 1, col: 1, code: 'too-large' });
      expect(diagnostics[0]!.message).toContain(`the limit is ${MAX_PLAYBOOK_BYTES} bytes`);
    }
  });

  it('counts the limit in bytes, not characters, and includes the limit itself', () => {
    const accents = `${small}# ${'é'.repeat(MAX_PLAYBOOK_BYTES / 2)}\n`;
    expect(accents.length).toBeLessThan(MAX_PLAYBOOK_BYTES);
    expect(validate('accents.yaml', accents).diagnostics[0]?.code).toBe('too-large');

    const padding = MAX_PLAYBOOK_BYTES - Buffer.byteLength(small) - 3;
    const exact = `${small}# ${'x'.repeat(padding)}\n`;
    expect(Buffer.byteLength(exact)).toBe(MAX_PLAYBOOK_BYTES);
    expect(validate('exact.yaml', exact).diagnostics).toEqual([]);
    expect(validate('over.yaml', `${exact} `).diagnostics[0]?.code).toBe('too-large');
  });

  it('refuses 2 MB of binary garbage with NUL bytes', () => {
    const random = seededRandom(2);
    const garbage = new Uint8Array(2 * 1024 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = i % 7 === 0 ? 0 : random() * 256;
    const { diagnostics } = validate('garbage.bin', garbage);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]!.code).toBe('too-large');
  });

  it('refuses binary data under the size limit as not text', () => {
    const random = seededRandom(3);
    const garbage = new Uint8Array(64 * 1024);
    for (let i = 0; i < garbage.length; i++) garbage[i] = i % 5 === 0 ? 0 : random() * 256;
    expect(validate('garbage.bin', garbage).diagnostics).toMatchObject([
      { line: 1, col: 1, code: 'not-text' },
    ]);
    // Invalid UTF-8 (a lone continuation byte) in an otherwise fine playbook.
    const latin1 = Buffer.from(small.replace('name: Small', 'name: Sm\xe9ll'), 'latin1');
    expect(validate('latin1.yaml', latin1).diagnostics).toMatchObject([{ code: 'not-text' }]);
  });

  it('refuses random bytes of any length without throwing', () => {
    const random = seededRandom(4);
    for (let round = 0; round < 50; round++) {
      const bytes = new Uint8Array(Math.floor(random() * 128 * 1024));
      for (let i = 0; i < bytes.length; i++) bytes[i] = random() * 256;
      validate(`random-${round}.bin`, bytes);
    }
  });

  it('refuses a large billion-laughs alias bomb quickly', () => {
    const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let i = 1; i < 20; i++)
      lines.push(
        `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]`,
      );
    const { diagnostics } = validate('bomb.yaml', `${lines.join('\n')}\n${small}`);
    // 190 aliases: refused for their number, at the first one over the limit (a11's first).
    expect(diagnostics).toMatchObject([{ line: 12, col: 12, code: 'alias-limit' }]);
    expect(diagnostics[0]!.message).toContain(`more than ${MAX_ALIAS_COUNT} aliases`);
  });

  it('refuses more aliases than the limit, at the first alias too many', () => {
    const aliases = Array.from(
      { length: MAX_ALIAS_COUNT + 1 },
      (_, i) => `        - &a${i} x\n        - *a${i}\n`,
    );
    const text = `${small}    with:\n      list:\n${aliases.join('')}`;
    const { diagnostics } = validate('aliases.yaml', text);
    expect(diagnostics).toHaveLength(1);
    // small has 9 lines, then `with:` and `list:`; alias i is on line 13 + 2i.
    expect(diagnostics[0]).toMatchObject({
      line: 13 + 2 * MAX_ALIAS_COUNT,
      col: 11,
      code: 'alias-limit',
    });
  });

  it('refuses deep nesting before the parser recurses into it', () => {
    const deep = [
      `${small}    with: { a: ${'['.repeat(200_000)}${']'.repeat(200_000)} }\n`,
      `${small}    with: { a: ${'{a: '.repeat(100_000)}1${'}'.repeat(100_000)} }\n`,
      `${small}    with:\n      a:\n        ${'- '.repeat(200_000)}1\n`,
      `${small}    with:\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(6 + i)}k:`).join('\n')} 1\n`,
    ];
    for (const text of deep) {
      const { diagnostics } = validate('deep.yaml', text);
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]!.code).toBe('too-large');
      expect(diagnostics[0]!.message).toContain('nested more than');
    }
    // Brackets inside quoted strings and comments are not nesting.
    const quoted = small.replace(
      'next: done\n',
      `with: { a: "${'['.repeat(500)}" } # ${'{'.repeat(500)}\n    next: done\n`,
    );
    expect(validate('quoted.yaml', quoted).diagnostics).toEqual([]);
  });

  it('reports aliases that make an endless structure instead of recursing forever', () => {
    const texts = [
      `${small}    with: &w { again: *w }\n`,
      `${small}    with: { a: &x [1, *x] }\n`,
      small.replace('type: end', 'type: &t [*t]'),
    ];
    for (const [i, text] of texts.entries()) {
      const { diagnostics } = validate('cycle.yaml', text);
      expect(diagnostics).toHaveLength(1);
      expect(diagnostics[0]).toMatchObject({ code: 'alias-limit', line: i < 2 ? 10 : 9 });
      expect(diagnostics[0]!.message).toContain('endless structure');
    }
  });

  it('checks a playbook with thousands of steps without overflowing the stack', () => {
    const chain = bigPlaybook(600 * 1024).replace(/next: s(\d+)\n$/, '\n');
    const result = validatePlaybook('chain.yaml', chain, commands, playbooks);
    expect(result.diagnostics).toEqual([]);
    expect(Object.keys(result.playbook!.steps).length).toBeGreaterThan(8000);

    // Thousands of parallel steps: branch checks stay linear.
    const parallel = ['id: wide\nname: Wide\nstart: p0\nsteps:\n'];
    for (let i = 0; i < 3000; i++) {
      const next = i < 2999 ? `    next: p${i + 1}\n` : '';
      parallel.push(`  p${i}:\n    type: parallel\n    branches: [b${i}]\n${next}`);
      parallel.push(`  b${i}:\n    uses: core.echo\n`);
    }
    const started = performance.now();
    const wide = validatePlaybook('wide.yaml', parallel.join(''), commands, playbooks);
    expect(wide.diagnostics).toEqual([]);
    expect(performance.now() - started).toBeLessThan(10_000);
  }, 60_000);

  it('never treats inherited object members as steps, inputs, options or arguments', () => {
    const cases: [string, string][] = [
      [small.replace('start: one', 'start: toString'), 'unknown-target'],
      [small.replace('next: done', 'next: valueOf'), 'unknown-target'],
      [
        small.replace('type: end', 'type: end\n    outputs: { a: "${{ steps.constructor }}" }'),
        'unknown-reference',
      ],
      [
        small.replace('uses: core.echo', 'uses: core.sleep\n    with: { ms: 1, toString: 1 }'),
        'bad-argument',
      ],
      [
        small.replace(
          'uses: core.echo',
          'uses: core.echo\n    with: { a: "${{ inputs.hasOwnProperty }}" }',
        ),
        'unknown-reference',
      ],
    ];
    for (const [text, code] of cases) {
      const { diagnostics } = validate('inherited.yaml', text);
      expect(diagnostics.map((d) => d.code)).toContain(code);
    }
  });

  it('answers odd but harmless documents with a diagnostic', () => {
    for (const text of [
      '',
      '   \n\n',
      '---',
      '~',
      'null',
      '[]',
      '{}',
      '"__proto__": 1',
      '- - - 1',
      '&a *a',
      '!!binary x',
      '? [a]\n: 1\n',
    ]) {
      expect(validate('odd.yaml', text).playbook).toBeUndefined();
    }
  });
});

describe('fuzzing a valid playbook', () => {
  const original = readFileSync(join(VALID_DIR, 'triage.yaml'), 'utf8');
  const pieces = [
    '\u0000',
    '\u0007',
    '\u00e9',
    '\u200b',
    '\u202e',
    '\ud83d\ude00',
    '\ud800',
    '\ufeff',
    '\t',
    '\r',
    '\n',
    ' ',
    '  ',
    ':',
    '- ',
    '#',
    '&a ',
    '*a',
    '!!str ',
    '!!binary ',
    '|',
    '>',
    '{',
    '}',
    '[',
    ']',
    '"',
    "'",
    ',',
    '?',
    '%',
    '@',
    '`',
    '${{',
    '}}',
    '${{ steps.',
    'next: ',
    'type: ',
    '__proto__: 1',
    'constructor',
    '<<: *a',
    '---',
    '...',
    '\\',
    'uses: core.',
    'max_visits: 1',
    '0x1F',
    '.inf',
    '~',
    'null',
    'true',
    '1e999',
    '-',
    '9'.repeat(400),
    'é'.repeat(50),
  ];

  function mutate(text: string, random: () => number): string {
    const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
    let out = text;
    const edits = 1 + Math.floor(random() * 4);
    for (let e = 0; e < edits; e++) {
      const at = Math.floor(random() * (out.length + 1));
      switch (Math.floor(random() * 6)) {
        case 0: // delete a run of characters
          out = out.slice(0, at) + out.slice(at + 1 + Math.floor(random() * 12));
          break;
        case 1: {
          // swap two lines
          const lines = out.split('\n');
          const a = Math.floor(random() * lines.length);
          const b = Math.floor(random() * lines.length);
          [lines[a], lines[b]] = [lines[b]!, lines[a]!];
          out = lines.join('\n');
          break;
        }
        case 2: // insert a YAML-ish or unicode piece
          out = out.slice(0, at) + pick(pieces) + out.slice(at);
          break;
        case 3: {
          // insert random code points
          let noise = '';
          for (let i = 0; i < 1 + random() * 6; i++) {
            noise += String.fromCodePoint(Math.floor(random() * 0x10ffff) & ~0x800);
          }
          out = out.slice(0, at) + noise + out.slice(at);
          break;
        }
        case 4: {
          // duplicate a line
          const lines = out.split('\n');
          const a = Math.floor(random() * lines.length);
          lines.splice(a, 0, lines[a]!);
          out = lines.join('\n');
          break;
        }
        default: // change the indentation of a line
          out = out.replace(/\n +/g, (m) =>
            random() < 0.05 ? `\n${' '.repeat(random() * 12)}` : m,
          );
      }
    }
    return out;
  }

  it('never throws for 200 random mutations, as text and as bytes', () => {
    const random = seededRandom(42);
    let rejected = 0;
    for (let i = 0; i < 200; i++) {
      const text = mutate(original, random);
      const asText = validate(`mutant-${i}.yaml`, text);
      const asBytes = validate(`mutant-${i}.yaml`, new TextEncoder().encode(text));
      expect(asBytes.diagnostics.map((d) => d.code)).toEqual(asText.diagnostics.map((d) => d.code));
      if (!asText.playbook) rejected++;
    }
    // Most mutations break something; the checks are not vacuous.
    expect(rejected).toBeGreaterThan(100);
  });
});
