import { describe, expect, it } from 'vitest';
import {
  evaluateTemplate,
  evaluateValue,
  ExpressionError,
  parseTemplate,
  referencesOf,
  type Scope,
} from '../../src/playbook/expressions.js';

const scope: Scope = {
  inputs: { ips: ['192.0.2.1', '192.0.2.2'], name: 'web' },
  incident: { id: 'inc-1', fields: { host: 'db-01' } },
  steps: { look: { status: 'completed', output: { score: 7 }, visits: 1 } },
  vars: {},
  run: { id: 'run-1' },
};
const NOW = Date.parse('2026-01-02T03:04:05.000Z');
const evaluate = (text: string) => evaluateTemplate(parseTemplate(text), scope, NOW);

describe('templates', () => {
  it('gives a whole-string expression its typed value', async () => {
    expect(await evaluate('${{ $count(inputs.ips) }}')).toBe(2);
    expect(await evaluate('${{ inputs.ips }}')).toEqual(['192.0.2.1', '192.0.2.2']);
    expect(await evaluate('${{ steps.look.output.score > 5 }}')).toBe(true);
    expect(await evaluate('${{ incident.fields.nope }}')).toBeNull();
  });

  it('interpolates mixed text, writing objects as JSON and missing values as nothing', async () => {
    expect(await evaluate('host ${{ incident.fields.host }} (${{ steps.look.output }})')).toBe(
      'host db-01 ({"score":7})',
    );
    expect(await evaluate('[${{ incident.fields.nope }}]')).toBe('[]');
  });

  it('leaves text without expressions alone, and walks objects and arrays', async () => {
    expect(await evaluate('plain $text {{ }}')).toBe('plain $text {{ }}');
    expect(
      await evaluateValue({ a: ['${{ inputs.name }}', 1, { b: '${{ 1 + 1 }}' }] }, scope, NOW),
    ).toEqual({ a: ['web', 1, { b: 2 }] });
  });

  it('finds the closing braces past braces and strings inside the expression', async () => {
    expect(await evaluate('${{ {"a": {"b": "}}"}}.a.b }}')).toBe('}}');
  });

  it('uses the run logical time for $now and $millis', async () => {
    expect(await evaluate('${{ $now() }}')).toBe('2026-01-02T03:04:05.000Z');
    expect(await evaluate('${{ $millis() }}')).toBe(NOW);
  });

  it('reports syntax errors with the expression', () => {
    expect(() => parseTemplate('${{ 1 + }}')).toThrow(ExpressionError);
    expect(() => parseTemplate('${{ 1 + 1 ')).toThrow(/unclosed/);
    expect(() => parseTemplate('${{   }}')).toThrow(/empty expression/);
  });

  it('stops an infinite recursion within a second with a clear error', async () => {
    const started = Date.now();
    await expect(evaluate('${{ ($f := function($n) { $f($n + 1) }; $f(0)) }}')).rejects.toThrow(
      /ran longer than 500 ms|recursed deeper/,
    );
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('stops deep non-tail recursion and huge sequences', async () => {
    await expect(
      evaluate('${{ ($f := function($n) { $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000)) }}'),
    ).rejects.toThrow(ExpressionError);
    await expect(evaluate('${{ [1..10000000] }}')).rejects.toThrow(ExpressionError);
  });

  it('cannot reach JavaScript globals', async () => {
    expect(await evaluate('${{ $eval("constructor") }}')).toBeNull();
    expect(await evaluate('${{ $string(process) }}')).toBeNull();
  });

  it('lists the references of an expression for static checks', () => {
    const refs = referencesOf(
      parseTemplate('${{ steps.a.output.x + $count(inputs.ips[type="x"]) + nope }}'),
    );
    expect(refs.steps).toEqual([{ id: 'a', field: 'output' }]);
    expect(refs.inputs).toEqual(['ips']);
    expect(refs.roots).toEqual(['steps', 'inputs', 'nope']);
  });
});
