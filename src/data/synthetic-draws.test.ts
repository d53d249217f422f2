import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import { drawDistinctByPrefix, ReleasedPool } from './synthetic-draws.js';

/**
 * The reference: how the O(users x items) generator drew a session's items (its drawDistinct):
 * `Rng.weighted` over the pool, zeroing each drawn weight, stopping at a weight of 0.
 */
function scan(rng: Rng, weights: readonly number[], k: number): number[] {
  const w = Float64Array.from(weights);
  const out: number[] = [];
  for (let j = 0; j < k && j < w.length; j++) {
    const p = rng.weighted(w);
    if (w[p] <= 0) break;
    out.push(p);
    w[p] = 0;
  }
  return out;
}

/** Random weights, some of them 0, and at times spanning many orders of magnitude. */
function randomWeights(rng: Rng, len: number): number[] {
  const skewed = rng.chance(0.3);
  return Array.from({ length: len }, () => (rng.chance(0.1) ? 0 : skewed ? Math.exp(8 * rng.normal()) : rng.next()));
}

describe('drawDistinctByPrefix', () => {
  it('draws what the scan draws from the same uniforms, and uses as many of them', () => {
    const gen = new Rng(1);
    for (let trial = 0; trial < 2000; trial++) {
      const len = 1 + gen.int(trial < 1000 ? 12 : 300);
      const weights = randomWeights(gen, len);
      const cum: number[] = [];
      weights.reduce((s, w, p) => {
        cum[p] = p === 0 ? w : s + w;
        return cum[p];
      }, 0);
      const k = 1 + gen.int(len + 3);
      const seed = gen.int(2 ** 31);
      const [a, b] = [new Rng(seed), new Rng(seed)];
      expect(drawDistinctByPrefix(a, weights, cum, len, len, len - 1, k), `trial ${trial}`).toEqual(scan(b, weights, k));
      expect(a.next()).toBe(b.next());
    }
  });

  it('draws nothing from an empty pool', () => {
    const rng = new Rng(3);
    expect(drawDistinctByPrefix(rng, [], [], 0, 0, -1, 4)).toEqual([]);
    expect(rng.next()).toBe(new Rng(3).next());
  });
});

describe('ReleasedPool', () => {
  it('draws what the scan over the released positions draws, from the same uniforms', () => {
    const gen = new Rng(2);
    const periodStart = 1_000;
    for (let trial = 0; trial < 600; trial++) {
      const len = gen.int(trial < 300 ? 40 : 2500);
      const weights = randomWeights(gen, len);
      // Most positions released from the start, the rest later (some never within the sessions).
      const releasedAt = Float64Array.from({ length: len }, () =>
        gen.chance(0.7) ? periodStart - gen.int(2) : periodStart + 1 + gen.int(1000),
      );
      const pool = new ReleasedPool(releasedAt, periodStart);
      const sums = pool.sums(weights);
      for (let session = 0; session < 4; session++) {
        const start = periodStart + gen.int(1100);
        const released = Array.from({ length: len }, (_, p) => p).filter((p) => releasedAt[p] <= start);
        const k = 1 + gen.int(12);
        const seed = gen.int(2 ** 31);
        const [a, b] = [new Rng(seed), new Rng(seed)];
        const expected = scan(
          b,
          released.map((p) => weights[p]),
          k,
        ).map((j) => released[j]);
        expect(pool.draw(a, weights, sums, start, k), `trial ${trial}, session ${session}`).toEqual(expected);
        expect(a.next()).toBe(b.next());
      }
    }
  });

  it('reuses its sums for new weights, and draws nothing when nothing is released yet', () => {
    const releasedAt = Float64Array.from([5, 0, 9, 0]);
    const pool = new ReleasedPool(releasedAt, 0);
    const sums = pool.sums([1, 1, 1, 1]);
    expect(pool.sums([0, 2, 0, 3], sums)).toBe(sums);
    const rng = new Rng(9);
    expect(pool.draw(rng, [0, 2, 0, 3], sums, 1, 10).sort()).toEqual([1, 3]);
    expect(
      new ReleasedPool(Float64Array.from([5, 6]), 0).draw(
        rng,
        [1, 1],
        { early: new Float64Array(1), lateCum: Float64Array.from([1, 2]) },
        1,
        3,
      ),
    ).toEqual([]);
  });
});
