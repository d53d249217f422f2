import { describe, expect, it } from 'vitest';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it('parses units and combinations', () => {
    expect(parseDuration('3h')).toBe(3 * 3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
  });
  it('rejects nonsense with a usage error naming the value', () => {
    expect(() => parseDuration('3 hours')).toThrow(/"3 hours" is not a duration/);
    expect(() => parseDuration('')).toThrow(/not a duration/);
    expect(() => parseDuration('0s')).toThrow(/not a duration/);
  });
});
