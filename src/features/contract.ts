/**
 * The feature contract: the names and order of the feature vector of a (user, candidate) pair, and
 * the normalisation fitted on training matrices. ONE object that training, export and serving share,
 * so a model can never be fed columns in another order or scaled differently than it was trained.
 *
 * Skewed quantities (counts, popularity, activity) are log-transformed inside the feature
 * definitions (their names start with `log_`), so normalisation is a plain z-score per column.
 */
import { z } from 'zod';
import { DataError, WorkbenchError } from '../errors.js';

/** Names, order and (once fitted) normalisation of the feature vector. */
export interface FeatureContract {
  version: 1;
  names: string[];
  normalisation?: { mean: number[]; std: number[] };
}

/** Zod schema of a contract as stored in a manifest or the feature tables. */
export const featureContractSchema = z
  .object({
    version: z.literal(1),
    names: z.array(z.string().min(1)).min(1),
    normalisation: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }).optional(),
  })
  .refine((c) => !c.normalisation || (c.normalisation.mean.length === c.names.length && c.normalisation.std.length === c.names.length), {
    message: 'normalisation.mean and normalisation.std must have one value per feature name',
  });

/**
 * The features, in order. Each helps ranking for the reason given; all are computed from events
 * before the store's cutoff only.
 */
export const FEATURE_DOCS = {
  /** log(1 + all-time weighted interaction count): the prior that popular items get bought. */
  log_pop: 'log(1 + all-time strength-weighted interactions with the item)',
  /** Recent demand (trends, seasonality, new items) that the all-time count lags behind. */
  log_pop_recent: 'log(1 + exponentially decayed weighted interactions, half-life = store halfLifeDays)',
  /** New items behave differently (little history, often promoted); lets the model discount or favour them. */
  log_item_age_days: 'log(1 + days between the item first being seen and the cutoff); 0 if never seen',
  /** Collaborative signal: how strongly the candidate co-occurs with everything the user touched. */
  log_cooc_sum: 'log(1 + sum over the user history of cosine co-occurrence with the candidate)',
  /** One very strong association (an accessory of a bought item) that a sum would dilute. */
  cooc_max: 'max over the user history of cosine co-occurrence with the candidate',
  /** Co-occurrence with what the user touched lately: current intent beats old history. */
  log_cooc_recent: 'log(1 + sum over history of co-occurrence x 2^(-days since the history item / recencyHalfLife))',
  /** Product-page intent: items bought together with the item on the page. */
  cooc_context: 'cosine co-occurrence of the candidate with the context item; 0 without context',
  /** Substitutes of the item on the page (same brand, colour, category, price band). */
  attr_sim_context: 'share of brand/colour/category/price band the candidate shares with the context item',
  /** Re-engagement: items the user interacted with strongly are likely again. */
  log_user_item_weight: 'log(1 + strength-weighted interactions of the user with the candidate)',
  /** Replenishment: consumables get re-bought (combined with the propensity below). */
  bought_before: '1 if the user bought the candidate before the cutoff, else 0',
  /** Interest fades; a recent interaction is a stronger signal than an old one. */
  user_item_recency: '2^(-days since the user last touched the candidate / recencyHalfLife); 0 if never',
  /** Re-ordering: an item bought on many separate occasions is a standing order, not a one-off. */
  log_user_item_purchases: 'log(1 + distinct baskets in which the user bought the candidate)',
  /** How central the candidate is to this user's history (a rank-like signal, comparable across users). */
  user_item_share: "candidate's share of the user's strength-weighted history; 0 if never touched",
  /** Replenishment is due when the time since the last purchase reaches the user's usual cycle. */
  log_item_gap_ratio:
    "log(1 + days since the user last touched the candidate / the user's mean days between baskets (>= 1)); 0 if never touched",
  /** Some users re-buy the same things, others always explore. */
  repeat_propensity: "share of the user's purchase occasions that re-bought an item bought before",
  /** The interaction that makes repeat items rank for repeat buyers only. */
  repeat_x_bought: 'repeat_propensity x bought_before',
  /** Taste: the user's share of weighted history on the candidate's brand. */
  brand_affinity: "user's share of weighted history on the candidate's brand",
  /** Taste: colour. */
  colour_affinity: "user's share of weighted history on the candidate's colour",
  /** Need: the categories the user shops in. */
  category_affinity: "user's share of weighted history on the candidate's category",
  /** Budget: the price bands the user shops in. */
  price_band_affinity: "user's share of weighted history on the candidate's price band",
  /** Budget, continuous: far above the usual spend is unlikely to be bought. */
  log_price_ratio: "log(candidate price / user's typical price (weighted geometric mean)); 0 if unknown",
  /** Heavy users' histories are more reliable; lets the model trust personal signals more. */
  log_user_activity: 'log(1 + number of events of the user)',
  /** Lapsed users' histories are less predictive of what they do next. */
  user_recency: "2^(-days since the user's last event / recencyHalfLife); 0 for unknown users",
} as const;

/** The feature names in contract order. */
export const FEATURE_NAMES = Object.keys(FEATURE_DOCS) as (keyof typeof FEATURE_DOCS)[];

/** Column index of each feature by name (for code that reads particular columns). */
export const FEATURE_INDEX: Readonly<Record<keyof typeof FEATURE_DOCS, number>> = Object.fromEntries(
  FEATURE_NAMES.map((n, i) => [n, i]),
) as Record<keyof typeof FEATURE_DOCS, number>;

/** The contract of this version of the features (no normalisation yet). */
export function defaultContract(): FeatureContract {
  return { version: 1, names: [...FEATURE_NAMES] };
}

/** Smallest standard deviation kept as is; constant columns get std 1 (they normalise to 0). */
const MIN_STD = 1e-6;

/**
 * Fits per-column mean and (population) standard deviation on a training matrix.
 * @param rows - row-major matrix, `rows.length / dim` rows of `dim` values.
 * @param dim - number of columns (the contract's names.length).
 * @throws DataError on a shape mismatch, an empty matrix or a non-finite value (naming row and column).
 */
export function fitNormalisation(rows: Float32Array, dim: number): { mean: number[]; std: number[] } {
  if (!Number.isInteger(dim) || dim <= 0) throw new DataError(`dim must be a positive integer, got ${dim}`, { field: 'dim' });
  if (rows.length === 0 || rows.length % dim !== 0) {
    throw new DataError(`rows.length ${rows.length} is not a positive multiple of dim ${dim}`, { field: 'rows' });
  }
  const n = rows.length / dim;
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < dim; c++) {
      const x = rows[r * dim + c];
      if (!Number.isFinite(x)) throw new DataError(`non-finite value ${x} at row ${r}, column ${c}`, { field: 'rows' });
      sum[c] += x;
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  // Second pass on centred values: numerically stable for large offsets (e.g. log popularity).
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < dim; c++) {
      const d = rows[r * dim + c] - mean[c];
      sq[c] += d * d;
    }
  }
  const std = Array.from(sq, (s) => {
    const v = Math.sqrt(s / n);
    return v < MIN_STD ? 1 : v;
  });
  return { mean, std };
}

/**
 * Applies the contract's normalisation: (x - mean) / std per column, into a new array.
 * @throws WorkbenchError "no_normalisation" if the contract has not been fitted; DataError on a shape mismatch.
 */
export function normalise(rows: Float32Array, contract: FeatureContract): Float32Array {
  const norm = contract.normalisation;
  if (!norm) throw new WorkbenchError('no_normalisation', 'the feature contract has no normalisation; fit it with fitNormalisation first');
  const dim = contract.names.length;
  if (norm.mean.length !== dim || norm.std.length !== dim) {
    throw new DataError(`normalisation has ${norm.mean.length} means and ${norm.std.length} stds for ${dim} features`, {
      field: 'normalisation',
    });
  }
  if (rows.length % dim !== 0) throw new DataError(`rows.length ${rows.length} is not a multiple of ${dim} features`, { field: 'rows' });
  const out = new Float32Array(rows.length);
  const inv = norm.std.map((s) => 1 / s);
  for (let i = 0; i < rows.length; i += dim) {
    for (let c = 0; c < dim; c++) out[i + c] = (rows[i + c] - norm.mean[c]) * inv[c];
  }
  return out;
}

/**
 * Checks that a model's contract matches the features a store computes (same names, same order).
 * @throws WorkbenchError "contract_mismatch" naming the first differing position.
 */
export function assertSameFeatures(expected: FeatureContract, actual: FeatureContract): void {
  const a = expected.names;
  const b = actual.names;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if (a[i] !== b[i]) {
      throw new WorkbenchError(
        'contract_mismatch',
        `feature ${i} is "${b[i] ?? '(missing)'}" but the model expects "${a[i] ?? '(none)'}" (${a.length} vs ${b.length} features)`,
      );
    }
  }
}
