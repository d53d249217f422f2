import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../util/random.js';
import { initBackend, tf } from '../backend.js';
import { createScorer, LTR_KIND, restoreWeights, scoreRows, snapshotWeights, usesItemIndex } from './mlp.js';

beforeAll(async () => {
  await initBackend();
});

const rows = (n: number, dim: number, seed: number) => {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n * dim }, () => rng.normal());
};

/** Saves through TF.js IO (model.json + weights, in memory) and loads it back. */
async function roundTrip(model: tf.LayersModel): Promise<tf.LayersModel> {
  let saved: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  if (!saved) throw new Error('nothing saved');
  // Through JSON, as the registry writes model.json.
  const topology = JSON.parse(JSON.stringify(saved.modelTopology));
  return tf.loadLayersModel(tf.io.fromMemory({ modelTopology: topology, weightSpecs: saved.weightSpecs, weightData: saved.weightData }));
}

describe('createScorer', () => {
  it('builds D-64-32-1 by default, seeded: same seed same weights, other seed other weights', () => {
    const a = createScorer({ inputDim: 6, seed: 3 });
    const b = createScorer({ inputDim: 6, seed: 3 });
    const c = createScorer({ inputDim: 6, seed: 4 });
    expect(a.name).toBe(LTR_KIND);
    expect(a.outputs[0].shape).toEqual([null, 1]);
    expect(a.weights.map((w) => w.shape)).toEqual([[6, 64], [64], [64, 32], [32], [32, 1], [1]]);
    expect(snapshotWeights(a)).toEqual(snapshotWeights(b));
    expect(snapshotWeights(a)).not.toEqual(snapshotWeights(c));
    for (const m of [a, b, c]) m.dispose();
  });

  it('rejects a bad shape with a message naming it', () => {
    expect(() => createScorer({ inputDim: 0 })).toThrow(/inputDim must be a positive integer, got 0/);
    expect(() => createScorer({ inputDim: 4, hidden: [8, 2.5] })).toThrow(/hidden\[1\] must be a positive integer, got 2.5/);
  });

  for (const embedding of [false, true]) {
    it(`survives save and load with identical scores${embedding ? ' (item embedding)' : ''}`, async () => {
      const before = tf.memory().numTensors;
      const model = createScorer({ inputDim: 5, seed: 2, itemEmbedding: embedding ? { vocabSize: 30, dim: 4 } : undefined });
      const x = rows(40, 5, 1);
      const ids = embedding ? Int32Array.from({ length: 40 }, (_, i) => i % 31) : undefined;
      const loaded = await roundTrip(model);
      expect(usesItemIndex(loaded)).toBe(embedding);
      expect(scoreRows(loaded, x, 40, ids)).toEqual(scoreRows(model, x, 40, ids));
      model.dispose();
      loaded.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
});

describe('scoreRows', () => {
  it('scores n rows in one pass without leaking tensors, and each row independently', () => {
    const model = createScorer({ inputDim: 4, seed: 1 });
    const x = rows(500, 4, 2);
    const before = tf.memory().numTensors;
    const all = scoreRows(model, x, 500);
    for (let i = 0; i < 1000; i++) scoreRows(model, x, 500);
    expect(tf.memory().numTensors).toBe(before);
    expect(all).toHaveLength(500);
    expect(all.every(Number.isFinite)).toBe(true);
    const one = scoreRows(model, x.subarray(4 * 7, 4 * 8), 1);
    expect(one[0]).toBeCloseTo(all[7], 5);
    expect(scoreRows(model, new Float32Array(0), 0)).toHaveLength(0);
    model.dispose();
  });

  it('refuses rows of the wrong width and embedding scorers without item indices', () => {
    const model = createScorer({ inputDim: 4, seed: 1 });
    expect(() => scoreRows(model, new Float32Array(10), 3)).toThrow(/rows has 10 values, expected 3 x 4 = 12/);
    const emb = createScorer({ inputDim: 4, seed: 1, itemEmbedding: { vocabSize: 5, dim: 2 } });
    expect(() => scoreRows(emb, new Float32Array(8), 2)).toThrow(/needs one item index per row/);
    model.dispose();
    emb.dispose();
  });
});

describe('snapshotWeights / restoreWeights', () => {
  it('restores exactly the weights of a snapshot, leaking nothing', () => {
    const model = createScorer({ inputDim: 3, seed: 1 });
    const snap = snapshotWeights(model);
    const other = createScorer({ inputDim: 3, seed: 9 });
    const before = tf.memory().numTensors;
    restoreWeights(other, snap);
    expect(tf.memory().numTensors).toBe(before);
    expect(snapshotWeights(other)).toEqual(snap);
    model.dispose();
    other.dispose();
  });
});
