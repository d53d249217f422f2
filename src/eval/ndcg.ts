/**
 * The one NDCG: log2 discount, linear gains, ideal DCG over the k largest gains. Used by the
 * offline metrics (binary gains, src/eval/ranking-metrics.ts), the evaluation against known preferences
 * (graded gains, src/eval/truth.ts) and training (validation NDCG and LambdaRank weights,
 * src/models/ltr/). Rankings order by score, best first, ties by the lower index.
 */
import { topKIndices } from './ranking.js';

// 1 / log2(rank + 2), cached: the same few hundred values are needed for every user and pair.
const discounts: number[] = [];

/** DCG discount at 0-based rank `rank`: 1 / log2(rank + 2). */
export function discount(rank: number): number {
  for (let r = discounts.length; r <= rank; r++) discounts.push(1 / Math.log2(r + 2));
  return discounts[rank];
}

/** DCG of the items at `ranked` (indices into `gains`, best first). */
export function dcgOf(ranked: ArrayLike<number>, gains: ArrayLike<number>): number {
  let dcg = 0;
  for (let r = 0; r < ranked.length; r++) dcg += gains[ranked[r]] * discount(r);
  return dcg;
}

/** Ideal DCG: the DCG of the `k` largest gains (all of them by default) at the top. */
export function idealDcg(gains: ArrayLike<number>, k = Number.POSITIVE_INFINITY): number {
  const sorted = Float64Array.from(gains).sort().reverse();
  let dcg = 0;
  for (let r = 0; r < Math.min(k, sorted.length) && sorted[r] > 0; r++) dcg += sorted[r] * discount(r);
  return dcg;
}

/**
 * NDCG@k of the ranking by `scores` against per-item `gains` (0 when every gain is 0). No
 * argument checks: {@link import('./truth.js').gradedNdcgAtK} is the checked public form.
 */
export function ndcgOfScores(scores: ArrayLike<number>, gains: ArrayLike<number>, k: number): number {
  const ranked = topKIndices(scores, k); // also checks k
  const ideal = idealDcg(gains, k);
  return ideal > 0 ? dcgOf(ranked, gains) / ideal : 0;
}
