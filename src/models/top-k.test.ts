import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { topK } from './ranker.js';

/** The definition: every candidate sorted by score desc, ties by candidate order, first k. */
function reference(candidates: string[], scores: Float32Array, k: number) {
  const idx = Array.from(candidates.keys());
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, Math.max(0, k)).map((i) => ({ itemId: candidates[i], score: scores[i] }));
}

describe('topK', () => {
  it('keeps the same items in the same order as sorting everything, ties included', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -5, max: 5 }), { maxLength: 700 }), fc.integer({ min: 0, max: 120 }), (raw, k) => {
        const scores = Float32Array.from(raw, (v) => v / 4); // few distinct values: many ties
        const candidates = raw.map((_, i) => `i${i}`);
        expect(topK(candidates, scores, k)).toEqual(reference(candidates, scores, k));
      }),
      { numRuns: 400 },
    );
  });

  it('the same order for any float32 scores: spread values, -0 and 0, infinities, NaN', () => {
    const score = fc.oneof(
      { weight: 8, arbitrary: fc.float() },
      { weight: 1, arbitrary: fc.constantFrom(0, -0, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e-45, -1e-45) },
    );
    fc.assert(
      fc.property(fc.array(score, { maxLength: 600 }), fc.integer({ min: 0, max: 700 }), (raw, k) => {
        const scores = Float32Array.from(raw);
        const candidates = raw.map((_, i) => `i${i}`);
        expect(topK(candidates, scores, k)).toEqual(reference(candidates, scores, k));
      }),
      { numRuns: 400 },
    );
  });

  it('returns 10 of 500 best first, and nothing for k <= 0', () => {
    const scores = Float32Array.from({ length: 500 }, (_, i) => Math.sin(i));
    const ids = Array.from({ length: 500 }, (_, i) => `i${i}`);
    const top = topK(ids, scores, 10);
    expect(top).toHaveLength(10);
    expect(top).toEqual(reference(ids, scores, 10));
    expect(topK(ids, scores, 0)).toEqual([]);
    expect(topK(ids, scores, -3)).toEqual([]);
  });
});
