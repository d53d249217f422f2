/**
 * The pairwise, weighted logistic ranking loss (Freno et al., KDD 2015) computed in plain
 * TypeScript from the scores of one forward pass:
 *
 *   L = sum_pairs w_ij * log(1 + exp(-(s_i - s_j))) / sum w_ij
 *
 * Every row of a group is scored once and all of the group's pairs are formed from those scores,
 * so both sides of every pair come from ONE forward pass over stacked rows. The loss only depends
 * on the scores, so its gradient dL/ds (one value per row) is computed here and the network's
 * gradient is that of sum(s * dL/ds): no gather and no dense pair matrix on the tensor side.
 */
import { discount } from '../../eval/ndcg.js';

/** The pairs of one group, in local row indices: row `i` should rank above row `j`. */
export interface GroupPairs {
  i: Int32Array;
  j: Int32Array;
  /** Base weight: label_i - label_j (for a positive against a negative, the positive's strength). */
  w: Float32Array;
}

/**
 * Every ordered pair (i, j) of a group with label_i > label_j. A positive against a negative gets
 * the positive's strength as weight; two positives of different strength (a purchase over a view)
 * get the difference, so a weak preference counts less than a clear one. Optional per-row sampling
 * `weights` multiply in (both rows' weights), making the sum an estimate over the whole catalogue.
 */
export function groupPairs(labels: ArrayLike<number>, weights?: ArrayLike<number>): GroupPairs {
  const n = labels.length;
  let count = 0;
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (labels[a] > labels[b]) count++;
  const out: GroupPairs = { i: new Int32Array(count), j: new Int32Array(count), w: new Float32Array(count) };
  let k = 0;
  for (let a = 0; a < n; a++) {
    for (let b = 0; b < n; b++) {
      if (labels[a] > labels[b]) {
        out.i[k] = a;
        out.j[k] = b;
        out.w[k] = (labels[a] - labels[b]) * (weights ? weights[a] * weights[b] : 1);
        k++;
      }
    }
  }
  return out;
}

/** A batch of pairs over stacked rows (indices are batch rows), with group boundaries for ranks. */
export interface PairBatch {
  /** Rows in the batch. */
  rows: number;
  /** Pairs in the batch. */
  pairs: number;
  pairI: Int32Array;
  pairJ: Int32Array;
  /** Base pair weights (label differences). */
  pairW: Float32Array;
  /** Labels per row (for the lambda weights). */
  labels: Float32Array;
  /** Groups in the batch. */
  groups: number;
  /** Row offset of each group; group g spans rows [groupStart[g], groupStart[g + 1]). */
  groupStart: Int32Array;
  /** Ideal DCG of each group (linear gains), for the lambda weights. */
  idcg: Float32Array;
}

/** log(1 + exp(-d)) without overflow. */
export function softplusNeg(d: number): number {
  return d > 0 ? Math.log1p(Math.exp(-d)) : -d + Math.log1p(Math.exp(d));
}

/** Reusable buffers for `pairwiseLoss` (allocated once per training run, grown on demand). */
export class LossScratch {
  /** dL/ds per row. */
  grad = new Float32Array(0);
  /** Effective pair weights. */
  weight = new Float32Array(0);
  /** 0-based rank of each row inside its group (lambda weights). */
  rank = new Int32Array(0);
  private order: number[] = [];

  /** Makes room for `rows` rows and `pairs` pairs. */
  reserve(rows: number, pairs: number): void {
    if (this.grad.length < rows) {
      this.grad = new Float32Array(rows);
      this.rank = new Int32Array(rows);
    }
    if (this.weight.length < pairs) this.weight = new Float32Array(pairs);
  }

  /** Ranks rows of every group by score (desc, ties by row) into `this.rank`. */
  rankWithinGroups(scores: ArrayLike<number>, batch: PairBatch): void {
    for (let g = 0; g < batch.groups; g++) {
      const start = batch.groupStart[g];
      const end = batch.groupStart[g + 1];
      const order = this.order;
      order.length = 0;
      for (let r = start; r < end; r++) order.push(r);
      order.sort((a, b) => scores[b] - scores[a] || a - b);
      for (let k = 0; k < order.length; k++) this.rank[order[k]] = k;
    }
  }
}

/**
 * Weighted pairwise logistic loss of a batch and its gradient with respect to each row's score.
 * @param scores - one score per batch row.
 * @param lambda - multiply each pair's weight by its rank-based |delta NDCG| factor
 * |discount(rank_i) - discount(rank_j)| / IDCG, with ranks from the current scores (LambdaRank).
 * With linear gains, |delta NDCG| = (label_i - label_j) x that factor, so the pair weight stays
 * "strength of the positive x rank weight".
 * @returns the weighted mean pair loss and the weight total (for epoch averages); fills `scratch.grad`.
 */
export function pairwiseLoss(
  scores: ArrayLike<number>,
  batch: PairBatch,
  lambda: boolean,
  scratch: LossScratch,
): { loss: number; weight: number } {
  scratch.reserve(batch.rows, batch.pairs);
  const { grad, weight } = scratch;
  grad.fill(0, 0, batch.rows);
  if (lambda) scratch.rankWithinGroups(scores, batch);
  let total = 0;
  for (let k = 0; k < batch.pairs; k++) {
    let w = batch.pairW[k];
    if (lambda) {
      const i = batch.pairI[k];
      const j = batch.pairJ[k];
      w *= Math.abs(discount(scratch.rank[i]) - discount(scratch.rank[j])) / groupIdcg(batch, i);
    }
    weight[k] = w;
    total += w;
  }
  if (!(total > 0)) return { loss: 0, weight: 0 };
  let loss = 0;
  for (let k = 0; k < batch.pairs; k++) {
    const i = batch.pairI[k];
    const j = batch.pairJ[k];
    const d = scores[i] - scores[j];
    const w = weight[k] / total;
    loss += w * softplusNeg(d);
    // d/dd log(1 + exp(-d)) = -sigmoid(-d) = -1 / (1 + exp(d))
    const g = -w / (1 + Math.exp(d));
    grad[i] += g;
    grad[j] -= g;
  }
  return { loss, weight: total };
}

/** IDCG of the group holding batch row `row` (binary search over group starts). */
function groupIdcg(batch: PairBatch, row: number): number {
  let lo = 0;
  let hi = batch.groups - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (batch.groupStart[mid] <= row) lo = mid;
    else hi = mid - 1;
  }
  return batch.idcg[lo] || 1;
}
