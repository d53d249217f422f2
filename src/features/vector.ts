/**
 * The feature vectors of (user, candidate) pairs, in FEATURE_NAMES order (see contract.ts for what
 * each feature is and why it helps). One pass over the user's history neighbours fills the scratch
 * arrays; each candidate then costs a constant number of array reads.
 */
import { attributeSimilarityAt } from './attributes.js';
import { FEATURE_INDEX as F, FEATURE_NAMES } from './contract.js';
import { DAY_MS, decay } from './popularity.js';
import { accumulate, type Runtime, release } from './runtime.js';

/** Number of features (columns of the matrix `computeFeatures` returns). */
export const FEATURE_DIM = FEATURE_NAMES.length;

// Column offsets as plain constants (the hot loop reads them per candidate).
const POP = F.log_pop;
const POP_RECENT = F.log_pop_recent;
const AGE = F.log_item_age_days;
const CO_SUM = F.log_cooc_sum;
const CO_MAX = F.cooc_max;
const CO_RECENT = F.log_cooc_recent;
const CO_CTX = F.cooc_context;
const ATTR_CTX = F.attr_sim_context;
const UI_WEIGHT = F.log_user_item_weight;
const BOUGHT = F.bought_before;
const UI_RECENCY = F.user_item_recency;
const UI_PURCHASES = F.log_user_item_purchases;
const UI_SHARE = F.user_item_share;
const UI_GAP = F.log_item_gap_ratio;
const REPEAT = F.repeat_propensity;
const REPEAT_X_BOUGHT = F.repeat_x_bought;
const BRAND = F.brand_affinity;
const COLOUR = F.colour_affinity;
const CATEGORY = F.category_affinity;
const PRICE_BAND = F.price_band_affinity;
const PRICE_RATIO = F.log_price_ratio;
const ACTIVITY = F.log_user_activity;
const USER_RECENCY = F.user_recency;

/**
 * Raw features, row-major `candidates.length x FEATURE_DIM`.
 * @param u - user index, -1 for an unknown user (personal features are 0).
 * @param candidates - item indices, -1 for unknown items (item features are 0).
 * @param ctx - context item index, -1 for none.
 */
export function computeFeatures(rt: Runtime, u: number, candidates: ArrayLike<number>, ctx: number): Float32Array {
  const { d, s, stats } = rt;
  const out = new Float32Array(candidates.length * FEATURE_DIM);
  const a = d.attrs;
  const half = d.params.recencyHalfLifeDays;
  const known = u >= 0;
  const repeat = known ? stats.repeat[u] : 0;
  const logTypical = known ? stats.logTypicalPrice[u] : Number.NaN;
  const activity = known ? Math.log1p(d.hist.events[u]) : 0;
  const userRecency = known ? decay(d.cutoff - stats.lastTs[u], half) : 0;
  const weightTotal = known ? stats.weightTotal[u] : 0;
  // The user's usual days between baskets (at least a day): the yardstick of "due again".
  const gapDays = known ? Math.max(1, (stats.lastTs[u] - d.hist.firstTs[u]) / DAY_MS / Math.max(1, d.hist.sessions[u] - 1)) : 1;
  accumulate(rt, u, ctx);
  try {
    for (let r = 0; r < candidates.length; r++) {
      const c = candidates[r];
      const o = r * FEATURE_DIM;
      // User-level features hold for unknown items too (they say how much to trust personal signals).
      out[o + REPEAT] = repeat;
      out[o + ACTIVITY] = activity;
      out[o + USER_RECENCY] = userRecency;
      if (c < 0) continue;
      const bought = s.uBought[c];
      out[o + POP] = rt.logPop[c];
      out[o + POP_RECENT] = rt.logRecent[c];
      out[o + AGE] = rt.logAge[c];
      out[o + CO_SUM] = Math.log1p(s.coSum[c]);
      out[o + CO_MAX] = s.coMax[c];
      out[o + CO_RECENT] = Math.log1p(s.coRecent[c]);
      out[o + CO_CTX] = s.ctx[c];
      out[o + ATTR_CTX] = ctx >= 0 ? attributeSimilarityAt(a, ctx, c) : 0;
      out[o + UI_WEIGHT] = Math.log1p(s.uWeight[c]);
      out[o + BOUGHT] = bought;
      out[o + UI_RECENCY] = s.uRecency[c];
      out[o + REPEAT_X_BOUGHT] = repeat * bought;
      out[o + UI_PURCHASES] = Math.log1p(s.uPurchases[c]);
      if (s.uWeight[c] > 0) {
        out[o + UI_SHARE] = weightTotal > 0 ? s.uWeight[c] / weightTotal : 0;
        out[o + UI_GAP] = Math.log1p(s.uDays[c] / gapDays);
      }
      if (known) {
        if (a.brand[c] >= 0) out[o + BRAND] = s.aff.brand[a.brand[c]];
        if (a.colour[c] >= 0) out[o + COLOUR] = s.aff.colour[a.colour[c]];
        if (a.category[c] >= 0) out[o + CATEGORY] = s.aff.category[a.category[c]];
        if (a.priceBand[c] >= 0) out[o + PRICE_BAND] = s.aff.priceBand[a.priceBand[c]];
        const p = a.price[c];
        if (p > 0 && !Number.isNaN(logTypical)) out[o + PRICE_RATIO] = Math.log(p) - logTypical;
      }
    }
  } finally {
    release(rt, u, ctx);
  }
  return out;
}
