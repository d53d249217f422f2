/**
 * A `ServableModel` over any `Ranker` and the FeatureStore its version ships with: candidate
 * generation when the request gives none, exclusions, top-k, re-ranking, and TF Serving predict.
 */
import type { FeatureStore } from '../features/store.js';
import { type Ranker, type RawFeatureScorer, topK } from '../models/ranker.js';
import type { ScorerReport } from '../models/scoring/scorer.js';
import type { FeatureRows, PredictInstance, RecommendQuery, ScoredItem, ServableModel } from './servable.js';

/** Candidates generated per request when the storefront sends none. */
export const SERVING_CANDIDATES = 500;

/** Parts of a RankerServable. */
export interface RankerServableParts {
  name: string;
  version: number;
  kind: string;
  manifest: Readonly<Record<string, unknown>>;
  ranker: Ranker;
  store: FeatureStore;
  warmup: readonly RecommendQuery[];
}

/** Serves one model version. */
export class RankerServable implements ServableModel {
  readonly name: string;
  readonly version: number;
  readonly kind: string;
  readonly manifest: Readonly<Record<string, unknown>>;
  readonly warmup: readonly RecommendQuery[];
  readonly scoring?: ScorerReport;
  private readonly ranker: Ranker;
  private readonly store: FeatureStore;
  /** Candidates and features in one store call, then this: when the store and the ranker offer it. */
  private readonly rawScorer: RawFeatureScorer | undefined;

  constructor(parts: RankerServableParts) {
    this.name = parts.name;
    this.version = parts.version;
    this.kind = parts.kind;
    this.manifest = parts.manifest;
    this.warmup = parts.warmup;
    this.ranker = parts.ranker;
    this.scoring = parts.ranker.scoring;
    this.store = parts.store;
    this.rawScorer = parts.store.candidateFeatures ? parts.ranker.rawFeatureScorer?.(parts.store.contract) : undefined;
  }

  recommend(query: RecommendQuery): ScoredItem[] {
    const drop = new Set(query.exclude ?? []);
    if (query.itemId !== undefined) drop.add(query.itemId); // never recommend the page's own item
    if (!query.candidates && this.rawScorer && this.store.candidateFeatures) {
      // The same items and scores as below, with one pass over the user's state instead of two.
      const { ids, values } = this.store.candidateFeatures(query.userId, { contextItemId: query.itemId, limit: SERVING_CANDIDATES, drop });
      return ids.length === 0 ? [] : topK(ids, this.rawScorer(values, ids), query.k);
    }
    const pool = query.candidates ?? this.store.candidates(query.userId, { contextItemId: query.itemId, limit: SERVING_CANDIDATES });
    const candidates = [...new Set(pool)].filter((id) => !drop.has(id));
    if (candidates.length === 0) return [];
    const scores = this.ranker.score({ userId: query.userId, candidates, contextItemId: query.itemId });
    return topK(candidates, scores, query.k);
  }

  rank(userId: string, itemIds: readonly string[]): ScoredItem[] {
    if (itemIds.length === 0) return [];
    const scores = this.ranker.score({ userId, candidates: itemIds });
    return topK(itemIds, scores, itemIds.length);
  }

  featureRows(userId: string, itemIds: readonly string[], contextItemId?: string): FeatureRows {
    return { names: this.store.contract.names, values: this.store.features(userId, itemIds, contextItemId) };
  }

  predict(instances: readonly PredictInstance[]): number[] {
    const out = new Array<number>(instances.length);
    // One scoring call per (user, context) keeps TF Serving batches efficient.
    const groups = new Map<string, number[]>();
    instances.forEach((inst, i) => {
      const key = `${inst.userId}\u0000${inst.contextItemId ?? ''}`;
      const g = groups.get(key);
      if (g) g.push(i);
      else groups.set(key, [i]);
    });
    for (const idx of groups.values()) {
      const first = instances[idx[0]];
      const scores = this.ranker.score({
        userId: first.userId,
        candidates: idx.map((i) => instances[i].itemId),
        contextItemId: first.contextItemId,
      });
      idx.forEach((i, j) => {
        out[i] = scores[j];
      });
    }
    return out;
  }

  dispose(): void {
    this.ranker.dispose();
  }
}
