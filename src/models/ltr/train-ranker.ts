/**
 * Training the scorer with the pairwise, weighted logistic ranking loss of Freno et al. (KDD 2015)
 * plus an elastic net on the weights (not the biases), optimised with Adam:
 *
 *   L = sum_pairs w_ij log(1 + exp(-(s_i - s_j))) / sum w_ij + l1 sum|W| + l2 sum W^2
 *
 * Two modes: `epochs` (shuffled mini-batches, early stopping on a validation score, best weights
 * kept) and `one-pass` (every pair seen exactly once, groups in time order, as in the paper; see
 * also `trainStream` for groups that arrive as a stream). Seeded: same seed, same backend, same
 * data -> identical weights.
 */
import { DataError } from '../../errors.js';
import { Rng } from '../../util/random.js';
import type { tf } from '../backend.js';
import { type PreparedGroup, packBatches, prepareGroups, type TrainingGroup } from './batches.js';
import { restoreWeights, scorerInputDim, snapshotWeights, usesItemIndex } from './mlp.js';
import { TrainingSession } from './session.js';
import { onePass } from './stream.js';
import { EpochMeter, type EpochStats, resolveTrainOptions, summarise, type TrainOptions, type TrainResult } from './train-options.js';

export type { BatchInfo, EpochStats, TrainOptions, TrainParams, TrainResult } from './train-options.js';
export { TRAIN_DEFAULTS } from './train-options.js';

/** Orders groups by `ts` (stable); every group needs one in one-pass mode. */
function timeOrder(prepared: readonly PreparedGroup[]): PreparedGroup[] {
  for (const g of prepared) {
    if (g.group.ts === undefined || !Number.isFinite(g.group.ts)) {
      throw new DataError(`training group ${g.index} has no ts; one-pass mode trains groups in time order`, { field: 'ts' });
    }
  }
  return [...prepared].sort((a, b) => (a.group.ts as number) - (b.group.ts as number) || a.index - b.index);
}

/**
 * Trains `model` (from `createScorer`, or loaded) in place on `groups`.
 * @returns the learning curve and throughput; the model holds the best weights found.
 * @throws DataError naming the group, row and feature of malformed input; RangeError for bad knobs.
 */
export async function trainRanker(
  model: tf.LayersModel,
  groups: readonly TrainingGroup[],
  options: TrainOptions = {},
): Promise<TrainResult> {
  const o = resolveTrainOptions(options);
  const prepared = prepareGroups(groups, scorerInputDim(model), usesItemIndex(model));
  const groupsWithoutPairs = prepared.filter((g) => g.pairs.w.length === 0).length;
  if (o.mode === 'one-pass') return onePass(model, timeOrder(prepared), o, groupsWithoutPairs);

  const session = new TrainingSession(model, o);
  const rng = new Rng(o.seed);
  const order = [...prepared];
  const curve: EpochStats[] = [];
  let best: { epoch: number; valid: number; weights: Float32Array[] } | undefined;
  let stale = 0;
  let stoppedEarly = false;
  try {
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      rng.shuffle(order);
      const meter = new EpochMeter();
      for (const batch of packBatches(order, o.batchPairs)) {
        const t0 = performance.now();
        const r = session.step(batch);
        meter.add(r, performance.now() - t0);
        o.onBatch?.({ epoch, groups: r.groupIndices, pairs: r.pairs, rows: r.rows, loss: r.loss });
      }
      const stats = meter.stats(epoch, session.penalty());
      if (o.validate) {
        const valid = await o.validate();
        stats.valid = valid;
        if (!best || valid > best.valid + o.minDelta) {
          best = { epoch, valid, weights: snapshotWeights(model) };
          stale = 0;
        } else stale++;
      }
      curve.push(stats);
      o.onEpoch?.(stats);
      if (stale >= o.patience && epoch < o.epochs) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    session.dispose();
  }
  const last = curve[curve.length - 1].epoch;
  if (best && best.epoch !== last) restoreWeights(model, best.weights);
  return summarise(o, curve, { bestEpoch: best?.epoch ?? last, bestValid: best?.valid, stoppedEarly, groupsWithoutPairs });
}
