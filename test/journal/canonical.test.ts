import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CanonicalJsonError,
  GENESIS,
  canonicalJson,
  chainEntry,
  hashEntry,
} from '../../src/journal/index.js';
import { draft } from './helpers.js';

describe('canonicalJson', () => {
  it('is independent of key order, at every depth', () => {
    const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: 'x' } };
    const b = { a: { x: 'x', y: [1, { p: 2, q: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"x":"x","y":[1,{"p":2,"q":1}]},"b":1}');
  });

  it('matches the RFC 8785 section 3.2.2 example (numbers, string escapes, literals)', () => {
    const input = JSON.parse(
      '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],' +
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",' +
        ' "literals": [null, true, false]}',
    );
    expect(canonicalJson(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],' +
        '"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('serializes numbers the ECMAScript way RFC 8785 requires', () => {
    expect(canonicalJson([1e21, 0.1, 1e-7, -0, 100, 1.5e300])).toBe(
      '[1e+21,0.1,1e-7,0,100,1.5e+300]',
    );
  });

  it('sorts keys by UTF-16 code units (RFC 8785 section 3.2.3)', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    // Read the order off the text: JSON.parse would move the integer-like key "1" first.
    const text = canonicalJson(input);
    const order = Object.values(input).sort((a, b) => text.indexOf(a) - text.indexOf(b));
    expect(order).toEqual([
      'Carriage Return',
      'One',
      'Control',
      'Latin Small Letter O With Diaeresis',
      'Euro Sign',
      'Emoji: Grinning Face',
      'Hebrew Letter Dalet With Dagesh',
    ]);
  });

  it('refuses values with no JSON encoding, naming where they are', () => {
    expect(() => canonicalJson(undefined)).toThrow(CanonicalJsonError);
    expect(() => canonicalJson({ a: [1, Number.NaN] })).toThrow('$.a[1]: NaN is not allowed');
    expect(() => canonicalJson({ a: Infinity })).toThrow('$.a: Infinity');
    expect(() => canonicalJson({ f: () => 1 })).toThrow('$.f: a function');
    expect(() => canonicalJson({ n: 10n })).toThrow('$.n: a bigint');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalJson(cyclic)).toThrow('$.self: cyclic structure');
    expect(() => canonicalJson({ d: new Date(0), f: () => 1 })).toThrow('$.f: a function');
  });

  it('follows JSON.stringify for undefined members and toJSON', () => {
    expect(canonicalJson({ a: undefined, b: [undefined], d: new Date(0) })).toBe(
      '{"b":[null],"d":"1970-01-01T00:00:00.000Z"}',
    );
  });
});

describe('hashEntry / chainEntry', () => {
  it('hashes the canonical form of the entry including seq and prev (pinned vector)', () => {
    const entry = chainEntry(draft(1, { data: { z: 1, a: 'x' } }), 1, GENESIS);
    const canonical =
      '{"actor":{"id":"engine","kind":"system"},"at":"2024-01-01T00:00:01.000Z",' +
      '"data":{"a":"x","z":1},"id":"d1","incident":"INC-1","kind":"note",' +
      `"prev":"${GENESIS}","run":"run-1","seq":1,"step":"step-1","summary":"entry 1"}`;
    const expected = createHash('sha256').update(canonical).digest('hex');
    expect(entry.hash).toBe(expected);
    // Pinned: a change here means every journal ever written stops verifying.
    expect(entry.hash).toBe('cb31bc2ac275513795866eab7455c96b0656f846ee0808c74b7ed3ab06a8c46f');
  });

  it('gives the same hash whatever the key order of the entry and its data', () => {
    const entry = chainEntry(draft(1, { data: { b: 2, a: 1 } }), 1, GENESIS);
    const { hash, ...rest } = entry;
    const reordered = Object.fromEntries(Object.entries(rest).reverse()) as typeof rest;
    reordered.data = { a: 1, b: 2 };
    expect(hashEntry(reordered)).toBe(hash);
  });

  it('changes when seq, prev or any content changes', () => {
    const base = chainEntry(draft(1), 1, GENESIS);
    expect(chainEntry(draft(1), 2, GENESIS).hash).not.toBe(base.hash);
    expect(chainEntry(draft(1), 1, 'f'.repeat(64)).hash).not.toBe(base.hash);
    expect(chainEntry(draft(1, { summary: 'entry 1.' }), 1, GENESIS).hash).not.toBe(base.hash);
  });

  it('keeps only the known fields, in the stored field order', () => {
    const withExtra = { ...draft(1), extra: 'not journaled' };
    const entry = chainEntry(withExtra, 1, GENESIS);
    expect(Object.keys(entry)).toEqual([
      'seq',
      'at',
      'incident',
      'run',
      'step',
      'kind',
      'actor',
      'summary',
      'id',
      'prev',
      'hash',
    ]);
  });
});
