/**
 * Matrix factorisation by BPR (Bayesian personalised ranking, Rendle et al. 2009): item factors
 * and biases learnt so that each user's items outscore items they did not touch, x_uij =
 * b_i - b_j + u . (v_i - v_j), one SGD step per (user, item, sampled negative) triple.
 *
 * Hand-written over Float32Arrays instead of TF.js: one triple touches 3 x factors numbers, far
 * too little work per op for TF.js (bench/mf.ts measures the loop). Seeded with the project's Rng,
 * so the same interactions and params give the same factors, bit for bit.
 *
 * Only item-side state is kept (factors, biases: `BPR_FACTORS`, a fitted item state). A user's
 * vector is folded in from their history at scoring time by the same SGD on the user alone (the
 * items fixed; a convex problem), seeded by the history itself: offline and online give the same
 * vector for the same history, a live purchase moves it without a retrain, and the model
 * directory does not grow with users.
 */
import { DataError, errorMessage, UsageError } from '../errors.js';
import { Rng } from '../util/random.js';
import { decodeArray, type EncodedArray, encodeArray } from './encoding.js';
import type { InteractionMatrix, ItemStateDefinition } from './item-state.js';

/** Knobs of BPR (every one JSON-safe; they key the fitted state). */
export interface BprParams {
  /** Latent dimensions (default 32). */
  factors: number;
  /** Passes over every (user, item) interaction (default 30). */
  epochs: number;
  /** SGD step (default 0.05). */
  learningRate: number;
  /** L2 weight on the factors and biases touched by a step (default 0.002). */
  regularization: number;
  /** Seed of the initial factors and the sampling (default 42). */
  seed: number;
  /** Fold-in steps per history item when a user's vector is computed (default 20, capped at MAX_FOLD_IN_STEPS). */
  foldInEpochs: number;
}

/** The defaults (the `mf_score` feature and the `bpr` kind's first grid setting). */
export const BPR_DEFAULTS: Readonly<BprParams> = {
  factors: 32,
  epochs: 30,
  learningRate: 0.05,
  regularization: 0.002,
  seed: 42,
  foldInEpochs: 20,
};

/** Fold-in steps at most per user (bounds the scoring cost of very long histories). */
export const MAX_FOLD_IN_STEPS = 20_000;

/** The fitted item side of a BPR model. */
export interface BprModel {
  readonly params: Readonly<BprParams>;
  readonly items: number;
  /** items x factors, row-major. */
  readonly itemFactors: Float32Array;
  readonly itemBias: Float32Array;
}

/** A fit, with what only training has (the users' trained vectors) and how much work it did. */
export interface BprFit {
  model: BprModel;
  /** users x factors, row-major, in matrix row order. */
  userFactors: Float32Array;
  /** SGD steps taken (one per sampled triple). */
  updates: number;
}

/**
 * Validates params (defaults filled in).
 * @throws UsageError naming the knob and its value.
 */
export function bprParams(p: Partial<BprParams> = {}): BprParams {
  const out = { ...BPR_DEFAULTS, ...p };
  const check = (name: keyof BprParams, ok: boolean) => {
    if (!ok)
      throw new UsageError(
        `bpr: ${name} must be ${name === 'factors' || name === 'epochs' ? 'a positive integer' : 'a non-negative number'}, got ${String(out[name])}`,
      );
  };
  check('factors', Number.isInteger(out.factors) && out.factors > 0);
  check('epochs', Number.isInteger(out.epochs) && out.epochs > 0);
  check('learningRate', Number.isFinite(out.learningRate) && out.learningRate > 0);
  check('regularization', Number.isFinite(out.regularization) && out.regularization >= 0);
  check('seed', Number.isInteger(out.seed));
  check('foldInEpochs', Number.isInteger(out.foldInEpochs) && out.foldInEpochs >= 0);
  return out;
}

/** Whether the sorted run cols[lo, hi) holds j. */
function holds(cols: Int32Array, lo: number, hi: number, j: number): boolean {
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = cols[mid];
    if (c === j) return true;
    if (c < j) lo = mid + 1;
    else hi = mid;
  }
  return false;
}

/** A negative for a user whose items are cols[lo, hi): uniform over the others (a few tries, then any item). */
function sampleNegative(rng: Rng, n: number, cols: Int32Array, lo: number, hi: number): number {
  let j = rng.int(n);
  for (let t = 0; t < 8 && holds(cols, lo, hi, j); t++) j = rng.int(n);
  return j;
}

/**
 * Trains BPR on an interaction matrix (every positive entry once per epoch, in a seeded shuffle,
 * with a uniform negative). Users with every item have nothing to rank and are skipped.
 * @param onEpoch - called after each epoch with the steps taken so far.
 */
export function trainBpr(
  m: InteractionMatrix,
  params: Partial<BprParams> = {},
  onEpoch?: (epoch: number, updates: number) => void,
): BprFit {
  const p = bprParams(params);
  const f = p.factors;
  const n = m.items;
  const rng = new Rng(p.seed);
  const init = (rows: number) => Float32Array.from({ length: rows * f }, () => (rng.next() - 0.5) / f);
  const V = init(n);
  const U = init(m.users);
  const bias = new Float32Array(n);
  const { offsets, cols } = m;
  const nnz = cols.length;
  const rowOf = new Int32Array(nnz);
  for (let u = 0; u < m.users; u++) rowOf.fill(u, offsets[u], offsets[u + 1]);
  const order = Int32Array.from({ length: nnz }, (_, k) => k);
  const lr = p.learningRate;
  const reg = p.regularization;
  let updates = 0;
  for (let epoch = 1; epoch <= p.epochs; epoch++) {
    for (let k = nnz - 1; k > 0; k--) {
      const r = rng.int(k + 1);
      const t = order[k];
      order[k] = order[r];
      order[r] = t;
    }
    for (let t = 0; t < nnz; t++) {
      const e = order[t];
      const u = rowOf[e];
      const lo = offsets[u];
      const hi = offsets[u + 1];
      if (hi - lo >= n) continue;
      const i = cols[e];
      const j = sampleNegative(rng, n, cols, lo, hi);
      if (j === i) continue;
      const uo = u * f;
      const io = i * f;
      const jo = j * f;
      let x = bias[i] - bias[j];
      for (let d = 0; d < f; d++) x += U[uo + d] * (V[io + d] - V[jo + d]);
      const z = 1 / (1 + Math.exp(x)); // sigma(-x): the gradient of ln sigma(x)
      bias[i] += lr * (z - reg * bias[i]);
      bias[j] += lr * (-z - reg * bias[j]);
      for (let d = 0; d < f; d++) {
        const ud = U[uo + d];
        const id = V[io + d];
        const jd = V[jo + d];
        U[uo + d] = ud + lr * (z * (id - jd) - reg * ud);
        V[io + d] = id + lr * (z * ud - reg * id);
        V[jo + d] = jd + lr * (-z * ud - reg * jd);
      }
      updates++;
    }
    onEpoch?.(epoch, updates);
  }
  return { model: { params: p, items: n, itemFactors: V, itemBias: bias }, userFactors: U, updates };
}

/** FNV-1a over item indices: the fold-in seed of a history (same items, same vector). */
function historySeed(items: Int32Array, seed: number): number {
  let h = 0x811c9dc5 ^ seed;
  for (let k = 0; k < items.length; k++) {
    h ^= items[k];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * A user's vector from their history with the item factors fixed: `foldInEpochs` x |history| BPR
 * steps on the user alone (at most MAX_FOLD_IN_STEPS), from zero, seeded by the history.
 * @param items - the history's item indices, ascending and distinct (as a UserView holds them).
 * @param out - receives the vector (length = factors); zero for an empty history.
 */
export function foldInUser(model: BprModel, items: Int32Array, out: Float32Array = new Float32Array(model.params.factors)): Float32Array {
  const { factors: f, learningRate: lr, regularization: reg, foldInEpochs } = model.params;
  out.fill(0);
  const h = items.length;
  const n = model.items;
  if (h === 0 || h >= n) return out;
  const V = model.itemFactors;
  const bias = model.itemBias;
  const rng = new Rng(historySeed(items, model.params.seed));
  const steps = Math.min(foldInEpochs * h, MAX_FOLD_IN_STEPS);
  for (let t = 0; t < steps; t++) {
    const i = items[rng.int(h)];
    const j = sampleNegative(rng, n, items, 0, h);
    if (j === i) continue;
    const io = i * f;
    const jo = j * f;
    let x = bias[i] - bias[j];
    for (let d = 0; d < f; d++) x += out[d] * (V[io + d] - V[jo + d]);
    const z = 1 / (1 + Math.exp(x));
    for (let d = 0; d < f; d++) out[d] += lr * (z * (V[io + d] - V[jo + d]) - reg * out[d]);
  }
  return out;
}

/** Score of item c for user vector u: b_c + u . v_c. */
export function bprScore(model: BprModel, u: Float32Array, c: number): number {
  const f = model.params.factors;
  const V = model.itemFactors;
  const o = c * f;
  let s = model.itemBias[c];
  for (let d = 0; d < f; d++) s += u[d] * V[o + d];
  return s;
}

interface EncodedBpr {
  params: BprParams;
  itemFactors: EncodedArray;
  itemBias: EncodedArray;
}

/** BPR item factors and biases as a fitted item state (the `bpr` kind and the `mf_score` feature). */
export const BPR_FACTORS: ItemStateDefinition<Partial<BprParams>, BprModel> = {
  key: 'bpr-factors',
  version: 1,
  doc: 'BPR matrix factorisation: item factors and biases learnt from the histories before the cutoff',
  fit: (m, params) => trainBpr(m, params).model,
  encode: (s): EncodedBpr => ({ params: { ...s.params }, itemFactors: encodeArray(s.itemFactors), itemBias: encodeArray(s.itemBias) }),
  decode(value, items) {
    const v = value as Partial<EncodedBpr> | null;
    if (!v || typeof v !== 'object' || !v.params)
      throw new DataError('expected {params, itemFactors, itemBias}', { file: 'feature tables', field: 'fitted.bpr-factors' });
    let params: BprParams;
    try {
      params = bprParams(v.params);
    } catch (err) {
      throw new DataError(errorMessage(err), { file: 'feature tables', field: 'fitted.bpr-factors.params' });
    }
    return {
      params,
      items,
      itemFactors: decodeArray(v.itemFactors, 'float32', items * params.factors, 'fitted.bpr-factors.itemFactors'),
      itemBias: decodeArray(v.itemBias, 'float32', items, 'fitted.bpr-factors.itemBias'),
    };
  },
};
