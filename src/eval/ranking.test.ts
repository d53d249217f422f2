import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import { assertFiniteScores, rankByScore, relevantRanks, topKIndices } from './ranking.js';

/** Reference: the full ranking as indices, by the documented tie rule. */
function fullRanking(scores: ArrayLike<number>): number[] {
  return Array.from({ length: scores.length }, (_, i) => i).sort((a, b) => scores[b] - scores[a] || a - b);
}

describe('rankByScore', () => {
  it('orders by score descending, ties by catalogue position', () => {
    expect(rankByScore(['a', 'b', 'c', 'd', 'e'], [1, 3, 3, 1, 2])).toEqual(['b', 'c', 'e', 'a', 'd']);
  });

  it('gives exactly the catalogue order when every score is equal', () => {
    const ids = ['z', 'y', 'x', 'w', 'v', 'u'];
    expect(rankByScore(ids, new Float32Array(ids.length).fill(0.5))).toEqual(ids);
  });

  it('rejects a length mismatch and non-finite scores, naming the item', () => {
    expect(() => rankByScore(['a', 'b'], [1])).toThrow('rankByScore: 1 scores for 2 items');
    expect(() => rankByScore(['a', 'b'], [1, Number.NaN])).toThrow('non-finite score NaN for item "b"');
    expect(() => assertFiniteScores([0, Number.POSITIVE_INFINITY])).toThrow('non-finite score Infinity for index 1');
  });
});

describe('topKIndices', () => {
  it('returns the best k, best first, with ties by index', () => {
    expect(topKIndices([1, 3, 3, 1, 2], 3)).toEqual([1, 2, 4]);
    expect(topKIndices([0, 0, 0, 0], 2)).toEqual([0, 1]);
  });

  it('returns the whole ranking when k exceeds the list', () => {
    expect(topKIndices([0.2, 0.9, 0.5], 10)).toEqual([1, 2, 0]);
  });

  it('agrees with a full sort on random scores with many ties', () => {
    const rng = new Rng(7);
    for (let trial = 0; trial < 50; trial++) {
      const n = 1 + rng.int(200);
      const scores = Float32Array.from({ length: n }, () => rng.int(8) / 4);
      const k = 1 + rng.int(30);
      expect(topKIndices(scores, k)).toEqual(fullRanking(scores).slice(0, k));
    }
  });

  it('rejects a k that is not a positive integer', () => {
    expect(() => topKIndices([1, 2], 0)).toThrow('k must be a positive integer, got 0');
    expect(() => topKIndices([1, 2], 2.5)).toThrow('got 2.5');
  });
});

describe('relevantRanks', () => {
  it('counts items ranked before each relevant one, ties by index', () => {
    // Full ranking: b(1) c(2) e(4) a(0) d(3).
    expect(relevantRanks([1, 3, 3, 1, 2], [3, 2])).toEqual([1, 4]);
    expect(relevantRanks([1, 3, 3, 1, 2], [0])).toEqual([3]);
  });

  it('gives catalogue positions when every score is equal', () => {
    expect(relevantRanks(new Float32Array(10), [7, 2, 9])).toEqual([2, 7, 9]);
  });

  it('agrees with a full sort on random scores with many ties', () => {
    const rng = new Rng(11);
    for (let trial = 0; trial < 50; trial++) {
      const n = 2 + rng.int(300);
      const scores = Float32Array.from({ length: n }, () => rng.int(6));
      const m = 1 + rng.int(Math.min(n, 12));
      const rel = rng.shuffle(Array.from({ length: n }, (_, i) => i)).slice(0, m);
      const order = fullRanking(scores);
      const expected = rel.map((r) => order.indexOf(r)).sort((a, b) => a - b);
      expect(relevantRanks(scores, rel)).toEqual(expected);
    }
  });

  it('rejects out-of-range and repeated indices', () => {
    expect(() => relevantRanks([1, 2, 3], [3])).toThrow('relevant index 3 is outside 0..2');
    expect(() => relevantRanks([1, 2, 3], [1, 1])).toThrow('relevant index 1 is repeated');
    expect(relevantRanks([1, 2, 3], [])).toEqual([]);
  });
});
