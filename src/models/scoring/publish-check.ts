/**
 * The ONNX export of a scorer version at publish: exported from the trained TF.js model, then
 * checked against TF.js on the version's warm-up rows with onnxruntime-node (when it loads here;
 * the service checks again at every load anyway). A difference beyond PARITY_TOLERANCE refuses
 * the publish: it means the exporter is wrong, and a version must not carry a wrong artifact.
 */
import { WorkbenchError } from '../../errors.js';
import type { tf } from '../backend.js';
import { exportOnnx, ONNX_FILE, onnxUnsupportedReason } from './onnx-export.js';
import { onnxRuntime } from './onnx-runtime.js';
import { tfjsScorer } from './scorer.js';
import { maxScoreDifference, PARITY_TOLERANCE, type ParityRows } from './select.js';

/** The manifest's `scoring` record: the ONNX file (or why there is none) and the publish-time check. */
export interface OnnxScoringRecord {
  onnx: string | null;
  /** Why there is no ONNX file, or why it was not checked at publish. */
  reason?: string;
  /** The publish-time comparison, when onnxruntime-node loaded. */
  parity?: { maxAbsDiff: number; requests: number; rows: number; tolerance: number; runtime: string } | null;
}

/**
 * Exports and checks (see the module comment).
 * @returns the ONNX bytes to publish (absent when the model cannot be exported) and the manifest record.
 * @throws WorkbenchError `onnx_mismatch` when ONNX and TF.js scores differ beyond the tolerance.
 */
export function onnxScoring(
  model: tf.LayersModel,
  rows: readonly ParityRows[],
  env: NodeJS.ProcessEnv = process.env,
): { file?: Uint8Array; record: OnnxScoringRecord } {
  const unsupported = onnxUnsupportedReason(model);
  if (unsupported) return { record: { onnx: null, reason: `no ONNX export: ${unsupported}` } };
  const file = exportOnnx(model);
  const runtime = onnxRuntime(env);
  // `=== false`, not `!`: tslab compiles src/ without strictNullChecks, where `!` does not narrow the union.
  if (runtime.available === false)
    return { file, record: { onnx: ONNX_FILE, reason: `not checked at publish (${runtime.reason}); checked at load`, parity: null } };
  const native = runtime.create(file);
  try {
    const diff = maxScoreDifference(tfjsScorer(model), native, rows);
    const parity = {
      maxAbsDiff: diff,
      requests: rows.length,
      rows: rows.reduce((s, r) => s + r.n, 0),
      tolerance: PARITY_TOLERANCE,
      runtime: `onnxruntime-node ${runtime.version}`,
    };
    if (!(diff <= PARITY_TOLERANCE)) {
      throw new WorkbenchError(
        'onnx_mismatch',
        `the ONNX export of ${model.name} scores the warm-up requests ${diff.toExponential(2)} away from TF.js (limit ${PARITY_TOLERANCE}); not published`,
      );
    }
    return { file, record: { onnx: ONNX_FILE, parity } };
  } finally {
    native.dispose();
  }
}
