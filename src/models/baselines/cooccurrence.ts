/**
 * "Counting" collaborative filtering: an item scores the sum of its co-occurrence (cosine) with
 * every item in the user's history, plus its co-occurrence with the item on the page. The classic
 * item-to-item recommender, and the strongest simple baseline on basket data.
 */
import { decay } from '../../features/popularity.js';
import type { FeatureStore } from '../../features/store.js';
import type { RankRequest } from '../ranker.js';
import { BaselineRanker, knob } from './common.js';

/** Knobs of the co-occurrence baseline. */
export interface CooccurrenceRankerOptions {
  /** Neighbours used per history item (at most what the store keeps; default: all it keeps). */
  neighbours?: number;
  /** Weight of the context item's neighbours relative to one history item (default 1). */
  contextWeight?: number;
  /** Half-life (days) weighting history items by how recently the user touched them (default Infinity). */
  recencyHalfLifeDays?: number;
  /** Weight of normalised popularity added to every item (default 0: popularity only breaks ties). */
  popularityWeight?: number;
}

/** score(c) = sum_h w_h sim_k(h, c) + contextWeight sim_k(ctx, c) + popularityWeight pop(c) + tie-break. */
export class CooccurrenceRanker extends BaselineRanker {
  readonly name = 'cooccurrence';
  readonly params: Readonly<Record<string, number>>;
  private readonly k: number;
  private readonly contextWeight: number;
  private readonly halfLife: number;
  private readonly base: Float32Array;

  constructor(store: FeatureStore, opts: CooccurrenceRankerOptions = {}) {
    super(store);
    this.k = knob(this.name, 'neighbours', opts.neighbours ?? Number.POSITIVE_INFINITY, { min: 1, integer: true, allowInfinity: true });
    this.contextWeight = knob(this.name, 'contextWeight', opts.contextWeight ?? 1);
    this.halfLife = knob(this.name, 'recencyHalfLifeDays', opts.recencyHalfLifeDays ?? Number.POSITIVE_INFINITY, {
      min: Number.MIN_VALUE,
      allowInfinity: true,
    });
    const popWeight = knob(this.name, 'popularityWeight', opts.popularityWeight ?? 0);
    this.params = {
      neighbours: this.k,
      contextWeight: this.contextWeight,
      recencyHalfLifeDays: this.halfLife,
      popularityWeight: popWeight,
    };
    this.base = Float32Array.from(this.items.popNorm, (p, i) => popWeight * p + this.items.tie[i]);
  }

  protected scoreKnown(req: RankRequest, idx: Int32Array, out: Float32Array): void {
    const acc = new Map<number, number>();
    const add = (itemId: string, weight: number) => {
      const list = this.store.neighbours(itemId);
      const n = Math.min(list.length, this.k);
      for (let k = 0; k < n; k++) {
        const j = this.items.index.get(list[k].itemId);
        if (j !== undefined) acc.set(j, (acc.get(j) ?? 0) + weight * list[k].score);
      }
    };
    const profile = this.store.user(req.userId);
    if (profile) {
      for (const h of profile.history) {
        add(h.itemId, this.halfLife === Number.POSITIVE_INFINITY ? 1 : decay(this.store.cutoff - h.lastTs, this.halfLife));
      }
    }
    if (req.contextItemId !== undefined && this.contextWeight > 0) add(req.contextItemId, this.contextWeight);
    for (let r = 0; r < idx.length; r++) if (idx[r] >= 0) out[r] = (acc.get(idx[r]) ?? 0) + this.base[idx[r]];
  }
}
