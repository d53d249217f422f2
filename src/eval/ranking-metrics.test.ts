import { describe, expect, it } from 'vitest';
import { rankByScore } from './ranking.js';
import {
  auc,
  averagePrecisionAtK,
  catalogueCoverage,
  hitRateAtK,
  ndcgAtK,
  positionsInList,
  recallAtK,
  reciprocalRank,
} from './ranking-metrics.js';

const ranked = ['a', 'b', 'c', 'd', 'e'];
const L3 = 1 / Math.log2(3); // discount at rank 1
const L5 = 1 / Math.log2(5); // discount at rank 3

describe('NDCG@k', () => {
  it('matches hand-computed values', () => {
    // Relevant b (rank 1) and d (rank 3); ideal DCG over min(k, 2) = 2 items: 1 + 1/log2(3).
    expect(ndcgAtK(ranked, ['b', 'd'], 3)).toBeCloseTo(L3 / (1 + L3), 12);
    expect(ndcgAtK(ranked, ['b', 'd'], 5)).toBeCloseTo((L3 + L5) / (1 + L3), 12);
    expect(ndcgAtK(ranked, ['b', 'd'], 1)).toBe(0);
    expect(ndcgAtK(ranked, ['a'], 1)).toBe(1);
    expect(ndcgAtK(ranked, ['a', 'b'], 5)).toBeCloseTo(1, 12);
  });

  it('uses an ideal DCG over min(k, |relevant|)', () => {
    // Three relevant, k = 1: ideal is one item at the top, which a hit at rank 0 achieves.
    expect(ndcgAtK(ranked, ['a', 'c', 'e'], 1)).toBe(1);
    // k = 2: only a (rank 0) is in the top 2, ideal has 2 hits.
    expect(ndcgAtK(ranked, ['a', 'c', 'e'], 2)).toBeCloseTo(1 / (1 + L3), 12);
  });

  it('handles k larger than the list and relevant items missing from it', () => {
    expect(ndcgAtK(['a', 'b'], ['b', 'zz'], 10)).toBeCloseTo(L3 / (1 + L3), 12);
  });

  it('counts a repeated relevant id once', () => {
    expect(ndcgAtK(ranked, ['b', 'b', 'd'], 5)).toBeCloseTo(ndcgAtK(ranked, ['b', 'd'], 5), 12);
  });
});

describe('AP@k', () => {
  it('matches hand-computed values, normalised by min(k, |relevant|)', () => {
    // b at rank 1: precision 1/2; d at rank 3: precision 2/4.
    expect(averagePrecisionAtK(ranked, ['b', 'd'], 5)).toBeCloseTo((1 / 2 + 2 / 4) / 2, 12);
    expect(averagePrecisionAtK(ranked, ['b', 'd'], 3)).toBeCloseTo(1 / 2 / 2, 12);
    // a: 1/1, c: 2/3, x is not in the list but counts in |relevant| = 3.
    expect(averagePrecisionAtK(ranked, ['a', 'c', 'x'], 5)).toBeCloseTo((1 + 2 / 3) / 3, 12);
    expect(averagePrecisionAtK(ranked, ['a', 'c', 'x'], 2)).toBeCloseTo(1 / 2, 12);
    expect(averagePrecisionAtK(ranked, ['e'], 20)).toBeCloseTo(1 / 5, 12);
  });
});

describe('Recall@k and HitRate@k', () => {
  it('matches hand-computed values', () => {
    expect(recallAtK(ranked, ['b', 'd'], 3)).toBe(0.5);
    expect(recallAtK(ranked, ['b', 'd'], 5)).toBe(1);
    expect(recallAtK(ranked, ['b', 'd', 'x', 'y'], 50)).toBe(0.5);
    expect(hitRateAtK(ranked, ['b', 'd'], 1)).toBe(0);
    expect(hitRateAtK(ranked, ['b', 'd'], 2)).toBe(1);
    expect(hitRateAtK(ranked, ['zz'], 10)).toBe(0);
  });
});

describe('reciprocal rank', () => {
  it('is 1 / (rank + 1) of the first relevant item, 0 when none is ranked', () => {
    expect(reciprocalRank(ranked, ['d', 'e'])).toBe(1 / 4);
    expect(reciprocalRank(ranked, ['a'])).toBe(1);
    expect(reciprocalRank(ranked, ['zz'])).toBe(0);
  });
});

describe('AUC', () => {
  it('is the share of (relevant, non-relevant) pairs ordered correctly', () => {
    // b beats c and e; d beats e; 3 of the 2 x 3 pairs.
    expect(auc(ranked, ['b', 'd'])).toBe(0.5);
    expect(auc(ranked, ['a', 'b'])).toBe(1);
    expect(auc(ranked, ['d', 'e'])).toBe(0);
    expect(auc(ranked, ['a', 'c'])).toBeCloseTo(5 / 6, 12);
  });

  it('is undefined without non-relevant items', () => {
    expect(() => auc(['a', 'b'], ['a', 'b'])).toThrow('AUC is undefined with 2 relevant and 0 non-relevant');
  });
});

describe('ties, through rankByScore', () => {
  it('a model scoring everything equal is judged on the catalogue order', () => {
    const catalogue = ['p', 'q', 'r', 's'];
    const flat = rankByScore(catalogue, new Float32Array(4));
    expect(reciprocalRank(flat, ['s'])).toBe(1 / 4);
    expect(ndcgAtK(flat, ['p'], 1)).toBe(1);
  });

  it('a tie between a relevant and a non-relevant item is broken by catalogue position', () => {
    const catalogue = ['x', 'rel', 'y'];
    // x and rel tie at the top; x comes first in the catalogue, so rel is second.
    const order = rankByScore(catalogue, [1, 1, 0]);
    expect(order).toEqual(['x', 'rel', 'y']);
    expect(reciprocalRank(order, ['rel'])).toBe(1 / 2);
    expect(auc(order, ['rel'])).toBe(0.5);
  });
});

describe('empty relevant set', () => {
  it('throws: the metric is undefined, and the protocol excludes such users', () => {
    for (const f of [
      () => ndcgAtK(ranked, [], 5),
      () => averagePrecisionAtK(ranked, [], 5),
      () => recallAtK(ranked, [], 5),
      () => hitRateAtK(ranked, [], 5),
      () => reciprocalRank(ranked, []),
      () => auc(ranked, []),
    ]) {
      expect(f).toThrow('the relevant set is empty');
    }
  });
});

describe('catalogue coverage@k', () => {
  it('counts distinct items in any top k over the catalogue size', () => {
    const lists = [
      ['a', 'b', 'c'],
      ['a', 'd', 'e'],
    ];
    expect(catalogueCoverage(lists, 10, 2)).toBe(3 / 10);
    expect(catalogueCoverage(lists, 10, 10)).toBe(5 / 10);
    expect(catalogueCoverage([], 10, 5)).toBe(0);
    expect(() => catalogueCoverage(lists, 0, 5)).toThrow('catalogueSize must be a positive integer, got 0');
  });
});

describe('positionsInList', () => {
  it('reports ranks ascending, the relevant count and the list length', () => {
    expect(positionsInList(['a', 'b', 'c', 'a'], ['c', 'a', 'zz'])).toEqual({ ranks: [0, 2], relevantCount: 3, listLength: 4 });
  });
});
