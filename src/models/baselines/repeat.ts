/**
 * The user's own items: what they interacted with before (strongest and most recent first), then
 * popular items scaled below them. Strong on replenishment-heavy data (Online Retail's wholesale
 * buyers re-order the same stock), useless for discovery: the baseline a personal model must beat.
 */

import { UsageError } from '../../errors.js';
import { decay } from '../../features/popularity.js';
import type { FeatureStore } from '../../features/store.js';
import type { RankRequest } from '../ranker.js';
import { BaselineRanker, knob } from './common.js';

/** Knobs of the repeat baseline. */
export interface RepeatOptions {
  /** Half-life (days) of the weight of an own item since its last interaction (default Infinity: no decay). */
  recencyHalfLifeDays?: number;
  /** Popular items score fallbackScale x normalised popularity, below every own item (default 0.5, < 1). */
  fallbackScale?: number;
}

/** Own items score 1 + log(1 + weight) x decay (>= 1); others fallbackScale x popularity (< 1). */
export class RepeatRanker extends BaselineRanker {
  readonly name = 'repeat';
  readonly params: Readonly<Record<string, number>>;
  private readonly halfLife: number;
  private readonly fallback: Float32Array;

  constructor(store: FeatureStore, opts: RepeatOptions = {}) {
    super(store);
    this.halfLife = knob(this.name, 'recencyHalfLifeDays', opts.recencyHalfLifeDays ?? Number.POSITIVE_INFINITY, {
      min: Number.MIN_VALUE,
      allowInfinity: true,
    });
    const scale = knob(this.name, 'fallbackScale', opts.fallbackScale ?? 0.5);
    if (scale >= 1) throw new UsageError(`repeat ranker: fallbackScale must be below 1 (own items score >= 1), got ${scale}`);
    this.params = { recencyHalfLifeDays: this.halfLife, fallbackScale: scale };
    this.fallback = Float32Array.from(this.items.popNorm, (p, i) => scale * p + this.items.tie[i]);
  }

  protected scoreKnown(req: RankRequest, idx: Int32Array, out: Float32Array): void {
    for (let r = 0; r < idx.length; r++) if (idx[r] >= 0) out[r] = this.fallback[idx[r]];
    const profile = this.store.user(req.userId);
    if (!profile) return;
    const own = new Map<number, number>();
    for (const h of profile.history) {
      const i = this.items.index.get(h.itemId);
      if (i === undefined) continue;
      const rec = this.halfLife === Number.POSITIVE_INFINITY ? 1 : decay(this.store.cutoff - h.lastTs, this.halfLife);
      own.set(i, 1 + Math.log1p(h.weight) * rec + this.items.tie[i]);
    }
    for (let r = 0; r < idx.length; r++) {
      const s = own.get(idx[r]);
      if (s !== undefined) out[r] = s;
    }
  }
}
