/**
 * Turning one user's scores over the catalogue into what the metrics need, without sorting the
 * whole catalogue: the top k (a bounded heap, O(n log k)) and the 0-based ranks of the relevant
 * items (one counting pass, O(n log m)). Every metric is a function of those two things.
 *
 * The tie rule, everywhere: higher score first, then lower catalogue index first. A model that
 * scores every item the same therefore yields exactly the catalogue order, and rankings never
 * depend on sort stability or engine details.
 */
import { InvalidArgumentError, WorkbenchError } from '../errors.js';

/** Scores aligned with a catalogue: `scores[i]` belongs to item `i`. */
export type Scores = ArrayLike<number>;

/** True when item `a` ranks before item `b` (score desc, then index asc). */
function before(scores: Scores, a: number, b: number): boolean {
  const sa = scores[a];
  const sb = scores[b];
  return sa > sb || (sa === sb && a < b);
}

/**
 * Throws unless every score is a finite number (NaN would make any ordering meaningless).
 * @param what - names the source in the message, e.g. `ranker "popularity" (user "u1")`.
 */
export function assertFiniteScores(scores: Scores, itemIds?: readonly string[], what = 'scores'): void {
  for (let i = 0; i < scores.length; i++) {
    const s = scores[i];
    if (typeof s !== 'number' || !Number.isFinite(s)) {
      const item = itemIds ? `item "${itemIds[i]}"` : `index ${i}`;
      throw new WorkbenchError('bad_scores', `${what} has a non-finite score ${String(s)} for ${item}`);
    }
  }
}

function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError(`k must be a positive integer, got ${k}`);
}

/**
 * The full ranking of `itemIds` by `scores`: score descending, ties by position in `itemIds`
 * ascending. A full sort; the evaluation uses {@link topKIndices} and {@link relevantRanks}.
 * @throws WorkbenchError when lengths differ or a score is not finite.
 */
export function rankByScore(itemIds: readonly string[], scores: Scores): string[] {
  if (itemIds.length !== scores.length) {
    throw new InvalidArgumentError(`rankByScore: ${scores.length} scores for ${itemIds.length} items`);
  }
  assertFiniteScores(scores, itemIds);
  const idx = Array.from(itemIds.keys());
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.map((i) => itemIds[i]);
}

/**
 * Indices of the `k` best-ranked items, best first (fewer when there are fewer items).
 * Scores must be finite (see {@link assertFiniteScores}).
 */
export function topKIndices(scores: Scores, k: number): number[] {
  assertK(k);
  const n = scores.length;
  const size = Math.min(k, n);
  // Min-heap whose root is the WORST of the current top k.
  const heap: number[] = [];
  const siftDown = (start: number): void => {
    let i = start;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let worst = i;
      if (l < size && before(scores, heap[worst], heap[l])) worst = l;
      if (r < size && before(scores, heap[worst], heap[r])) worst = r;
      if (worst === i) return;
      [heap[i], heap[worst]] = [heap[worst], heap[i]];
      i = worst;
    }
  };
  for (let i = 0; i < size; i++) heap.push(i);
  for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(i);
  // Items arrive in index order, so a later item ties the root only at a higher index: it never
  // wins a tie, and a strict score comparison suffices.
  for (let j = size; j < n; j++) {
    if (scores[j] > scores[heap[0]]) {
      heap[0] = j;
      siftDown(0);
    }
  }
  return heap.sort((a, b) => scores[b] - scores[a] || a - b);
}

/**
 * 0-based ranks, ascending, that the items at `relevantIdx` get in the full ranking of `scores`
 * (the number of items ranked before each one, under the tie rule). No sort of the catalogue:
 * each item is placed among the m relevant items by binary search, so the cost is O(n log m).
 * @throws WorkbenchError when an index is out of range or repeated.
 */
export function relevantRanks(scores: Scores, relevantIdx: ArrayLike<number>): number[] {
  const n = scores.length;
  const m = relevantIdx.length;
  const seen = new Set<number>();
  for (let i = 0; i < m; i++) {
    const r = relevantIdx[i];
    if (!Number.isInteger(r) || r < 0 || r >= n) throw new InvalidArgumentError(`relevant index ${r} is outside 0..${n - 1}`);
    if (seen.has(r)) throw new InvalidArgumentError(`relevant index ${r} is repeated`);
    seen.add(r);
  }
  if (m === 0) return [];
  // The relevant items in ranking order.
  const rel = Array.from(seen).sort((a, b) => scores[b] - scores[a] || a - b);
  const relScore = rel.map((r) => scores[r]);
  // firstBeaten[p] counts the items whose best-ranked outranked relevant item is rel[p].
  const firstBeaten = new Int32Array(m);
  const lastScore = relScore[m - 1];
  const lastIdx = rel[m - 1];
  for (let j = 0; j < n; j++) {
    const s = scores[j];
    // Most items rank below every relevant one: skip them without a search.
    if (s < lastScore || (s === lastScore && j >= lastIdx)) continue;
    let lo = 0;
    let hi = m - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (s > relScore[mid] || (s === relScore[mid] && j < rel[mid])) hi = mid;
      else lo = mid + 1;
    }
    firstBeaten[lo]++;
  }
  const ranks: number[] = new Array(m);
  let acc = 0;
  for (let p = 0; p < m; p++) {
    acc += firstBeaten[p];
    ranks[p] = acc;
  }
  return ranks;
}
