import { describe, expect, it } from 'vitest';
import { eventStrength } from './schema.js';

describe('eventStrength', () => {
  it('is the type strength times the weight, 1 when no weight is given', () => {
    expect(eventStrength({ type: 'purchase' })).toBe(5);
    expect(eventStrength({ type: 'cart', weight: 2 })).toBe(6);
  });

  it('is 0, never negative or NaN, for impressions, zero, negative and NaN weights', () => {
    expect(eventStrength({ type: 'impression', weight: 3 })).toBe(0);
    expect(eventStrength({ type: 'view', weight: 0 })).toBe(0);
    expect(eventStrength({ type: 'view', weight: -2 })).toBe(0);
    expect(eventStrength({ type: 'view', weight: Number.NaN })).toBe(0);
  });
});
