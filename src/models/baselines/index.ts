/**
 * The baseline rankers, their model kinds (baselines/kinds.ts, registered in src/models/kinds.ts)
 * and a typed factory by kind, so the evaluation, the pipeline and the service can build any
 * baseline from a FeatureStore and knobs.
 */

import { UsageError } from '../../errors.js';
import type { FeatureStore } from '../../features/store.js';
import { type HeuristicKind, kindParams, modelKinds } from '../kinds.js';
import type { Ranker } from '../ranker.js';
import type { AttributeRankerOptions } from './attributes.js';
import type { BprOptions } from './bpr.js';
import type { CooccurrenceRankerOptions } from './cooccurrence.js';
import type { ItemKnnOptions } from './item-knn.js';
import type { PopularityOptions } from './popularity.js';
import type { RepeatOptions } from './repeat.js';

export { AttributeRanker, type AttributeRankerOptions } from './attributes.js';
export { ATTRIBUTES, BASELINE_MODEL_KINDS, BPR, COOCCURRENCE, ITEM_KNN, POPULARITY, REPEAT } from './baseline-kinds.js';
export { type BprOptions, BprRanker } from './bpr.js';
export { BaselineRanker, TIE_WEIGHT, UNKNOWN_ITEM_SCORE } from './common.js';
export { CooccurrenceRanker, type CooccurrenceRankerOptions } from './cooccurrence.js';
export { ITEM_KNN_NEIGHBOURS, type ItemKnnOptions, ItemKnnRanker, itemCosineNeighbours, KNN_MAX_NEIGHBOURS } from './item-knn.js';
export { type PopularityOptions, PopularityRanker } from './popularity.js';
export { type RepeatOptions, RepeatRanker } from './repeat.js';

/** Baseline kinds, as named in manifests and reports: the built-in heuristic kinds (BASELINE_MODEL_KINDS). */
export const BASELINE_KINDS = ['popularity', 'repeat', 'cooccurrence', 'attributes', 'item-knn', 'bpr'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

/** Knobs per baseline kind. */
export interface BaselineParams {
  popularity: PopularityOptions;
  repeat: RepeatOptions;
  cooccurrence: CooccurrenceRankerOptions;
  attributes: AttributeRankerOptions;
  'item-knn': ItemKnnOptions;
  bpr: BprOptions;
}

/** Whether a string names a baseline kind. */
export function isBaselineKind(value: string): value is BaselineKind {
  return (BASELINE_KINDS as readonly string[]).includes(value);
}

/**
 * Builds a baseline ranker of `kind` over a store: a built-in baseline (typed knobs), or by name
 * any registered heuristic kind (src/models/kinds.ts), e.g. a TunedBaseline's `kind`. Knobs are
 * merged over the kind's defaults.
 * @throws UsageError for an unknown kind or a bad knob (naming it and its value).
 */
export function createBaseline<K extends BaselineKind>(kind: K, store: FeatureStore, params?: BaselineParams[K]): Ranker;
export function createBaseline(kind: string, store: FeatureStore, params?: object): Ranker;
export function createBaseline(kind: string, store: FeatureStore, params: object = {}): Ranker {
  const heuristics = modelKinds('heuristic');
  const found: HeuristicKind | undefined = heuristics.find((k) => k.name === kind);
  if (!found) throw new UsageError(`unknown baseline "${String(kind)}"; use one of ${heuristics.map((k) => k.name).join(', ')}`);
  return found.create(store, kindParams(found, params));
}
