/**
 * The one contract every ranking model satisfies (baselines and the TF.js ranker alike), so the
 * evaluation protocol, the model directory and the service treat them the same way.
 */
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
  /** Frees tensors and other resources; the ranker must not be used afterwards. */
  dispose(): void;
}

/** Sorts candidates by score (desc), ties broken by candidate order, and keeps the top k. */
export function topK(candidates: readonly string[], scores: Float32Array, k: number): { itemId: string; score: number }[] {
  const idx = Array.from(candidates.keys());
  idx.sort((a, b) => scores[b] - scores[a] || a - b);
  return idx.slice(0, Math.max(0, k)).map((i) => ({ itemId: candidates[i], score: scores[i] }));
}
