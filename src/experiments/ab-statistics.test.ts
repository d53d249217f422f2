import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import {
  chiSquareCdf,
  chiSquareSf,
  criticalZ,
  deltaCompare,
  deltaRatio,
  logGamma,
  normalCdf,
  normalQuantile,
  normalTwoSidedP,
  ratioMoments,
  sampleRatioMismatch,
  twoProportionTest,
  wilsonInterval,
} from './ab-statistics.js';

describe('distribution functions (table values)', () => {
  it('normal CDF and quantile', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(0)).toBe(0.5);
    expect(normalCdf(-1)).toBeCloseTo(0.158655254, 8);
    expect(normalCdf(-3)).toBeCloseTo(0.001349898, 9);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963985, 8);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 12);
    expect(criticalZ(0.99)).toBeCloseTo(2.575829304, 8);
    // Far tails stay relatively accurate: 2(1 - Φ(8)) = 1.2442e-15.
    expect(normalTwoSidedP(8) / 1.2442e-15).toBeCloseTo(1, 3);
    expect(normalCdf(normalQuantile(1e-10)) / 1e-10).toBeCloseTo(1, 8);
  });

  it('log-gamma', () => {
    expect(Math.exp(logGamma(5))).toBeCloseTo(24, 10);
    expect(Math.exp(2 * logGamma(0.5))).toBeCloseTo(Math.PI, 12);
    expect(logGamma(100)).toBeCloseTo(359.1342053695754, 9);
  });

  it('chi-square tail matches the tables', () => {
    expect(chiSquareSf(3.841, 1)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(5.991, 2)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(7.815, 3)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(18.307, 10)).toBeCloseTo(0.05, 4);
    expect(chiSquareSf(6.635, 1)).toBeCloseTo(0.01, 4);
    expect(chiSquareSf(10.828, 1)).toBeCloseTo(0.001, 5);
    expect(chiSquareCdf(3.841458820694124, 1)).toBeCloseTo(0.95, 12);
    // Closed forms: χ²(2) tail is exp(-x/2); χ²(1) tail is the two-sided normal p-value of √x.
    for (const x of [0.1, 1, 7, 40]) {
      expect(chiSquareSf(x, 2)).toBeCloseTo(Math.exp(-x / 2), 12);
      expect(chiSquareSf(x, 1)).toBeCloseTo(2 * (1 - normalCdf(Math.sqrt(x))), 12);
    }
    expect(chiSquareSf(0, 3)).toBe(1);
  });
});

describe('wilsonInterval (Newcombe 1998, Table I)', () => {
  it.each([
    [81, 263, 0.2553, 0.3662],
    [15, 148, 0.0624, 0.1605],
    [0, 20, 0, 0.1611],
    [1, 29, 0.0061, 0.1718],
  ])('%i/%i -> [%f, %f]', (x, n, lo, hi) => {
    const w = wilsonInterval(x, n);
    expect(w.estimate).toBeCloseTo(x / n, 12);
    expect(w.lower).toBeCloseTo(lo, 4);
    expect(w.upper).toBeCloseTo(hi, 4);
  });

  it('is exact at 0 and n, empty when nothing was observed, and rejects impossible counts', () => {
    expect(wilsonInterval(0, 5).lower).toBe(0);
    expect(wilsonInterval(5, 5).upper).toBe(1);
    expect(Number.isNaN(wilsonInterval(0, 0).estimate)).toBe(true);
    expect(() => wilsonInterval(6, 5)).toThrow(/successes/);
    expect(() => wilsonInterval(1, 5, 1.5)).toThrow(/confidence/);
  });
});

describe('twoProportionTest', () => {
  it('Newcombe hybrid score interval matches Newcombe (1998) Table II', () => {
    // 56/70 vs 48/80: difference 0.2000, method 10: 0.0524 to 0.3339.
    const a = twoProportionTest(48, 80, 56, 70);
    expect(a.difference).toBeCloseTo(0.2, 12);
    expect(a.lower).toBeCloseTo(0.0524, 4);
    expect(a.upper).toBeCloseTo(0.3339, 4);
    // 9/10 vs 3/10: 0.1705 to 0.8090; 6/7 vs 2/7: 0.0582 to 0.8062.
    const b = twoProportionTest(3, 10, 9, 10);
    expect(b.lower).toBeCloseTo(0.1705, 4);
    expect(b.upper).toBeCloseTo(0.809, 4);
    const c = twoProportionTest(2, 7, 6, 7);
    expect(c.lower).toBeCloseTo(0.0582, 4);
    expect(c.upper).toBeCloseTo(0.8062, 4);
  });

  it('pooled z² equals the Pearson chi-square of the 2x2 table, and p matches the χ²(1) tail', () => {
    const t = twoProportionTest(48, 80, 56, 70);
    const [a, b, c, d] = [56, 14, 48, 32];
    const n = a + b + c + d;
    const pearson = (n * (a * d - b * c) ** 2) / ((a + b) * (c + d) * (a + c) * (b + d));
    expect(t.z).toBeCloseTo(2.6502, 4);
    expect(t.z ** 2).toBeCloseTo(pearson, 10);
    expect(t.pValue).toBeCloseTo(chiSquareSf(pearson, 1), 12);
    expect(t.pValue).toBeCloseTo(0.00805, 5);
    expect(t.relativeLift).toBeCloseTo(0.8 / 0.6 - 1, 12);
    // Sign: a lower treatment gives a negative z and the same p.
    const r = twoProportionTest(56, 70, 48, 80);
    expect(r.z).toBeCloseTo(-t.z, 12);
    expect(r.pValue).toBeCloseTo(t.pValue, 12);
  });

  it('treats two all-zero groups as no difference', () => {
    const t = twoProportionTest(0, 10, 0, 20);
    expect(t.z).toBe(0);
    expect(t.pValue).toBe(1);
    expect(t.lower).toBeLessThan(0);
    expect(t.upper).toBeGreaterThan(0);
  });
});

describe('delta method for CTR with user clustering', () => {
  it('matches a hand computation', () => {
    // Users (clicks, impressions): (1,2) (0,3) (2,2) (1,5): R = 4/12; plug-in moments
    // var x = 0.5, var y = 1.5, cov = -0.25 -> Var R = (0.5 + 2/3*0.25 + 1/9*1.5) / (4 * 9) = 0.0231481.
    const d = deltaRatio(
      ratioMoments([
        [1, 2],
        [0, 3],
        [2, 2],
        [1, 5],
      ] as [number, number][]),
    );
    expect(d.estimate).toBeCloseTo(1 / 3, 12);
    expect(d.variance).toBeCloseTo(0.8333333333 / 36, 10);
    expect(d.lower).toBeCloseTo(1 / 3 - 1.959964 * Math.sqrt(0.8333333333 / 36), 5);
  });

  it('reduces to the binomial variance p(1-p)/n when each user has one impression', () => {
    const pairs: [number, number][] = Array.from({ length: 50 }, (_, i) => [i < 13 ? 1 : 0, 1]);
    const d = deltaRatio(ratioMoments(pairs));
    expect(d.variance).toBeCloseTo((0.26 * 0.74) / 50, 14);
  });

  it('compares two groups: difference, z, p and relative lift', () => {
    const c = ratioMoments([
      [1, 2],
      [0, 3],
      [2, 2],
      [1, 5],
    ] as [number, number][]);
    const t = ratioMoments([
      [2, 2],
      [1, 3],
      [2, 4],
      [3, 5],
    ] as [number, number][]);
    const cmp = deltaCompare(c, t);
    const vc = deltaRatio(c).variance;
    const vt = deltaRatio(t).variance;
    expect(cmp.difference).toBeCloseTo(8 / 14 - 4 / 12, 12);
    expect(cmp.standardError).toBeCloseTo(Math.sqrt(vc + vt), 12);
    expect(cmp.z).toBeCloseTo(cmp.difference / Math.sqrt(vc + vt), 12);
    expect(cmp.pValue).toBeCloseTo(2 * (1 - normalCdf(Math.abs(cmp.z))), 12);
    expect(cmp.relativeLift).toBeCloseTo(8 / 14 / (4 / 12) - 1, 12);
    expect(cmp.lower).toBeLessThan(cmp.difference);
  });

  it('keeps nominal coverage under clustering where the naive binomial interval does not', () => {
    // Each user has a personal CTR (beta-ish spread) and 1..20 impressions: impressions of a
    // user are correlated. Across 400 replications the delta interval should cover the true
    // ratio ~95% of the time; the impression-level Wilson interval covers clearly less.
    const rng = new Rng(7);
    const reps = 400;
    let deltaCover = 0;
    let naiveCover = 0;
    for (let r = 0; r < reps; r++) {
      const pairs: [number, number][] = [];
      for (let u = 0; u < 200; u++) {
        const ctr = rng.chance(0.3) ? 0.4 : 0.05;
        const imps = 1 + rng.int(20);
        let clicks = 0;
        for (let i = 0; i < imps; i++) if (rng.chance(ctr)) clicks++;
        pairs.push([clicks, imps]);
      }
      // True ratio: E[clicks]/E[imps] = E[ctr] (independent of imps) = 0.3*0.4 + 0.7*0.05.
      const truth = 0.3 * 0.4 + 0.7 * 0.05;
      const m = ratioMoments(pairs);
      const d = deltaRatio(m);
      if (d.lower <= truth && truth <= d.upper) deltaCover++;
      const w = wilsonInterval(m.sumX, m.sumY);
      if (w.lower <= truth && truth <= w.upper) naiveCover++;
    }
    expect(deltaCover / reps).toBeGreaterThan(0.91);
    expect(deltaCover / reps).toBeLessThan(0.985);
    expect(naiveCover / reps).toBeLessThan(0.85);
  });

  it('returns NaN for an empty group instead of throwing', () => {
    expect(Number.isNaN(deltaRatio(ratioMoments([])).estimate)).toBe(true);
  });
});

describe('sampleRatioMismatch', () => {
  it('fires on 5,300 vs 4,700 for a 50/50 split (χ² = 36)', () => {
    const s = sampleRatioMismatch([5300, 4700], [50, 50]);
    expect(s.chiSquare).toBeCloseTo(36, 10);
    expect(s.df).toBe(1);
    expect(s.pValue).toBeCloseTo(1.973e-9, 11);
    expect(s.mismatch).toBe(true);
  });

  it('does not fire on a fair split, and honours unequal weights', () => {
    expect(sampleRatioMismatch([5030, 4970], [1, 1]).mismatch).toBe(false);
    // 90/10 split observed exactly: χ² = 0.
    const ok = sampleRatioMismatch([9000, 1000], [90, 10]);
    expect(ok.chiSquare).toBe(0);
    expect(ok.pValue).toBe(1);
    // The same counts against 50/50 are a gross mismatch.
    expect(sampleRatioMismatch([9000, 1000], [50, 50]).mismatch).toBe(true);
  });

  it('three variants: hand-computed statistic', () => {
    // Expected 1000 each: (1050-1000)²/1000 + (980-1000)²/1000 + (970-1000)²/1000 = 2.5+0.4+0.9 = 3.8.
    const s = sampleRatioMismatch([1050, 980, 970], [1, 1, 1]);
    expect(s.chiSquare).toBeCloseTo(3.8, 12);
    expect(s.pValue).toBeCloseTo(Math.exp(-1.9), 12);
    expect(s.mismatch).toBe(false);
  });

  it('rejects mismatched inputs', () => {
    expect(() => sampleRatioMismatch([1, 2], [1])).toThrow(/weights/);
    expect(() => sampleRatioMismatch([1, 2], [1, 0])).toThrow(/> 0/);
  });
});
