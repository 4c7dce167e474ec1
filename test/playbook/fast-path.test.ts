import jsonata from 'jsonata';
import { describe, expect, it } from 'vitest';
import { BAIL, compileFastPath } from '../../src/playbook/fast-path.js';

/**
 * The fast path must agree with JSONata on every expression it answers: a seeded generator
 * builds thousands of expressions over scopes holding every JSON type, and whenever the fast
 * path gives a value it must equal JSONata's; where JSONata throws, it must have given up.
 */
function random(seed: number) {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const VALUES: unknown[] = [
  0,
  1,
  -2.5,
  7,
  1e21,
  '',
  'a',
  'b',
  'web-01',
  true,
  false,
  null,
  [],
  [1],
  [1, 2],
  ['x'],
  {},
  { n: 3 },
  { deep: { n: 1 } },
  [{ n: 1 }, { n: 2 }],
];
const PATHS = [
  'inputs.a',
  'inputs.b',
  'inputs.c',
  'steps.s1.output.n',
  'steps.s1.output',
  'vars.x',
  'vars.y.deep.n',
  'item',
  'index',
  'missing.path',
  'inputs',
  'constructor',
  'inputs.toString',
  'a',
];
const LITERALS = ['0', '1', '2.5', '-3', '"a"', '""', '"web-01"', 'true', 'false', 'null'];
const BINARY = ['+', '-', '*', '/', '%', '=', '!=', '<', '<=', '>', '>=', 'and', 'or', '&'];

function expression(next: () => number, depth: number): string {
  const pick = <T>(list: T[]) => list[Math.floor(next() * list.length)]!;
  const roll = next();
  if (depth <= 0 || roll < 0.3) return next() < 0.6 ? pick(PATHS) : pick(LITERALS);
  if (roll < 0.8)
    return `(${expression(next, depth - 1)} ${pick(BINARY)} ${expression(next, depth - 1)})`;
  if (roll < 0.9) return `-${expression(next, depth - 1)}`;
  return `(${expression(next, depth - 1)} ? ${expression(next, depth - 1)}${next() < 0.5 ? ` : ${expression(next, depth - 1)}` : ''})`;
}

function scope(next: () => number): Record<string, unknown> {
  const pick = () => structuredClone(VALUES[Math.floor(next() * VALUES.length)]);
  return {
    inputs: { a: pick(), b: pick(), c: pick() },
    steps: { s1: { status: 'completed', output: next() < 0.7 ? { n: pick() } : pick() } },
    vars: { x: pick(), y: next() < 0.5 ? { deep: { n: pick() } } : pick() },
    item: pick(),
    index: Math.floor(next() * 3),
  };
}

async function reference(
  source: string,
  input: unknown,
): Promise<{ value?: unknown; error?: boolean }> {
  try {
    return { value: await jsonata(source).evaluate(input) };
  } catch {
    return { error: true };
  }
}

describe('the expression fast path', () => {
  it('agrees with JSONata on generated expressions', async () => {
    const next = random(20261122);
    let answered = 0;
    for (let i = 0; i < 4000; i++) {
      const source = expression(next, 3);
      const input = scope(next);
      const fast = compileFastPath(jsonata(source).ast());
      if (!fast) continue;
      const value = fast(input);
      const expected = await reference(source, input);
      if (value === BAIL) continue;
      answered++;
      expect(
        expected.error,
        `JSONata fails on ${source} with ${JSON.stringify(input)}, the fast path gave ${JSON.stringify(value)}`,
      ).toBeUndefined();
      expect(value, `${source} with ${JSON.stringify(input)}`).toEqual(expected.value);
    }
    // The comparison means something only if the fast path answered most of the time.
    expect(answered).toBeGreaterThan(800);
  });

  it('answers the common playbook shapes without JSONata', () => {
    const input = {
      inputs: { auto: true, n: 2, host: 'db' },
      steps: { a: { output: { n: 1, score: 80 } } },
    };
    const eval_ = (source: string) => compileFastPath(jsonata(source).ast())?.(input);
    expect(eval_('steps.a.output.n + 1')).toBe(2);
    expect(eval_('inputs.auto')).toBe(true);
    expect(eval_('steps.a.output.score > 70 and inputs.auto')).toBe(true);
    expect(eval_('inputs.host & "-01"')).toBe('db-01');
    expect(eval_('inputs.n = 2 ? "two" : "other"')).toBe('two');
  });

  it('leaves functions, predicates, variables and arrays to JSONata', () => {
    for (const source of [
      '$count(inputs.ips)',
      'inputs.ips[0]',
      '$x',
      'inputs.ips.address',
      '[1, 2]',
      '{"a": 1}',
      'inputs.*',
      'inputs.a.b[type = "ip"]',
    ]) {
      const fast = compileFastPath(jsonata(source).ast());
      const result = fast?.({ inputs: { ips: [{ address: 'x' }], a: { b: [] } } });
      expect(fast === null || result === BAIL, source).toBe(true);
    }
  });
});
