/**
 * The TensorFlow.js learning-to-rank model: scorer, training groups, pairwise training, the
 * Ranker wrapper and quick group metrics. `src/index.ts` re-exports from here.
 */
export { type AssembledBatch, BatchAssembler, packBatches, prepareGroups, type TrainingGroup } from './batches.js';
export { evaluateGroups, type GroupMetrics } from './group-metrics.js';
export { type BuildGroupsOptions, type BuiltGroups, buildTrainingGroups, type GroupFeatureSource, type GroupsReport } from './groups.js';
export { LTR_MLP, type LtrMlpParams } from './kind.js';
export { LtrRanker, type LtrRankerOptions, type RankerFeatureSource } from './ltr-ranker.js';
export {
  createScorer,
  DEFAULT_HIDDEN,
  LTR_KIND,
  restoreWeights,
  type ScorerOptions,
  scoreRows,
  scorerInputDim,
  snapshotWeights,
  usesItemIndex,
} from './mlp.js';
export { type GroupPairs, groupPairs, LossScratch, type PairBatch, pairwiseLoss } from './pairs.js';
export { type PlantedOptions, plantedGroups } from './planted-groups.js';
export { trainStream } from './stream.js';
export {
  type BatchInfo,
  type EpochStats,
  TRAIN_DEFAULTS,
  type TrainOptions,
  type TrainParams,
  type TrainResult,
  trainRanker,
} from './train-ranker.js';
