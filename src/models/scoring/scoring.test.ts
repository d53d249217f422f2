import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../backend.js';
import { createScorer } from '../ltr/mlp.js';
import { exportOnnx, onnxUnsupportedReason } from './onnx-export.js';
import { onnxRuntime } from './onnx-runtime.js';
import { tfjsScorer } from './scorer.js';
import { chooseScorer, maxScoreDifference, PARITY_TOLERANCE, type ParityRows } from './select.js';

beforeAll(async () => {
  await initBackend();
});

function rows(n: number, dim: number, seed: number): ParityRows {
  return { rows: Float32Array.from({ length: n * dim }, (_, i) => 2 * Math.sin(seed * 7919 + i * 0.37)), n };
}

const runtime = () => {
  const rt = onnxRuntime({});
  if (!rt.available) throw new Error(`onnxruntime-node should load in the test environment: ${rt.reason}`);
  return rt;
};

describe('ONNX export', () => {
  it('scores like TF.js within 1e-5 for 1 and 500 rows, for ltr-mlp and a wider 128-64 net, without leaking tensors', () => {
    for (const hidden of [
      [64, 32],
      [128, 64],
    ]) {
      const model = createScorer({ inputDim: 23, seed: 4, hidden });
      const before = tf.memory().numTensors;
      const bytes = exportOnnx(model);
      expect(tf.memory().numTensors).toBe(before);
      const native = runtime().create(bytes);
      const batches = [rows(1, 23, 1), rows(500, 23, 2)];
      const diff = maxScoreDifference(tfjsScorer(model), native, batches);
      expect(diff).toBeLessThanOrEqual(PARITY_TOLERANCE);
      expect(native.score(batches[1].rows, 500)).toHaveLength(500);
      expect(native.score(new Float32Array(0), 0)).toHaveLength(0);
      native.dispose();
      expect(() => native.score(batches[0].rows, 1)).toThrow(/disposed/);
      model.dispose();
    }
  });

  it('refuses an item-embedding model, naming why', () => {
    const model = createScorer({ inputDim: 5, itemEmbedding: { vocabSize: 10, dim: 2 } });
    expect(onnxUnsupportedReason(model)).toMatch(/2 inputs/);
    expect(() => exportOnnx(model)).toThrow(/cannot export .*2 inputs/);
    model.dispose();
  });
});

describe('onnxRuntime', () => {
  it('is off with WORKBENCH_SCORER=tfjs, unavailable when the package is missing, and refuses an unknown setting', () => {
    expect(onnxRuntime({ WORKBENCH_SCORER: 'tfjs' })).toEqual({ available: false, reason: 'WORKBENCH_SCORER=tfjs' });
    const missing = onnxRuntime({}, 'onnxruntime-node-not-installed');
    expect(missing.available).toBe(false);
    expect(!missing.available && missing.reason).toMatch(/onnxruntime-node-not-installed did not load \(Cannot find module/);
    expect(() => onnxRuntime({ WORKBENCH_SCORER: 'gpu' })).toThrow(/WORKBENCH_SCORER="gpu" is not a scorer; use auto, onnx or tfjs/);
  });
});

describe('chooseScorer', () => {
  const model = createScorer({ inputDim: 8, seed: 9 });
  const batches = () => [rows(40, 8, 3), rows(3, 8, 4)];
  afterAll(() => model.dispose());

  it('takes onnxruntime when the export equals TF.js on the warm-up rows', () => {
    const { scorer, report } = chooseScorer({ model, onnx: exportOnnx(model), parityRows: batches, env: {} });
    expect(scorer.backend).toBe('onnxruntime');
    expect(report).toMatchObject({ backend: 'onnxruntime', parity: { requests: 2, rows: 43 } });
    expect(report.parity?.maxAbsDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    scorer.dispose();
  });

  it('falls back to TF.js, saying why: disabled, no export, another model, a corrupt file', () => {
    const onnx = exportOnnx(model);
    const off = chooseScorer({ model, onnx, parityRows: batches, env: { WORKBENCH_SCORER: 'tfjs' } });
    expect(off.report).toEqual({ backend: 'tfjs', reason: 'WORKBENCH_SCORER=tfjs' });
    expect(off.scorer.score(batches()[0].rows, 40)).toEqual(tfjsScorer(model).score(batches()[0].rows, 40));
    expect(chooseScorer({ model, noOnnxReason: 'no ONNX export: x', parityRows: batches, env: {} }).report.reason).toBe(
      'no ONNX export: x',
    );
    const other = createScorer({ inputDim: 8, seed: 10 });
    const wrong = chooseScorer({ model, onnx: exportOnnx(other), parityRows: batches, env: {} });
    expect(wrong.report.backend).toBe('tfjs');
    expect(wrong.report.reason).toMatch(/ONNX scores differ from TF.js by .* on the warm-up rows \(limit 0.00001\)/);
    other.dispose();
    const corrupt = chooseScorer({ model, onnx: new Uint8Array([1, 2, 3, 4]), parityRows: batches, env: {} });
    expect(corrupt.report.backend).toBe('tfjs');
    expect(corrupt.report.reason).toMatch(/onnxruntime-node refused the ONNX export/);
  });
});
