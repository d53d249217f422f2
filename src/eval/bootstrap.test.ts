import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import { bootstrapMeanCI, pairedBootstrap } from './bootstrap.js';

function sample(n: number, seed: number, f: (rng: Rng) => number): Float64Array {
  const rng = new Rng(seed);
  return Float64Array.from({ length: n }, () => f(rng));
}

describe('bootstrapMeanCI', () => {
  it('gives a zero-width interval for a constant vector', () => {
    const ci = bootstrapMeanCI(new Float64Array(50).fill(0.3));
    expect(ci.lo).toBe(ci.hi);
    expect(ci.mean).toBe(ci.lo);
    expect(ci.mean).toBeCloseTo(0.3, 12);
  });

  it('brackets the sample mean with about the normal-theory width', () => {
    // Uniform(0, 1): sd = 1/sqrt(12); the 95% interval of a mean of 400 is about 2 x 1.96 x sd / 20 wide.
    const values = sample(400, 3, (r) => r.next());
    const ci = bootstrapMeanCI(values, { resamples: 2000, seed: 1 });
    const mean = values.reduce((s, v) => s + v, 0) / values.length;
    expect(ci.mean).toBeCloseTo(mean, 12);
    expect(ci.lo).toBeLessThan(mean);
    expect(ci.hi).toBeGreaterThan(mean);
    const expected = (2 * 1.96) / Math.sqrt(12) / 20;
    expect((ci.hi - ci.lo) / expected).toBeGreaterThan(0.85);
    expect((ci.hi - ci.lo) / expected).toBeLessThan(1.15);
  });

  it('narrows as the level drops', () => {
    const values = sample(100, 5, (r) => r.next());
    const wide = bootstrapMeanCI(values, { level: 0.95 });
    const narrow = bootstrapMeanCI(values, { level: 0.5 });
    expect(narrow.hi - narrow.lo).toBeLessThan(wide.hi - wide.lo);
  });

  it('repeats exactly for a seed, also after other bootstraps, and differs for another seed', () => {
    const values = sample(200, 9, (r) => r.next());
    const first = bootstrapMeanCI(values, { seed: 42, resamples: 300 });
    bootstrapMeanCI(
      sample(17, 1, (r) => r.next()),
      { seed: 42, resamples: 300 },
    );
    expect(bootstrapMeanCI(values, { seed: 42, resamples: 300 })).toEqual(first);
    expect(bootstrapMeanCI(values, { seed: 43, resamples: 300 })).not.toEqual(first);
  });

  it('rejects empty samples, non-finite values and bad options', () => {
    expect(() => bootstrapMeanCI([])).toThrow('cannot bootstrap an empty sample');
    expect(() => bootstrapMeanCI([1, Number.NaN])).toThrow('value 1 is NaN');
    expect(() => bootstrapMeanCI([1, 2], { resamples: 0 })).toThrow('resamples must be a positive integer, got 0');
    expect(() => bootstrapMeanCI([1, 2], { level: 95 })).toThrow('level must be in (0, 1), got 95');
  });
});

describe('pairedBootstrap', () => {
  it('puts a clearly positive paired difference above zero with p = 0', () => {
    const b = sample(60, 1, (r) => r.next());
    const noise = new Rng(2);
    const a = b.map((v) => v + 0.1 + 0.02 * noise.normal());
    const c = pairedBootstrap(a, b);
    expect(c.resamples).toBe(1000);
    expect(c.diff.mean).toBeCloseTo(c.meanA - c.meanB, 12);
    expect(c.diff.lo).toBeGreaterThan(0);
    expect(c.pValue).toBe(0);
    expect(c.liftPercent).not.toBeNull();
    expect(c.liftPercent?.lo).toBeGreaterThan(0);
  });

  it('gives an interval containing 0 and p = 1 for an identical pair', () => {
    const a = sample(40, 4, (r) => r.next());
    const c = pairedBootstrap(a, Float64Array.from(a));
    expect(c.diff.lo).toBeLessThanOrEqual(0);
    expect(c.diff.hi).toBeGreaterThanOrEqual(0);
    expect(c.pValue).toBe(1);
    expect(c.liftPercent?.mean).toBe(0);
  });

  it('pairs by user: a shared per-user effect cancels out', () => {
    // Huge between-user spread, tiny consistent gain: only a paired test sees it.
    const base = sample(50, 6, (r) => r.next() * 100);
    const a = base.map((v) => v + 0.01);
    const paired = pairedBootstrap(a, base);
    expect(paired.diff.lo).toBeGreaterThan(0);
    const unpairedA = bootstrapMeanCI(a);
    const unpairedB = bootstrapMeanCI(base);
    expect(unpairedA.lo).toBeLessThan(unpairedB.hi);
  });

  it('reports an undefined lift when the baseline mean is 0', () => {
    const c = pairedBootstrap([1, 0, 1], [0, 0, 0]);
    expect(c.liftPercent).toBeNull();
    expect(c.diff.mean).toBeCloseTo(2 / 3, 12);
  });

  it('repeats exactly for a seed', () => {
    const a = sample(30, 7, (r) => r.next());
    const b = sample(30, 8, (r) => r.next());
    expect(pairedBootstrap(a, b, { seed: 5 })).toEqual(pairedBootstrap(a, b, { seed: 5 }));
    expect(pairedBootstrap(a, b, { seed: 5 })).not.toEqual(pairedBootstrap(a, b, { seed: 6 }));
  });

  it('rejects samples of different lengths', () => {
    expect(() => pairedBootstrap([1, 2], [1])).toThrow('samples differ in length (2 vs 1)');
  });
});
