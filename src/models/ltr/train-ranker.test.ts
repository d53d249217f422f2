import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../backend.js';
import { evaluateGroups } from './group-metrics.js';
import { createScorer, snapshotWeights } from './mlp.js';
import { groupPairs } from './pairs.js';
import { plantedGroups } from './planted-groups.js';
import { trainStream } from './stream.js';
import { trainRanker } from './train-ranker.js';

const DIM = 8;
const SIGNAL = 3;

beforeAll(async () => {
  await initBackend();
});

/** Mean |w| of the first layer's rows (one row per input feature). */
function firstLayerRowMeans(model: tf.LayersModel): number[] {
  const kernel = model.getLayer('hidden_1').getWeights()[0];
  const [rows, cols] = kernel.shape;
  const v = kernel.dataSync();
  return Array.from({ length: rows }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.abs(v[r * cols + c]);
    return s / cols;
  });
}

describe('trainRanker', () => {
  const train = plantedGroups({ groups: 300, dim: DIM, seed: 1 });
  const test = plantedGroups({ groups: 100, dim: DIM, seed: 2 });

  it('learns a planted preference: positives (feature 3 high) ranked first', async () => {
    const model = createScorer({ inputDim: DIM, seed: 1 });
    const before = evaluateGroups(model, test);
    const result = await trainRanker(model, train, { epochs: 8, seed: 1 });
    const after = evaluateGroups(model, test);
    expect(after.pairwiseAccuracy).toBeGreaterThan(0.9);
    expect(after.pairwiseAccuracy).toBeGreaterThan(before.pairwiseAccuracy + 0.1);
    expect(after.ndcg).toBeGreaterThan(before.ndcg);
    expect(result.curve).toHaveLength(8);
    expect(result.curve[7].loss).toBeLessThan(result.curve[0].loss);
    expect(result.pairs).toBe(8 * train.reduce((s, g) => s + groupPairs(g.labels).w.length, 0));
    expect(result.pairsPerSec).toBeGreaterThan(0);
    model.dispose();
  });

  it('with lambda (|delta NDCG|) weights also learns the planted preference', async () => {
    const model = createScorer({ inputDim: DIM, seed: 1 });
    await trainRanker(model, train, { epochs: 8, seed: 1, lambdaWeights: true });
    expect(evaluateGroups(model, test).pairwiseAccuracy).toBeGreaterThan(0.9);
    model.dispose();
  });

  it('L1 drives the weights of irrelevant features toward zero, compared with no L1', async () => {
    const plain = createScorer({ inputDim: DIM, seed: 5 });
    const sparse = createScorer({ inputDim: DIM, seed: 5 });
    await trainRanker(plain, train, { epochs: 10, seed: 1, batchPairs: 512 });
    await trainRanker(sparse, train, { epochs: 10, seed: 1, batchPairs: 512, l1: 3e-3 });
    const p = firstLayerRowMeans(plain);
    const s = firstLayerRowMeans(sparse);
    const irrelevant = (rows: number[]) => rows.filter((_, i) => i !== SIGNAL).reduce((a, b) => a + b, 0) / (DIM - 1);
    expect(irrelevant(s)).toBeLessThan(0.1 * irrelevant(p));
    // The planted feature keeps a clearly larger weight than the irrelevant ones under L1.
    expect(s[SIGNAL]).toBeGreaterThan(3 * irrelevant(s));
    expect(evaluateGroups(sparse, test).pairwiseAccuracy).toBeGreaterThan(0.9);
    plain.dispose();
    sparse.dispose();
  });

  it('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    const model = createScorer({ inputDim: DIM, seed: 2 });
    const script = [0.5, 0.8, 0.7, 0.75, 0.6, 0.9];
    const seen: Float32Array[][] = [];
    const result = await trainRanker(model, train, {
      epochs: 6,
      patience: 3,
      validate: () => {
        seen.push(snapshotWeights(model));
        return script[seen.length - 1];
      },
    });
    expect(result.stoppedEarly).toBe(true);
    expect(result.epochsRun).toBe(5);
    expect(result.bestEpoch).toBe(2);
    expect(result.bestValid).toBe(0.8);
    expect(result.curve.map((c) => c.valid)).toEqual([0.5, 0.8, 0.7, 0.75, 0.6]);
    const now = snapshotWeights(model);
    expect(now).toEqual(seen[1]);
    expect(now).not.toEqual(seen[4]);
    model.dispose();
  });

  it('one-pass mode visits every pair exactly once, groups in time order', async () => {
    const groups = plantedGroups({ groups: 120, dim: DIM, seed: 3 });
    groups[7].labels.fill(0); // a group without pairs is skipped and reported
    const visits: number[] = [];
    let pairs = 0;
    const model = createScorer({ inputDim: DIM, seed: 3 });
    const result = await trainRanker(model, groups, {
      mode: 'one-pass',
      batchPairs: 200,
      onBatch: (b) => {
        visits.push(...b.groups);
        pairs += b.pairs;
      },
    });
    const expected = groups
      .map((g, i) => ({ i, ts: g.ts as number, n: groupPairs(g.labels).w.length }))
      .filter((g) => g.n > 0)
      .sort((a, b) => a.ts - b.ts || a.i - b.i);
    expect(visits).toEqual(expected.map((g) => g.i));
    expect(pairs).toBe(expected.reduce((s, g) => s + g.n, 0));
    expect(result.pairs).toBe(pairs);
    expect(result.epochsRun).toBe(1);
    expect(result.groupsWithoutPairs).toBe(1);
    model.dispose();
  });

  it('trainStream trains on an async stream once per pair, like one-pass mode on the sorted array', async () => {
    const groups = plantedGroups({ groups: 120, dim: DIM, seed: 3 });
    const sorted = [...groups].sort((a, b) => (a.ts as number) - (b.ts as number));
    async function* arrive() {
      for (const g of sorted) yield g;
    }
    const visits: number[] = [];
    const streamed = createScorer({ inputDim: DIM, seed: 3 });
    const result = await trainStream(streamed, arrive(), { batchPairs: 200, onBatch: (b) => visits.push(...b.groups) });
    expect(visits).toEqual(sorted.map((_, i) => i));
    expect(result.mode).toBe('one-pass');
    expect(result.pairs).toBe(sorted.reduce((s, g) => s + groupPairs(g.labels).w.length, 0));
    const batch = createScorer({ inputDim: DIM, seed: 3 });
    await trainRanker(batch, groups, { mode: 'one-pass', batchPairs: 200 });
    expect(snapshotWeights(streamed)).toEqual(snapshotWeights(batch));
    streamed.dispose();
    batch.dispose();
  });

  it('trainStream refuses groups out of time order, naming them', async () => {
    const model = createScorer({ inputDim: DIM, seed: 3 });
    const groups = plantedGroups({ groups: 3, dim: DIM, seed: 3 }).map((g, i) => ({ ...g, ts: [10, 30, 20][i] }));
    const before = tf.memory().numTensors;
    await expect(trainStream(model, groups)).rejects.toThrow(/streamed training group 2 has ts 20, before the previous group's 30/);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('one-pass mode needs a ts on every group', async () => {
    const model = createScorer({ inputDim: DIM, seed: 3 });
    const groups = plantedGroups({ groups: 3, dim: DIM, seed: 3 });
    delete groups[1].ts;
    await expect(trainRanker(model, groups, { mode: 'one-pass' })).rejects.toThrow(/training group 1 has no ts/);
    model.dispose();
  });

  it('is reproducible: same seeds give identical weights, another shuffle seed does not', async () => {
    const run = async (seed: number) => {
      const model = createScorer({ inputDim: DIM, seed: 9 });
      await trainRanker(model, train.slice(0, 100), { epochs: 3, seed, batchPairs: 500 });
      const w = snapshotWeights(model);
      model.dispose();
      return w;
    };
    const a = await run(1);
    const b = await run(1);
    const c = await run(2);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('leaves tf.memory().numTensors as it found it', async () => {
    const start = tf.memory().numTensors;
    const model = createScorer({ inputDim: DIM, seed: 4 });
    const withModel = tf.memory().numTensors;
    await trainRanker(model, train.slice(0, 50), { epochs: 2, l1: 1e-4, l2: 1e-4, lambdaWeights: true, validate: () => 0 });
    expect(tf.memory().numTensors).toBe(withModel);
    model.dispose();
    expect(tf.memory().numTensors).toBe(start);
  });

  it('rejects bad knobs and mismatched feature widths with a clear message', async () => {
    const model = createScorer({ inputDim: DIM, seed: 4 });
    await expect(trainRanker(model, train, { learningRate: 0 })).rejects.toThrow(/learningRate is invalid: 0/);
    await expect(trainRanker(model, train, { mode: 'twice' as 'epochs' })).rejects.toThrow(/mode is invalid: twice/);
    // An explicit undefined means the default.
    const r = await trainRanker(model, train.slice(0, 5), { epochs: undefined, batchPairs: undefined });
    expect(r.params.epochs).toBe(30);
    await expect(trainRanker(model, plantedGroups({ groups: 2, dim: 5, seed: 1 }))).rejects.toThrow(/expected 22 rows x 8 features/);
    model.dispose();
  });

  it('trains an item-embedding scorer (gather gradient through the scatter-add kernel)', async () => {
    // No feature signal at all: positives are the items 1..10 of a 200-item vocabulary.
    const groups = plantedGroups({ groups: 200, dim: 4, seed: 6, shift: 0, vocab: 200 });
    for (const g of groups) {
      g.labels.forEach((l, r) => {
        (g.itemIndex as Int32Array)[r] = l > 0 ? 1 + (r % 10) : 11 + ((r * 7 + (g.ts as number)) % 190);
      });
    }
    const heldOut = groups.splice(150);
    const model = createScorer({ inputDim: 4, seed: 6, itemEmbedding: { vocabSize: 200, dim: 8 } });
    const before = tf.memory().numTensors;
    await trainRanker(model, groups, { epochs: 15, seed: 1, learningRate: 0.01 });
    expect(tf.memory().numTensors).toBe(before);
    expect(evaluateGroups(model, heldOut).pairwiseAccuracy).toBeGreaterThan(0.9);
    model.dispose();
  });
});
