import { describe, expect, it } from 'vitest';
import { bool, list, millis, num, text } from '../../../integrations/cybereason/normalize.js';

describe('cybereason value normalisation', () => {
  it('reads numbers and timestamps sent as strings', () => {
    expect(num('1659517940167')).toBe(1659517940167);
    expect(num(' 42 ')).toBe(42);
    expect(num('4.5')).toBe(4.5);
    expect(num('None')).toBeNull();
    expect(num('12abc')).toBeNull();
    expect(num(Number.NaN)).toBeNull();
    expect(millis('1659517940167')).toBe(1659517940167);
    expect(millis('2023-12-05T12:14:39.285000')).toBe(Date.UTC(2023, 11, 5, 12, 14, 39, 285));
    expect(millis('2023-12-05T12:14:39+02:00')).toBe(Date.UTC(2023, 11, 5, 10, 14, 39));
    expect(millis('yesterday')).toBeNull();
  });

  it('reads booleans however they are spelled', () => {
    for (const yes of [true, 'true', 'True', 'TRUE']) expect(bool(yes)).toBe(true);
    for (const no of [false, 'false', 'False']) expect(bool(no)).toBe(false);
    for (const neither of ['None', null, 'yes', 1]) expect(bool(neither)).toBeNull();
  });

  it('turns "None", "null", "" and null into no value', () => {
    for (const none of ['None', 'null', '', null, undefined]) expect(text(none)).toBeNull();
    expect(text(12)).toBe('12');
    expect(text({})).toBeNull();
    expect(list('None')).toEqual([]);
    expect(list('x')).toEqual(['x']);
  });
});
