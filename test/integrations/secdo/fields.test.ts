import { describe, expect, it } from 'vitest';
import { ArgumentChecker, parseIsoDateTime } from '../../../integrations/secdo/fields.js';

describe('SECDO timestamps', () => {
  it('parse ISO-8601 with a zone, on real calendar dates only', () => {
    expect(parseIsoDateTime('2016-02-29T00:00:00Z')).toBe(Date.UTC(2016, 1, 29));
    expect(parseIsoDateTime('2017-03-22T19:00Z')).toBe(Date.UTC(2017, 2, 22, 19));
    expect(parseIsoDateTime('2017-03-23T04:00:47+09:00')).toBe(Date.UTC(2017, 2, 22, 19, 0, 47));
    expect(parseIsoDateTime('2017-02-29T00:00:00Z')).toBeUndefined();
    expect(parseIsoDateTime('2017-03-22T24:00:00Z')).toBeUndefined();
    expect(parseIsoDateTime('2017-03-22T19:00:47+24:00')).toBeUndefined();
    expect(parseIsoDateTime('2017-03-22 19:00:47Z')).toBeUndefined();
    expect(parseIsoDateTime('March 22, 2017')).toBeUndefined();
  });

  it('become epoch-millisecond strings; seconds and fractions of ms are refused', () => {
    const at = (timestamp: unknown) =>
      new ArgumentChecker('secdo.x', { timestamp }).timestamp('timestamp');
    expect(at('2017-03-22T19:00:47.5Z')).toBe('1490209247500');
    expect(at(1490209247000)).toBe('1490209247000');
    expect(at(' 1490209247000 ')).toBe('1490209247000');
    expect(() => at(1490209247)).toThrow(/looks like epoch seconds/);
    expect(() => at(1490209247000.5)).toThrow(/must be an ISO-8601 date-time/);
    expect(() => at(253402300800000)).toThrow(/after the year 9999/);
    expect(() => at(undefined)).toThrow(/got nothing/);
  });
});
