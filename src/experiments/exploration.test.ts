import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import { parseExperiment } from './config.js';
import { explorationSchema, exploreRanking, propensityAt, requestRng } from './exploration.js';

const POOL = Array.from({ length: 8 }, (_, i) => `i${i}`);

describe('epsilon exploration', () => {
  it('logs propensities that equal the observed frequency of each item at each position', () => {
    const exploration = { kind: 'epsilon' as const, epsilon: 0.3, topK: 5 };
    const rng = new Rng(11);
    const n = 40_000;
    const seen = new Map<string, number>();
    const logged = new Map<string, number>();
    let malformed = 0;
    for (let q = 0; q < n; q++) {
      const r = exploreRanking(POOL, 3, exploration, rng);
      if (new Set(r.items).size !== 3) malformed++;
      r.items.forEach((item, p) => {
        const key = `${item}@${p}`;
        seen.set(key, (seen.get(key) ?? 0) + 1);
        logged.set(key, r.propensities[p]);
      });
    }
    expect(malformed).toBe(0);
    for (const [key, count] of seen) expect(Math.abs(count / n - (logged.get(key) ?? 0))).toBeLessThan(0.01);
    // Items outside the pool are never shown; the model's first item is at 0 with 1 - eps + eps / 5.
    expect([...seen.keys()].some((k) => k.startsWith('i5') || k.startsWith('i7'))).toBe(false);
    expect(logged.get('i0@0')).toBeCloseTo(0.7 + 0.3 / 5, 12);
    expect(logged.get('i4@0')).toBeCloseTo(0.3 / 5, 12);
  });

  it('propensities of one position sum to 1 over the pool, also with k larger than the pool', () => {
    for (let p = 0; p < 4; p++) {
      let s = 0;
      for (let rank = 0; rank < 8; rank++) s += propensityAt(rank, p, 4, 0.25);
      expect(s).toBeCloseTo(1, 12);
    }
    const r = exploreRanking(POOL, 6, { kind: 'epsilon', epsilon: 1, topK: 3 }, new Rng(2));
    expect(r.items.slice(3)).toEqual(['i3', 'i4', 'i5']);
    expect(r.propensities.slice(3)).toEqual([1, 1, 1]);
    expect(r.propensities.slice(0, 3)).toEqual([1 / 3, 1 / 3, 1 / 3]);
  });

  it('draws the same list for the same request id', () => {
    const e = { kind: 'epsilon' as const, epsilon: 0.9, topK: 8 };
    const a = exploreRanking(POOL, 4, e, requestRng('req-1'));
    expect(exploreRanking(POOL, 4, e, requestRng('req-1'))).toEqual(a);
  });

  it('validates the config, naming the field', () => {
    expect(explorationSchema.safeParse({ kind: 'epsilon', epsilon: 0.1, topK: 20 }).success).toBe(true);
    const bad = explorationSchema.safeParse({ kind: 'epsilon', epsilon: 0, topK: 20 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0].path).toEqual(['epsilon']);
    expect(explorationSchema.safeParse({ kind: 'epsilon', epsilon: 0.1, topK: 20, temp: 1 }).success).toBe(false);
    expect(explorationSchema.safeParse({ kind: 'softmax', epsilon: 0.1, topK: 20 }).success).toBe(false);
    const config = {
      id: 'x',
      salt: 's',
      variants: [{ name: 'a', weight: 1, alias: 'champion', exploration: { kind: 'epsilon', epsilon: 2, topK: 5 } }],
    };
    expect(() => parseExperiment(config, 'x.json')).toThrow(/x\.json, field "variants\[0\]\.exploration\.epsilon": .*\(got 2\)/);
    const rate = { id: 'x', salt: 's', variants: [{ name: 'a', weight: 1, alias: 'champion', logFeatures: 1.5 }] };
    expect(() => parseExperiment(rate, 'x.json')).toThrow(/field "variants\[0\]\.logFeatures"/);
  });
});
