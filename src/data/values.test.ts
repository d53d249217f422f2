import { describe, expect, it } from 'vitest';
import { parseDecimal, parseNaiveUtc, parseTimestamp } from './values.js';

describe('parseDecimal', () => {
  it('accepts plain decimals and rejects what Number() would silently accept', () => {
    expect([parseDecimal('12'), parseDecimal(' -3.5 '), parseDecimal('.5'), parseDecimal('1e3')]).toEqual([12, -3.5, 0.5, 1000]);
    for (const bad of ['', ' ', 'abc', '0x10', '1,5', 'Infinity', '2.55£']) expect(parseDecimal(bad)).toBeUndefined();
  });
});

describe('parseNaiveUtc', () => {
  it('reads a naive date-time as UTC', () => {
    expect(parseNaiveUtc('2010-12-01 08:26:00')).toBe(Date.UTC(2010, 11, 1, 8, 26));
    expect(parseNaiveUtc('2011-06-30T23:59')).toBe(Date.UTC(2011, 5, 30, 23, 59));
  });
  it('rejects impossible and malformed dates', () => {
    for (const bad of ['2011-02-30 10:00:00', '2011-13-01 10:00:00', '2011-01-01 24:00:00', '01/12/2010 08:26', '2011-01-01', '']) {
      expect(parseNaiveUtc(bad)).toBeUndefined();
    }
  });
});

describe('parseTimestamp', () => {
  const t = Date.UTC(2024, 2, 1, 12, 30, 15);
  it('detects epoch seconds vs milliseconds by magnitude, as numbers or digit strings', () => {
    expect(parseTimestamp(t / 1000)).toBe(t);
    expect(parseTimestamp(t)).toBe(t);
    expect(parseTimestamp(String(t / 1000))).toBe(t);
    expect(parseTimestamp(String(t))).toBe(t);
    expect(parseTimestamp(BigInt(t))).toBe(t);
    expect(parseTimestamp(1709296215.5)).toBe(t + 500);
  });
  it('reads ISO strings (UTC unless an offset is given) and Dates', () => {
    expect(parseTimestamp('2024-03-01T12:30:15Z')).toBe(t);
    expect(parseTimestamp('2024-03-01 12:30:15')).toBe(t);
    expect(parseTimestamp('2024-03-01T14:30:15+02:00')).toBe(t);
    expect(parseTimestamp('2024-03-01T07:30:15.000-0500')).toBe(t);
    expect(parseTimestamp('2024-03-01')).toBe(Date.UTC(2024, 2, 1));
    expect(parseTimestamp(new Date(t))).toBe(t);
  });
  it('rejects garbage, negatives and impossible dates', () => {
    for (const bad of ['yesterday', '2024-02-30', '-5', -5, Number.NaN, '', null, undefined, {}, new Date(Number.NaN)]) {
      expect(parseTimestamp(bad)).toBeUndefined();
    }
  });
});
