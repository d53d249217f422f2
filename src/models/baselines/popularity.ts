/**
 * Global popularity with recency decay: every user gets the items with the most (decayed,
 * strength-weighted) interactions before the cutoff. The non-personal floor every model must beat.
 */

import { UsageError } from '../../errors.js';
import type { FeatureStore } from '../../features/store.js';
import type { RankRequest } from '../ranker.js';
import { BaselineRanker, knob } from './common.js';

/** Knobs of the popularity baseline. */
export interface PopularityOptions {
  /**
   * Half-life of the decay in days: one of POPULARITY_HALF_LIVES_DAYS (1, 3, 7, 14, 30, 60, 120,
   * 365), the store's own, or Infinity (no decay: all-time counts). Default: the store's own.
   */
  halfLifeDays?: number;
}

/** A store that keeps popularity at several half-lives (TableFeatureStore does). */
interface PopularityLadder {
  popularityVector(halfLifeDays: number): Float32Array;
}

function hasLadder(store: FeatureStore): store is FeatureStore & PopularityLadder {
  return typeof (store as Partial<PopularityLadder>).popularityVector === 'function';
}

/** Scores = log(1 + decayed popularity), normalised to [0, 1], plus the tie-break. */
export class PopularityRanker extends BaselineRanker {
  readonly name = 'popularity';
  readonly params: Readonly<Record<string, number>>;
  private readonly base: Float32Array;

  constructor(store: FeatureStore, opts: PopularityOptions = {}) {
    super(store);
    const n = store.itemIds.length;
    let pop: ArrayLike<number>;
    if (opts.halfLifeDays === undefined) {
      pop = Float64Array.from(store.itemIds, (id) => store.popularity(id).recent);
    } else {
      knob(this.name, 'halfLifeDays', opts.halfLifeDays, { min: Number.MIN_VALUE, allowInfinity: true });
      if (!hasLadder(store)) throw new UsageError('popularity ranker: halfLifeDays needs a store that keeps several half-lives');
      pop = store.popularityVector(opts.halfLifeDays);
    }
    this.params = opts.halfLifeDays === undefined ? {} : { halfLifeDays: opts.halfLifeDays };
    let max = 0;
    for (let i = 0; i < n; i++) max = Math.max(max, Math.log1p(pop[i]));
    this.base = Float32Array.from({ length: n }, (_, i) => (max > 0 ? Math.log1p(pop[i]) / max : 0) + this.items.tie[i]);
  }

  protected scoreKnown(_req: RankRequest, idx: Int32Array, out: Float32Array): void {
    for (let r = 0; r < idx.length; r++) if (idx[r] >= 0) out[r] = this.base[idx[r]];
  }
}
