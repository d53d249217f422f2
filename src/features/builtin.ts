/**
 * The built-in features, each a FeatureDefinition (definition.ts), in the default feature set's
 * order. Skewed quantities (counts, popularity, activity) are log-transformed here (names start
 * with `log_`), so normalisation is a plain z-score per column. Item features read the model's
 * item tables (as of its cutoff); user and user x item features read the user's live history at
 * `req.now`. Each `fill` is a tight loop over the candidates (the hot path of every request).
 */
import { attributeSimilarityAt } from './attributes.js';
import type { FeatureDefinition, FeatureScope } from './definition.js';
import { DAY_MS, decay } from './popularity.js';
import type { FeatureRequest } from './request.js';

type Fill = FeatureDefinition['fill'];

function builtin(name: string, scope: FeatureScope, doc: string, fill: Fill): FeatureDefinition {
  return { name, doc, scope, version: 1, fill };
}

/** A column from a per-item array (0 for unknown candidates). */
function itemColumn(pick: (req: FeatureRequest) => ArrayLike<number>, map?: (x: number) => number): Fill {
  return (req, out, col, stride) => {
    const v = pick(req);
    const cands = req.candidates;
    for (let r = 0; r < cands.length; r++) {
      const c = cands[r];
      if (c >= 0) out[r * stride + col] = map ? map(v[c]) : v[c];
    }
  };
}

/** A per-user value written on every row (unknown items too: it says how much to trust personal signals). */
function userColumn(value: (req: FeatureRequest) => number): Fill {
  return (req, out, col, stride) => {
    if (!req.user) return;
    const x = value(req);
    for (let r = 0; r < req.candidates.length; r++) out[r * stride + col] = x;
  };
}

/** Only for known users and known candidates. */
function userItemColumn(value: (req: FeatureRequest, c: number) => number): Fill {
  return (req, out, col, stride) => {
    if (!req.user) return;
    const cands = req.candidates;
    for (let r = 0; r < cands.length; r++) {
      const c = cands[r];
      if (c >= 0) out[r * stride + col] = value(req, c);
    }
  };
}

/** Share of the user's weighted history on the candidate's attribute value. */
function affinity(kind: 'brand' | 'colour' | 'category' | 'priceBand'): Fill {
  return (req, out, col, stride) => {
    if (!req.user) return;
    const attr = req.items.d.attrs[kind];
    const aff = req.scratch.aff[kind];
    const cands = req.candidates;
    for (let r = 0; r < cands.length; r++) {
      const c = cands[r];
      if (c >= 0 && attr[c] >= 0) out[r * stride + col] = aff[attr[c]];
    }
  };
}

const half = (req: FeatureRequest) => req.items.d.params.recencyHalfLifeDays;

/** The user's usual days between baskets (at least a day): the yardstick of "due again". */
function gapDays(req: FeatureRequest): number {
  const u = req.user;
  return u ? Math.max(1, (u.lastEventTs - u.firstEventTs) / DAY_MS / Math.max(1, u.sessions - 1)) : 1;
}

/** The 23 built-in features, in default order. */
export const BUILTIN_FEATURES: readonly FeatureDefinition[] = [
  builtin(
    'log_pop',
    'item',
    'log(1 + all-time strength-weighted interactions with the item): the prior that popular items get bought',
    itemColumn((req) => req.items.logPop),
  ),
  builtin(
    'log_pop_recent',
    'item',
    'log(1 + exponentially decayed weighted interactions, half-life = store halfLifeDays): recent demand that all-time counts lag',
    itemColumn((req) => req.items.logRecent),
  ),
  builtin(
    'log_item_age_days',
    'item',
    'log(1 + days between the item first being seen and the cutoff); 0 if never seen: new items behave differently',
    itemColumn((req) => req.items.logAge),
  ),
  builtin(
    'log_cooc_sum',
    'user_item',
    'log(1 + sum over the user history of cosine co-occurrence with the candidate): the collaborative signal',
    itemColumn((req) => req.scratch.coSum, Math.log1p),
  ),
  builtin(
    'cooc_max',
    'user_item',
    'max over the user history of cosine co-occurrence with the candidate: one strong association a sum would dilute',
    itemColumn((req) => req.scratch.coMax),
  ),
  builtin(
    'log_cooc_recent',
    'user_item',
    'log(1 + sum over history of co-occurrence x 2^(-days since the history item / recencyHalfLife)): current intent',
    itemColumn((req) => req.scratch.coRecent, Math.log1p),
  ),
  builtin(
    'cooc_context',
    'context',
    'cosine co-occurrence of the candidate with the context item; 0 without context: items bought with the one on the page',
    itemColumn((req) => req.scratch.ctx),
  ),
  builtin(
    'attr_sim_context',
    'context',
    'share of brand/colour/category/price band the candidate shares with the context item: substitutes of the page item',
    (req, out, col, stride) => {
      const ctx = req.context;
      if (ctx < 0) return;
      const a = req.items.d.attrs;
      const cands = req.candidates;
      for (let r = 0; r < cands.length; r++) if (cands[r] >= 0) out[r * stride + col] = attributeSimilarityAt(a, ctx, cands[r]);
    },
  ),
  builtin(
    'log_user_item_weight',
    'user_item',
    'log(1 + strength-weighted interactions of the user with the candidate): re-engagement',
    itemColumn((req) => req.scratch.uWeight, Math.log1p),
  ),
  builtin(
    'bought_before',
    'user_item',
    '1 if the user bought the candidate before, else 0: replenishment',
    itemColumn((req) => req.scratch.uBought),
  ),
  builtin(
    'user_item_recency',
    'user_item',
    '2^(-days since the user last touched the candidate / recencyHalfLife); 0 if never: interest fades',
    itemColumn((req) => req.scratch.uRecency),
  ),
  builtin(
    'log_user_item_purchases',
    'user_item',
    'log(1 + distinct baskets in which the user bought the candidate): a standing order, not a one-off',
    itemColumn((req) => req.scratch.uPurchases, Math.log1p),
  ),
  builtin(
    'user_item_share',
    'user_item',
    "candidate's share of the user's strength-weighted history; 0 if never touched: how central it is to this user",
    userItemColumn((req, c) => {
      const w = req.scratch.uWeight[c];
      const total = req.user?.weightTotal ?? 0;
      return w > 0 && total > 0 ? w / total : 0;
    }),
  ),
  builtin(
    'log_item_gap_ratio',
    'user_item',
    "log(1 + days since the user last touched the candidate / the user's mean days between baskets (>= 1)); 0 if never touched",
    (req, out, col, stride) => {
      if (!req.user) return;
      const gap = gapDays(req);
      const { uWeight, uDays } = req.scratch;
      const cands = req.candidates;
      for (let r = 0; r < cands.length; r++) {
        const c = cands[r];
        if (c >= 0 && uWeight[c] > 0) out[r * stride + col] = Math.log1p(uDays[c] / gap);
      }
    },
  ),
  builtin(
    'repeat_propensity',
    'user',
    "share of the user's purchase occasions that re-bought an item bought before: some users re-buy, others explore",
    userColumn((req) => req.user?.repeat ?? 0),
  ),
  builtin(
    'repeat_x_bought',
    'user_item',
    'repeat_propensity x bought_before: makes repeat items rank for repeat buyers only',
    userItemColumn((req, c) => (req.user?.repeat ?? 0) * req.scratch.uBought[c]),
  ),
  builtin('brand_affinity', 'user_item', "user's share of weighted history on the candidate's brand", affinity('brand')),
  builtin('colour_affinity', 'user_item', "user's share of weighted history on the candidate's colour", affinity('colour')),
  builtin('category_affinity', 'user_item', "user's share of weighted history on the candidate's category", affinity('category')),
  builtin('price_band_affinity', 'user_item', "user's share of weighted history on the candidate's price band", affinity('priceBand')),
  builtin(
    'log_price_ratio',
    'user_item',
    "log(candidate price / user's typical price (weighted geometric mean)); 0 if unknown: far above the usual spend is unlikely",
    (req, out, col, stride) => {
      const logTypical = req.user?.logTypicalPrice ?? Number.NaN;
      if (Number.isNaN(logTypical)) return;
      const price = req.items.d.attrs.price;
      const cands = req.candidates;
      for (let r = 0; r < cands.length; r++) {
        const c = cands[r];
        if (c >= 0 && price[c] > 0) out[r * stride + col] = Math.log(price[c]) - logTypical;
      }
    },
  ),
  builtin(
    'log_user_activity',
    'user',
    "log(1 + number of the user's events): heavy users' histories are more reliable",
    userColumn((req) => Math.log1p(req.user?.events ?? 0)),
  ),
  builtin(
    'user_recency',
    'user',
    "2^(-days since the user's last event / recencyHalfLife); 0 for unknown users: lapsed users are less predictable",
    userColumn((req) => decay(req.now - (req.user?.lastEventTs ?? req.now), half(req))),
  ),
];

/** Max or mean, over a catalogue's further attributes, of the user's share on the candidate's value. */
function catalogueAffinity(reduce: 'max' | 'mean'): Fill {
  return (req, out, col, stride) => {
    const extra = req.items.d.attrs.extra;
    if (!req.user || extra.length === 0) return;
    const aff = req.scratch.aff.extra;
    const cands = req.candidates;
    for (let r = 0; r < cands.length; r++) {
      const c = cands[r];
      if (c < 0) continue;
      let acc = 0;
      for (let x = 0; x < extra.length; x++) {
        const v = extra[x].index[c];
        const share = v >= 0 ? aff[x][v] : 0;
        acc = reduce === 'max' ? Math.max(acc, share) : acc + share;
      }
      out[r * stride + col] = reduce === 'max' ? acc : acc / extra.length;
    }
  };
}

/**
 * Features over a team catalogue's own attributes (`--items-map ...,attr=COL`): built in, but in the
 * `catalogue` feature set only (training picks it when the items carry such attributes), so the
 * default set's vectors do not change.
 */
export const CATALOGUE_ATTRIBUTE_FEATURES: readonly FeatureDefinition[] = [
  builtin(
    'catalogue_attr_affinity_max',
    'user_item',
    "max over the catalogue's own attributes of the user's share of weighted history on the candidate's value",
    catalogueAffinity('max'),
  ),
  builtin(
    'catalogue_attr_affinity_mean',
    'user_item',
    "mean over the catalogue's own attributes of the user's share of weighted history on the candidate's value",
    catalogueAffinity('mean'),
  ),
];
