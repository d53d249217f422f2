/**
 * Choosing the scorer of a loaded version: onnxruntime-node over the version's ONNX export where
 * the runtime loads and the export's scores equal TF.js's within `PARITY_TOLERANCE` on the
 * version's warm-up rows; TF.js otherwise, with the reason.
 */

import { errorMessage } from '../../errors.js';
import type { tf } from '../backend.js';
import { onnxRuntime } from './onnx-runtime.js';
import { type Scorer, type ScorerReport, tfjsScorer } from './scorer.js';

/** Largest |ONNX - TF.js| score difference accepted, at publish and at load. */
export const PARITY_TOLERANCE = 1e-5;

/** One warm-up request's rows: n x D normalised features. */
export interface ParityRows {
  rows: Float32Array;
  n: number;
}

/** Largest absolute score difference between two scorers over the given rows. */
export function maxScoreDifference(a: Scorer, b: Scorer, batches: readonly ParityRows[]): number {
  let worst = 0;
  for (const { rows, n } of batches) {
    if (n === 0) continue;
    const x = a.score(rows, n);
    const y = b.score(rows, n);
    for (let i = 0; i < n; i++) {
      const d = Math.abs(x[i] - y[i]);
      // NaN on either side is a mismatch, not a difference of 0.
      worst = Math.max(worst, Number.isNaN(d) ? Number.POSITIVE_INFINITY : d);
    }
  }
  return worst;
}

/** Inputs of chooseScorer. */
export interface ChooseScorerInput {
  /** The trained TF.js model (always there: training, export and the fallback use it). */
  model: tf.LayersModel;
  /** The version's ONNX export, when it has one. */
  onnx?: Uint8Array;
  /** Why there is no ONNX export, when there is none. */
  noOnnxReason?: string;
  /** The warm-up rows to check parity on. */
  parityRows: () => readonly ParityRows[];
  env?: NodeJS.ProcessEnv;
}

/** Picks the scorer (see the module comment); never throws for a bad ONNX file: TF.js scores then. */
export function chooseScorer(input: ChooseScorerInput): { scorer: Scorer; report: ScorerReport } {
  const tfjs = tfjsScorer(input.model);
  const fallback = (reason: string, parity?: ScorerReport['parity']) => ({
    scorer: tfjs,
    report: { backend: 'tfjs' as const, reason, ...(parity ? { parity } : {}) },
  });
  if (!input.onnx) return fallback(input.noOnnxReason ?? 'the version has no ONNX export');
  const runtime = onnxRuntime(input.env);
  // `=== false`, not `!`: tslab compiles src/ without strictNullChecks, where `!` does not narrow the union.
  if (runtime.available === false) return fallback(runtime.reason);
  let native: Scorer;
  try {
    native = runtime.create(input.onnx);
  } catch (err) {
    return fallback(`onnxruntime-node refused the ONNX export (${errorMessage(err)})`);
  }
  const batches = input.parityRows();
  let diff: number;
  try {
    diff = maxScoreDifference(tfjs, native, batches);
  } catch (err) {
    native.dispose();
    return fallback(`the ONNX export failed on the warm-up rows (${errorMessage(err)})`);
  }
  const parity = { maxAbsDiff: diff, requests: batches.length, rows: batches.reduce((s, b) => s + b.n, 0) };
  if (!(diff <= PARITY_TOLERANCE)) {
    native.dispose();
    return fallback(`ONNX scores differ from TF.js by ${diff.toExponential(2)} on the warm-up rows (limit ${PARITY_TOLERANCE})`, parity);
  }
  return {
    scorer: native,
    report: {
      backend: 'onnxruntime',
      reason: `onnxruntime-node ${runtime.version}: ONNX equals TF.js within ${PARITY_TOLERANCE} on ${parity.rows} warm-up rows (max ${diff.toExponential(2)})`,
      parity,
    },
  };
}
