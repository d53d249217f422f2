/**
 * What the service needs from a loaded model version, whatever its kind (TF.js ranker or a
 * baseline). The registry builds one from a verified model directory; `serve/` only sees this.
 */
import type { ScorerReport } from '../models/scoring/scorer.js';

/** One ranked item. */
export interface ScoredItem {
  itemId: string;
  score: number;
}

/** A recommendation request after validation (see serve/schemas.ts). */
export interface RecommendQuery {
  userId: string;
  /** The item on the page, for product-page recommendations. */
  itemId?: string;
  /** How many items to return (1..100). */
  k: number;
  /** Restrict ranking to these ids (<= 1000); otherwise the model generates candidates. */
  candidates?: readonly string[];
  /** Ids never to return. */
  exclude?: readonly string[];
}

/** Feature vectors of some items, row-major. */
export interface FeatureRows {
  names: readonly string[];
  /** itemIds.length x names.length values. */
  values: Float32Array;
}

/** One TensorFlow Serving style instance: score `itemId` for `userId` (optionally in the context of an item). */
export interface PredictInstance {
  userId: string;
  itemId: string;
  contextItemId?: string;
}

/** A model version ready to serve. Methods are synchronous and never throw for unknown ids. */
export interface ServableModel {
  readonly name: string;
  readonly version: number;
  /** "ltr-mlp", "popularity", "cooccurrence", ... as named in the manifest. */
  readonly kind: string;
  /** The version's manifest.json, as loaded and verified. */
  readonly manifest: Readonly<Record<string, unknown>>;
  /** Ranked recommendations; unknown users get a non-personal ranking. */
  recommend(query: RecommendQuery): ScoredItem[];
  /** The given items re-ranked (all of them, unknown ones last with their low score). */
  rank(userId: string, itemIds: readonly string[]): ScoredItem[];
  /** Scores in instance order (TF Serving `predict`). */
  predict(instances: readonly PredictInstance[]): number[];
  /**
   * The raw feature vectors (before normalisation) the model scores `itemIds` with for this user
   * and context, one row of `names.length` values per item: what feature logging records. Absent
   * for kinds without a feature store.
   */
  featureRows?(userId: string, itemIds: readonly string[], contextItemId?: string): FeatureRows;
  /** A model scorer's engine (onnxruntime or TF.js) and why; absent for heuristic kinds. */
  readonly scoring?: ScorerReport;
  /** Representative requests to run before reporting ready. */
  readonly warmup: readonly RecommendQuery[];
  /** Frees tensors; called after the version is swapped out and in-flight requests finished. */
  dispose(): void;
}
