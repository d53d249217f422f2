/**
 * Quick quality measures of a scorer on labelled groups: NDCG@k (linear gains = strengths) and
 * pairwise accuracy. Handy as the `validate` callback of training; the offline evaluation proper
 * (src/eval) ranks full candidate lists through the Ranker contract.
 */

import { ndcgOfScores } from '../../eval/ndcg.js';
import type { tf } from '../backend.js';
import type { TrainingGroup } from './batches.js';
import { scoreRows, scorerInputDim, usesItemIndex } from './mlp.js';

/** Mean metrics over the groups that have at least one positive (and, for accuracy, one pair). */
export interface GroupMetrics {
  ndcg: number;
  pairwiseAccuracy: number;
  /** Groups that counted towards NDCG. */
  groups: number;
  /** Pairs that counted towards accuracy. */
  pairs: number;
}

/** Rows scored per forward pass when evaluating many groups. */
const CHUNK_ROWS = 16_384;

/**
 * Scores every group (stacked, a few large forward passes) and averages NDCG@k and pairwise
 * accuracy (pairs with different labels; a tie counts half).
 */
export function evaluateGroups(model: tf.LayersModel, groups: readonly TrainingGroup[], k = 10): GroupMetrics {
  const dim = scorerInputDim(model);
  const embed = usesItemIndex(model);
  let ndcgSum = 0;
  let ndcgGroups = 0;
  let correct = 0;
  let pairs = 0;
  for (let start = 0; start < groups.length; ) {
    let rows = 0;
    let end = start;
    while (end < groups.length && (end === start || rows + groups[end].labels.length <= CHUNK_ROWS)) rows += groups[end++].labels.length;
    const x = new Float32Array(rows * dim);
    const ids = embed ? new Int32Array(rows) : undefined;
    let off = 0;
    for (let g = start; g < end; g++) {
      x.set(groups[g].features, off * dim);
      if (ids && groups[g].itemIndex) ids.set(groups[g].itemIndex as Int32Array, off);
      off += groups[g].labels.length;
    }
    const scores = scoreRows(model, x, rows, ids);
    off = 0;
    for (let g = start; g < end; g++) {
      const labels = groups[g].labels;
      const s = scores.subarray(off, off + labels.length);
      off += labels.length;
      if (labels.some((l) => l > 0)) {
        ndcgSum += ndcgOfScores(s, labels, k);
        ndcgGroups++;
      }
      for (let i = 0; i < labels.length; i++) {
        for (let j = 0; j < labels.length; j++) {
          if (labels[i] <= labels[j]) continue;
          pairs++;
          correct += s[i] > s[j] ? 1 : s[i] === s[j] ? 0.5 : 0;
        }
      }
    }
    start = end;
  }
  return {
    ndcg: ndcgGroups > 0 ? ndcgSum / ndcgGroups : 0,
    pairwiseAccuracy: pairs > 0 ? correct / pairs : 0,
    groups: ndcgGroups,
    pairs,
  };
}
