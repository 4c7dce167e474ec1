import { describe, expect, it } from 'vitest';
import {
  addedAfterParameter,
  isLaterInstant,
  parseInstant,
  withFractionalSeconds,
} from '../../../integrations/taxii/taxii21/time.js';
import { Watermark } from '../../../integrations/taxii/taxii21/watermark.js';

describe('TAXII instants', () => {
  it('keeps sub-millisecond digits that a Date would drop', () => {
    const micro = parseInstant('2026-01-01T00:00:00.000001Z');
    const nano = parseInstant('2026-01-01T00:00:00.000000001Z');

    expect(micro! - parseInstant('2026-01-01T00:00:00Z')!).toBe(1000n);
    expect(isLaterInstant('2026-01-01T00:00:00.000001Z', '2026-01-01T00:00:00.000000001Z')).toBe(
      true,
    );
    expect(nano! > parseInstant('2026-01-01T00:00:00.000Z')!).toBe(true);
  });

  it('compares across zones and digit counts, where text order is wrong', () => {
    expect(parseInstant('2026-01-01T09:00:00+09:00')).toBe(parseInstant('2026-01-01T00:00:00Z'));
    expect(isLaterInstant('2026-01-01T00:00:00.5Z', '2026-01-01T00:00:00Z')).toBe(true);
    expect('2026-01-01T00:00:00.5Z' > '2026-01-01T00:00:00Z').toBe(false);
    expect(isLaterInstant('2026-01-01T00:30:00Z', '2026-01-01T09:00:00+09:00')).toBe(true);
  });

  it('refuses what is not an RFC 3339 instant', () => {
    for (const text of ['2026-02-30T00:00:00Z', '2026-01-01', '2026-01-01T24:00:00Z', 'now', '']) {
      expect(parseInstant(text), text).toBeUndefined();
    }
    expect(isLaterInstant('later', '2026-01-01T00:00:00Z')).toBe(false);
  });

  it('adds fractional seconds only where they are missing', () => {
    expect(withFractionalSeconds('2026-01-01T00:00:00Z')).toBe('2026-01-01T00:00:00.000Z');
    expect(withFractionalSeconds('2026-01-01T00:00:00+00:00')).toBe(
      '2026-01-01T00:00:00.000+00:00',
    );
    expect(withFractionalSeconds('2026-01-01T00:00:00.123456Z')).toBe(
      '2026-01-01T00:00:00.123456Z',
    );
    expect(addedAfterParameter(new Date(Date.UTC(2026, 0, 1)))).toBe('2026-01-01T00:00:00.000Z');
  });
});

describe('Watermark', () => {
  it('advances only to strictly later instants and keeps the text verbatim', () => {
    const watermark = new Watermark('2026-01-01T00:00:00.000Z');

    watermark.advance('2026-01-01T00:00:01.000000Z');
    watermark.advance('2026-01-01T01:00:01+01:00');
    watermark.advance('2025-12-31T23:59:59Z');

    expect(watermark.current).toBe('2026-01-01T00:00:01.000000Z');
  });

  it('restarts from the watermark before the latest one', () => {
    const watermark = new Watermark(undefined);
    expect(watermark.restartPoint).toBeUndefined();

    watermark.advance('2026-01-01T00:00:01Z');
    expect(watermark.restartPoint).toBeUndefined();
    watermark.advance('2026-01-01T00:00:02Z');
    watermark.advance('2026-01-01T00:00:02.000Z');

    expect(watermark.current).toBe('2026-01-01T00:00:02Z');
    expect(watermark.restartPoint).toBe('2026-01-01T00:00:01Z');
  });
});
