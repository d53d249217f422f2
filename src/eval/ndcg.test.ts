import { describe, expect, it } from 'vitest';
import { dcgOf, discount, idealDcg, ndcgOfScores } from './ndcg.js';
import { ndcgFromPositions, positionsInList } from './ranking-metrics.js';

describe('ndcg', () => {
  it('graded NDCG@k by hand: rank by score, DCG of the top k over the DCG of the k largest gains', () => {
    // Ranking 1, 3, 2, 0 -> gains 2, 1, 0 in the top 3; ideal 3, 2, 1.
    expect(ndcgOfScores([0.1, 0.9, 0.5, 0.7], [3, 2, 0, 1], 3)).toBeCloseTo(0.5525004989384911, 12);
    expect(discount(0)).toBe(1);
    expect(discount(2)).toBe(0.5);
    expect(dcgOf([1, 0], [3, 2])).toBeCloseTo(2 + 3 / Math.log2(3), 12);
    expect(idealDcg([0, 1, 0, 2])).toBeCloseTo(2 + 1 / Math.log2(3), 12); // zeros add nothing, k unbounded
  });

  it('breaks ties by the lower index, and is 0 when no gain is positive', () => {
    // Equal scores: item 0 first (gain 1), then item 1 (gain 0).
    expect(ndcgOfScores([5, 5], [1, 0], 1)).toBe(1);
    expect(ndcgOfScores([5, 5], [0, 1], 1)).toBe(0);
    expect(ndcgOfScores([5, 5], [0, 1], 2)).toBeCloseTo(1 / Math.log2(3), 12);
    expect(ndcgOfScores([1, 2], [0, 0], 2)).toBe(0);
    expect(() => ndcgOfScores([1, 2], [1, 0], 0)).toThrow(/k must be a positive integer/);
  });

  it('with binary gains equals the offline metric computed from positions', () => {
    const items = ['a', 'b', 'c', 'd', 'e', 'f'];
    const scores = [0.3, 0.8, 0.1, 0.6, 0.9, 0.2];
    const relevant = ['b', 'c', 'f'];
    const ranked = items
      .map((id, i) => ({ id, s: scores[i] }))
      .sort((x, y) => y.s - x.s)
      .map((x) => x.id);
    const gains = items.map((id) => (relevant.includes(id) ? 1 : 0));
    for (const k of [1, 2, 3, 5, 10])
      expect(ndcgOfScores(scores, gains, k)).toBeCloseTo(ndcgFromPositions(positionsInList(ranked, relevant), k), 12);
  });
});
