import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/random.js';
import { tf } from '../backend.js';
import {
  installScatterAddKernels,
  SCATTER_ADD_BACKENDS,
  SCATTER_ADD_KERNEL,
  scatterAddInstalled,
  scatterAddInto,
  uninstallScatterAddKernels,
} from './scatter-add.js';

function randomValues(rng: Rng, n: number): Float32Array {
  return Float32Array.from({ length: n }, () => rng.normal());
}

/** gather(table, ids) gradient by hand: d/dtable sum(gather(table, ids) * w) = scatter-add of w. */
function referenceGatherGrad(ids: Int32Array, w: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(rows * dim);
  for (let r = 0; r < ids.length; r++) for (let k = 0; k < dim; k++) out[ids[r] * dim + k] += w[r * dim + k];
  return out;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tol = 1e-5): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]));
  expect(worst).toBeLessThan(tol);
}

describe('scatter-add UnsortedSegmentSum kernel', () => {
  beforeAll(async () => {
    await tf.setBackend('wasm');
    await tf.ready();
    installScatterAddKernels();
  });
  afterAll(() => uninstallScatterAddKernels());

  it('is registered for cpu and wasm, and installing twice is harmless', () => {
    installScatterAddKernels();
    for (const b of SCATTER_ADD_BACKENDS) expect(scatterAddInstalled(b)).toBe(true);
  });

  for (const backendName of SCATTER_ADD_BACKENDS) {
    describe(`on ${backendName}`, () => {
      beforeAll(async () => {
        await tf.setBackend(backendName);
        await tf.ready();
      });

      it('matches a reference scatter-add, with repeated ids and ids out of range dropped', () => {
        const rng = new Rng(7);
        const n = 50;
        const dim = 6;
        const segments = 9;
        const x = randomValues(rng, n * dim);
        const ids = Int32Array.from({ length: n }, (_, i) => (i % 10 === 0 ? -1 : rng.int(segments)));
        const expected = new Float32Array(segments * dim);
        for (let r = 0; r < n; r++) {
          if (ids[r] < 0) continue;
          for (let k = 0; k < dim; k++) expected[ids[r] * dim + k] += x[r * dim + k];
        }
        const before = tf.memory().numTensors;
        const got = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [n, dim]), tf.tensor1d(ids, 'int32'), segments).dataSync());
        expectClose(got, expected);
        expect(tf.memory().numTensors).toBe(before);
      });

      it('handles rank-3 int32 values (each row a 1 x 2 block)', () => {
        const x = tf.tensor3d([1, 2, 3, 4, 5, 6, 7, 8], [4, 1, 2], 'int32');
        const ids = tf.tensor1d([1, 0, 1, 1], 'int32');
        const out = tf.unsortedSegmentSum(x, ids, 3);
        expect(out.shape).toEqual([3, 1, 2]);
        expect(out.dtype).toBe('int32');
        expect(Array.from(out.dataSync())).toEqual([3, 4, 1 + 5 + 7, 2 + 6 + 8, 0, 0]);
        tf.dispose([x, ids, out]);
      });

      it('gives the gradient of tf.gather into a 5000-row table (gradient check)', () => {
        const rng = new Rng(11);
        const rows = 5000;
        const dim = 8;
        const batch = 256;
        const table = randomValues(rng, rows * dim);
        const ids = Int32Array.from({ length: batch }, () => rng.int(40)); // many repeats
        const w = randomValues(rng, batch * dim);
        const before = tf.memory().numTensors;
        const grad = tf.tidy(() => {
          const t = tf.tensor2d(table, [rows, dim]);
          const idx = tf.tensor1d(ids, 'int32');
          const weights = tf.tensor2d(w, [batch, dim]);
          return tf
            .grad((tbl: tf.Tensor) => tf.sum(tf.mul(tf.gather(tbl, idx), weights)))(t)
            .dataSync();
        });
        expect(tf.memory().numTensors).toBe(before);
        expectClose(grad, referenceGatherGrad(ids, w, rows, dim));
      });

      it('lets an embedding layer train without tensor leaks', () => {
        const before = tf.memory().numTensors;
        const model = tf.sequential({
          layers: [
            tf.layers.embedding({ inputDim: 100, outputDim: 4, inputLength: 1, embeddingsInitializer: tf.initializers.zeros() }),
            tf.layers.flatten(),
            tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.ones() }),
          ],
        });
        const opt = tf.train.sgd(0.1);
        const ids = tf.tensor2d([3, 3, 7], [3, 1], 'int32');
        opt.minimize(() => tf.sum(model.apply(ids) as tf.Tensor) as tf.Scalar);
        const emb = model.layers[0].getWeights()[0].arraySync() as number[][];
        // d/dE[3] = 2 (two rows) and d/dE[7] = 1 through a kernel of ones; sgd step -0.1 * grad.
        expect(emb[3][0]).toBeCloseTo(-0.2, 5);
        expect(emb[7][0]).toBeCloseTo(-0.1, 5);
        expect(emb[0][0]).toBe(0);
        ids.dispose();
        opt.dispose();
        model.dispose();
        expect(tf.memory().numTensors).toBe(before);
      });
    });
  }

  it('agrees with the stock cpu kernel on a small case, and uninstall restores the stock kernel', async () => {
    await tf.setBackend('cpu');
    const rng = new Rng(3);
    const x = randomValues(rng, 12 * 3);
    const ids = Int32Array.from({ length: 12 }, () => rng.int(4));
    const run = () => tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x, [12, 3]), tf.tensor1d(ids, 'int32'), 4).dataSync());
    const ours = run();
    uninstallScatterAddKernels();
    expect(scatterAddInstalled('cpu')).toBe(false);
    expect(tf.getKernel(SCATTER_ADD_KERNEL, 'cpu')).toBeDefined();
    expect(tf.getKernel(SCATTER_ADD_KERNEL, 'wasm')).toBeUndefined();
    const stock = run();
    expectClose(ours, stock);
    installScatterAddKernels();
    expect(scatterAddInstalled('cpu')).toBe(true);
  });

  it('scatterAddInto drops ids outside [0, numSegments)', () => {
    const out = new Float32Array(4);
    scatterAddInto(out, [1, 2, 3, 4, 5, 6], [0, -1, 1, 2, 1, 0], 1, 2);
    expect(Array.from(out)).toEqual([1 + 6, 3 + 5, 0, 0]);
  });
});
