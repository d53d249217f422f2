/**
 * The baseline rankers, and a factory by kind (what a model directory's manifest names), so the
 * evaluation, the pipeline and the service can build any baseline from a FeatureStore and knobs.
 */

import { UsageError } from '../../errors.js';
import type { FeatureStore } from '../../features/store.js';
import type { Ranker } from '../ranker.js';
import { AttributeRanker, type AttributeRankerOptions } from './attributes.js';
import { CooccurrenceRanker, type CooccurrenceRankerOptions } from './cooccurrence.js';
import { type PopularityOptions, PopularityRanker } from './popularity.js';
import { type RepeatOptions, RepeatRanker } from './repeat.js';

export { AttributeRanker, type AttributeRankerOptions } from './attributes.js';
export { BaselineRanker, TIE_WEIGHT, UNKNOWN_ITEM_SCORE } from './common.js';
export { CooccurrenceRanker, type CooccurrenceRankerOptions } from './cooccurrence.js';
export { type PopularityOptions, PopularityRanker } from './popularity.js';
export { type RepeatOptions, RepeatRanker } from './repeat.js';

/** Baseline kinds, as named in manifests and reports. */
export const BASELINE_KINDS = ['popularity', 'repeat', 'cooccurrence', 'attributes'] as const;
export type BaselineKind = (typeof BASELINE_KINDS)[number];

/** Knobs per baseline kind. */
export interface BaselineParams {
  popularity: PopularityOptions;
  repeat: RepeatOptions;
  cooccurrence: CooccurrenceRankerOptions;
  attributes: AttributeRankerOptions;
}

/** Whether a string names a baseline kind. */
export function isBaselineKind(value: string): value is BaselineKind {
  return (BASELINE_KINDS as readonly string[]).includes(value);
}

/**
 * Builds a baseline ranker of `kind` over a store.
 * @throws UsageError for an unknown kind or a bad knob (naming it and its value).
 */
export function createBaseline<K extends BaselineKind>(kind: K, store: FeatureStore, params: BaselineParams[K] = {}): Ranker {
  switch (kind) {
    case 'popularity':
      return new PopularityRanker(store, params as PopularityOptions);
    case 'repeat':
      return new RepeatRanker(store, params as RepeatOptions);
    case 'cooccurrence':
      return new CooccurrenceRanker(store, params as CooccurrenceRankerOptions);
    case 'attributes':
      return new AttributeRanker(store, params as AttributeRankerOptions);
    default:
      throw new UsageError(`unknown baseline "${String(kind)}"; use one of ${BASELINE_KINDS.join(', ')}`);
  }
}
