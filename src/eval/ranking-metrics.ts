/**
 * Offline ranking metrics for ONE user: binary relevance, a ranked list, a relevant set. Each metric
 * has two forms: over a ranked list of ids (the readable one, for notebooks and known-answer tests)
 * and over {@link RelevantPositions} (the fast one the protocol uses: where the relevant items
 * landed in the full catalogue ranking, from `relevantRanks`). Both forms share one implementation.
 *
 * Definitions (k is a cut-off, ranks are 0-based):
 * - NDCG@k: DCG = sum over relevant items in the top k of 1 / log2(rank + 2); divided by the ideal
 *   DCG of min(k, |relevant|) relevant items at the top.
 * - AP@k (MAP@k is its mean over users): sum over relevant items in the top k of precision at
 *   their position, divided by min(k, |relevant|).
 * - Recall@k: relevant items in the top k / |relevant|. HitRate@k: 1 if any, else 0.
 * - Reciprocal rank (MRR is its mean): 1 / (rank + 1) of the first relevant item, 0 if none.
 * - AUC: the share of (relevant, non-relevant) pairs where the relevant item ranks first, over the
 *   full catalogue ranking.
 * A user with no relevant item has no defined metric: these functions throw, and the protocol
 * excludes (and counts) such users.
 */
import { InvalidArgumentError } from '../errors.js';
import { discount } from './ndcg.js';

/** Where one user's relevant items landed in a ranking. */
export interface RelevantPositions {
  /** 0-based ranks of the relevant items found in the list, ascending. */
  ranks: readonly number[];
  /** Size of the relevant set (relevant items missing from the list count as misses). */
  relevantCount: number;
  /** Length of the ranked list (the catalogue size for a full ranking). */
  listLength: number;
}

function assertK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError(`k must be a positive integer, got ${k}`);
}

function assertRelevant(p: RelevantPositions): void {
  if (p.relevantCount < 1) {
    throw new InvalidArgumentError('the relevant set is empty: the metric is undefined (the protocol excludes such users)');
  }
}

/**
 * Locates the relevant items in a ranked list (duplicated ids in `relevant` count once).
 * @param ranked - item ids, best first; for AUC it must be the full catalogue ranking.
 */
export function positionsInList(ranked: readonly string[], relevant: Iterable<string>): RelevantPositions {
  const want = new Set(relevant);
  const relevantCount = want.size;
  const ranks: number[] = [];
  // Deleting on a hit makes a repeated id in `ranked` count once, at its best rank.
  for (let i = 0; i < ranked.length && want.size > 0; i++) if (want.delete(ranked[i])) ranks.push(i);
  return { ranks, relevantCount, listLength: ranked.length };
}

/** NDCG@k from positions (binary gains, log2 discount, ideal over min(k, |relevant|)). */
export function ndcgFromPositions(p: RelevantPositions, k: number): number {
  assertK(k);
  assertRelevant(p);
  let dcg = 0;
  for (const r of p.ranks) {
    if (r >= k) break;
    dcg += discount(r);
  }
  let ideal = 0;
  const n = Math.min(k, p.relevantCount);
  for (let i = 0; i < n; i++) ideal += discount(i);
  return dcg / ideal;
}

/** AP@k from positions, normalised by min(k, |relevant|). */
export function averagePrecisionFromPositions(p: RelevantPositions, k: number): number {
  assertK(k);
  assertRelevant(p);
  let sum = 0;
  for (let i = 0; i < p.ranks.length; i++) {
    const r = p.ranks[i];
    if (r >= k) break;
    sum += (i + 1) / (r + 1);
  }
  return sum / Math.min(k, p.relevantCount);
}

/** Relevant items in the top k, from positions. */
function hitsAtK(p: RelevantPositions, k: number): number {
  let hits = 0;
  for (const r of p.ranks) {
    if (r >= k) break;
    hits++;
  }
  return hits;
}

/** Recall@k from positions: relevant items in the top k / |relevant|. */
export function recallFromPositions(p: RelevantPositions, k: number): number {
  assertK(k);
  assertRelevant(p);
  return hitsAtK(p, k) / p.relevantCount;
}

/** HitRate@k from positions: 1 when any relevant item is in the top k, else 0. */
export function hitRateFromPositions(p: RelevantPositions, k: number): number {
  assertK(k);
  assertRelevant(p);
  return p.ranks.length > 0 && p.ranks[0] < k ? 1 : 0;
}

/** Reciprocal rank of the first relevant item, from positions (0 when none is in the list). */
export function reciprocalRankFromPositions(p: RelevantPositions): number {
  assertRelevant(p);
  return p.ranks.length > 0 ? 1 / (p.ranks[0] + 1) : 0;
}

/**
 * AUC from positions over a full ranking: the share of (relevant, non-relevant) pairs ordered
 * correctly. Relevant items absent from the list are ignored (they cannot be compared).
 * @throws WorkbenchError when the list has no relevant or no non-relevant item (AUC undefined).
 */
export function aucFromPositions(p: RelevantPositions): number {
  assertRelevant(p);
  const m = p.ranks.length;
  const negatives = p.listLength - m;
  if (m === 0 || negatives === 0) {
    throw new InvalidArgumentError(`AUC is undefined with ${m} relevant and ${negatives} non-relevant items in the ranking`);
  }
  let correct = 0;
  // The i-th relevant item (in rank order) has (listLength - 1 - rank) items below it, of which
  // (m - 1 - i) are relevant; the rest are non-relevant items it beats.
  for (let i = 0; i < m; i++) correct += p.listLength - 1 - p.ranks[i] - (m - 1 - i);
  return correct / (m * negatives);
}

/** NDCG@k of a ranked list (see the module notes for the definition). */
export function ndcgAtK(ranked: readonly string[], relevant: Iterable<string>, k: number): number {
  return ndcgFromPositions(positionsInList(ranked, relevant), k);
}

/** AP@k of a ranked list (MAP@k is its mean over users). */
export function averagePrecisionAtK(ranked: readonly string[], relevant: Iterable<string>, k: number): number {
  return averagePrecisionFromPositions(positionsInList(ranked, relevant), k);
}

/** Recall@k of a ranked list. */
export function recallAtK(ranked: readonly string[], relevant: Iterable<string>, k: number): number {
  return recallFromPositions(positionsInList(ranked, relevant), k);
}

/** HitRate@k of a ranked list. */
export function hitRateAtK(ranked: readonly string[], relevant: Iterable<string>, k: number): number {
  return hitRateFromPositions(positionsInList(ranked, relevant), k);
}

/** Reciprocal rank of the first relevant item in a full ranking (MRR is its mean over users). */
export function reciprocalRank(ranked: readonly string[], relevant: Iterable<string>): number {
  return reciprocalRankFromPositions(positionsInList(ranked, relevant));
}

/** AUC of a full catalogue ranking. */
export function auc(ranked: readonly string[], relevant: Iterable<string>): number {
  return aucFromPositions(positionsInList(ranked, relevant));
}

/**
 * Catalogue coverage@k across users: distinct items in any user's top k / catalogue size.
 * @param rankedLists - each user's ranking, best first (only the first k of each is read).
 */
export function catalogueCoverage(rankedLists: Iterable<readonly string[]>, catalogueSize: number, k: number): number {
  assertK(k);
  if (!Number.isInteger(catalogueSize) || catalogueSize < 1) {
    throw new InvalidArgumentError(`catalogueSize must be a positive integer, got ${catalogueSize}`);
  }
  const seen = new Set<string>();
  for (const list of rankedLists) for (let i = 0; i < Math.min(k, list.length); i++) seen.add(list[i]);
  return seen.size / catalogueSize;
}
