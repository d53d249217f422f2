/**
 * Matrix factorisation (BPR, features/bpr.ts) as a baseline: item factors fitted on the store's
 * point-in-time interactions (a fitted item state, published in the version's tables), the user's
 * vector folded in from their history at scoring time, score = b_c + u . v_c. The item on the page
 * counts as one more history item. A user without history gets u = 0, i.e. the item biases: a
 * popularity-like ranking.
 */
import { BPR_FACTORS, type BprModel, type BprParams, bprParams, bprScore, foldInUser } from '../../features/bpr.js';
import { itemStateUse } from '../../features/item-state.js';
import { type FeatureStore, fittedItemState } from '../../features/store.js';
import type { RankRequest } from '../ranker.js';
import { BaselineRanker } from './common.js';

/** Knobs of the BPR baseline: the fitting knobs (features/bpr.ts BprParams), each optional. */
export type BprOptions = Partial<BprParams>;

/** score(c) = b_c + u . v_c + tie-break, u folded in from the history (and the context item). */
export class BprRanker extends BaselineRanker {
  readonly name = 'bpr';
  readonly params: Readonly<Record<string, number>>;
  /** The fitted item factors and biases (shared with the store's cache: do not mutate). */
  readonly model: BprModel;
  private readonly u: Float32Array;

  constructor(store: FeatureStore, opts: BprOptions = {}) {
    super(store);
    const params = bprParams(opts);
    this.params = { ...params };
    this.model = fittedItemState(store, itemStateUse(BPR_FACTORS, params));
    this.u = new Float32Array(params.factors);
  }

  /** The user's folded-in vector for this request (a fresh copy). */
  userVector(req: Pick<RankRequest, 'userId' | 'contextItemId'>): Float32Array {
    const known = new Set<number>();
    for (const h of this.store.user(req.userId)?.history ?? []) {
      const i = this.items.index.get(h.itemId);
      if (i !== undefined) known.add(i);
    }
    const ctx = req.contextItemId === undefined ? undefined : this.items.index.get(req.contextItemId);
    if (ctx !== undefined) known.add(ctx);
    // Ascending indices: the order the feature layer holds a history in, so both fold in alike.
    return foldInUser(this.model, Int32Array.from(known).sort(), this.u).slice();
  }

  protected scoreKnown(req: RankRequest, idx: Int32Array, out: Float32Array): void {
    const u = this.userVector(req);
    for (let r = 0; r < idx.length; r++) if (idx[r] >= 0) out[r] = bprScore(this.model, u, idx[r]) + this.items.tie[idx[r]];
  }
}
