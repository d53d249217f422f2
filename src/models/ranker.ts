/**
 * The one contract every ranking model satisfies (baselines and the TF.js ranker alike), so the
 * evaluation protocol, the model directory and the service treat them the same way.
 */
import type { FeatureContract } from '../features/contract.js';
import type { ScorerReport } from './scoring/scorer.js';

/** One scoring request: a user's candidates, optionally in the context of an item being viewed. */
export interface RankRequest {
  userId: string;
  /** Item ids to score; unknown ids are allowed and must get a finite (low) score. */
  candidates: readonly string[];
  /** The item on the page (product page recommendations), if any. */
  contextItemId?: string;
}

/** A ranking model. Higher score = ranked higher. Scores are finite numbers. */
export interface Ranker {
  /** A model scorer's engine and why it was chosen (TF.js or onnxruntime); heuristics have none. */
  readonly scoring?: ScorerReport;
  /** Short stable name, e.g. "popularity", "cooccurrence", "ltr-mlp". */
  readonly name: string;
  /**
   * Scores `req.candidates` in order (result length === candidates length). Synchronous: every
   * backend we use can read tensors back synchronously, and it keeps the serving path simple.
   * Unknown users and unknown items never throw.
   */
  score(req: RankRequest): Float32Array;
  /**
   * For rankers that score a FeatureStore's features: scores raw feature rows that a store with
   * exactly `contract`'s features (names and versions) computed, the scores `score` gives for the
   * same user, candidates and context. Undefined when `contract` is not the ranker's own (or the
   * ranker reads no such rows), so a caller that computes rows itself falls back to `score`.
   */
  rawFeatureScorer?(contract: FeatureContract): RawFeatureScorer | undefined;
  /** Frees tensors and other resources; the ranker must not be used afterwards. */
  dispose(): void;
}

/** Scores raw (un-normalised) feature rows of `candidates`, row-major; it may overwrite `raw` (the caller hands it over). */
export type RawFeatureScorer = (raw: Float32Array, candidates: readonly string[]) => Float32Array;

/** Candidates a packed sort key has room for (2^21: 32 bits of score + 21 of index fit a double exactly). */
const INDEX_SLOTS = 2 ** 21;
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * Every index in the order `scores[b] - scores[a] || a - b` sorts them, by one native sort of
 * packed keys (a float32 score's bits made order-preserving, inverted, times 2^21, plus the index)
 * instead of a comparator sort: several times cheaper for /v1/rank's 500. Undefined when a score
 * is NaN, which that comparator orders by the sort algorithm's whim: the caller sorts as before.
 */
function packedOrder(scores: Float32Array, n: number): Float64Array | undefined {
  const keys = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) return undefined;
    f32[0] = s === 0 ? 0 : s; // -0 ties with 0, as the comparator's subtraction says
    const b = u32[0];
    const ascending = b >= 0x80000000 ? ~b >>> 0 : (b | 0x80000000) >>> 0;
    keys[i] = (0xffffffff - ascending) * INDEX_SLOTS + i;
  }
  keys.sort();
  for (let j = 0; j < n; j++) keys[j] %= INDEX_SLOTS;
  return keys;
}

/**
 * Sorts candidates by score (desc), ties broken by candidate order, and keeps the top k. A small
 * k (the request path's 10 of 500) is selected in one pass into a sorted window of k instead of
 * sorting all n: the same items in the same order, without an n log n comparator sort.
 */
export function topK(candidates: readonly string[], scores: Float32Array, k: number): { itemId: string; score: number }[] {
  const n = candidates.length;
  const keep = Math.max(0, Math.min(k, n));
  const out = (idx: ArrayLike<number>, m: number) =>
    Array.from({ length: m }, (_, j) => ({ itemId: candidates[idx[j]], score: scores[idx[j]] }));
  if (keep * 8 >= n) {
    const idx = n <= INDEX_SLOTS ? packedOrder(scores, n) : undefined;
    if (idx) return out(idx, keep);
    const all = Array.from(candidates.keys());
    all.sort((a, b) => scores[b] - scores[a] || a - b);
    return out(all, keep);
  }
  // before(a, b): a ranks above b, exactly as the sort's comparator says (equal scores: candidate order).
  const before = (a: number, b: number) => {
    const d = scores[b] - scores[a];
    return d < 0 || (!(d > 0) && a < b);
  };
  const win = new Int32Array(keep);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (m === keep && !before(i, win[m - 1])) continue;
    let j = m === keep ? m - 1 : m++;
    while (j > 0 && before(i, win[j - 1])) {
      win[j] = win[j - 1];
      j--;
    }
    win[j] = i;
  }
  return out(win, m);
}
