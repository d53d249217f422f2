/**
 * The `Scorer` interface: n rows of normalised features in, n scores out, synchronously (the
 * ranker and the service's request path are synchronous). Two implementations: TF.js (the trained
 * tf.LayersModel itself, one forward pass for all rows) and onnxruntime-node (the version's ONNX
 * export, see onnx-runtime.ts). `chooseScorer` (select.ts) picks one per loaded version.
 */
import type { tf } from '../backend.js';
import { scoreRows } from '../ltr/mlp.js';

/** Which engine scores. */
export type ScorerBackend = 'onnxruntime' | 'tfjs';

/** Scores rows of normalised features. */
export interface Scorer {
  readonly backend: ScorerBackend;
  /**
   * @param rows - n x D normalised features, row-major.
   * @param itemIndex - per-row item index, for item-embedding models (TF.js only).
   * @returns n scores (the caller owns the array).
   */
  score(rows: Float32Array, n: number, itemIndex?: Int32Array): Float32Array;
  /** Frees what the scorer holds (the TF.js scorer does not own its model: the ranker does). */
  dispose(): void;
}

/** What was chosen for a loaded version, and why (for logs, GET /v1/models and `workbench doctor`). */
export interface ScorerReport {
  backend: ScorerBackend;
  reason: string;
  /** Largest |ONNX - TF.js| over the warm-up rows, when both were compared. */
  parity?: { maxAbsDiff: number; requests: number; rows: number };
}

/** The TF.js scorer over `model` (a single batched forward pass; `model` stays the caller's). */
export function tfjsScorer(model: tf.LayersModel): Scorer {
  return {
    backend: 'tfjs',
    score: (rows, n, itemIndex) => scoreRows(model, rows, n, itemIndex),
    dispose: () => {},
  };
}
