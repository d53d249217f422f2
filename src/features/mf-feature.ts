/**
 * The matrix-factorisation score as a ranker feature, `mf_score`, in the feature set "mf" (the 23
 * built-ins plus this one; the default set is unchanged). Its item state is BPR's factors and
 * biases (bpr.ts) fitted on the store's window at the defaults, the same fit as the `bpr` kind's
 * first grid setting; the user is folded in from their live history, as the `bpr` kind does.
 *
 *   workbench eval --source synthetic --feature-set mf
 */
import { BPR_FACTORS, bprParams, bprScore, foldInUser } from './bpr.js';
import type { FeatureDefinition } from './definition.js';
import { itemStateUse } from './item-state.js';

/** Name of the feature set of the built-ins plus `mf_score`. */
export const MF_FEATURE_SET = 'mf';

/** The fitted state `mf_score` reads: BPR at its defaults (BPR_DEFAULTS). */
export const MF_SCORE_STATE = itemStateUse(BPR_FACTORS, bprParams());

/** b_c + u . v_c of BPR, u folded in from the user's history (u = 0 without one, leaving the item bias). */
export const MF_SCORE: FeatureDefinition = {
  name: 'mf_score',
  doc: 'BPR matrix-factorisation score b_c + u . v_c, the user folded in from their history: collaborative signal beyond the items bought together',
  scope: 'user_item',
  version: 1,
  itemState: MF_SCORE_STATE,
  fill(req, out, col, stride) {
    const model = req.items.fitted.get(MF_SCORE_STATE);
    const u = foldInUser(model, req.user?.items ?? new Int32Array(0));
    const cands = req.candidates;
    for (let r = 0; r < cands.length; r++) if (cands[r] >= 0) out[r * stride + col] = bprScore(model, u, cands[r]);
  },
};
