/**
 * Known-answer check of the whole training protocol: on the synthetic store, whose TRUE user-item
 * affinities are known, the trained ranker's top 10 must hold clearly more true affinity than every
 * behavioural baseline's, and be on par with the attribute baseline, which scores with the very
 * attributes the generator plants the affinity in. Relevant = each user's TOP items by true
 * affinity. The evaluation on held-out purchases cannot show this on its own (purchases are a noisy
 * sample of affinity); this checks the planted preferences themselves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSyntheticStore, type SyntheticDataset } from '../data/synthetic.js';
import { tf } from '../models/backend.js';
import { createBaseline } from '../models/baselines/index.js';
import { LtrRanker } from '../models/ltr/index.js';
import type { Ranker } from '../models/ranker.js';
import { type TrainedRun, trainAndEvaluate } from './train-model.js';

/** NDCG@k of the ranking by `scores` against per-item gains (ideal = the k largest gains). */
function truthNdcg(scores: Float32Array, gains: Float64Array, k: number): number {
  const byScore = Array.from(scores.keys()).sort((a, b) => scores[b] - scores[a] || a - b);
  const ideal = Array.from(gains).sort((a, b) => b - a);
  let dcg = 0;
  let idcg = 0;
  for (let r = 0; r < k; r++) {
    const disc = 1 / Math.log2(r + 2);
    dcg += gains[byScore[r]] * disc;
    idcg += ideal[r] * disc;
  }
  return idcg > 0 ? dcg / idcg : 0;
}

const TOP = 20;
let dataset: SyntheticDataset;
let run: TrainedRun;
let tensorsBefore: number;

beforeAll(async () => {
  dataset = generateSyntheticStore({ seed: 42, users: 1000, items: 300, weeks: 10 });
  tensorsBefore = tf.memory().numTensors;
  run = await trainAndEvaluate(dataset, { bootstrapResamples: 50, maxValidUsers: 300 });
}, 60_000);

afterAll(() => {
  run?.ranker?.model.dispose();
});

describe('the trained ranker recovers the planted preferences of the synthetic store', () => {
  it('ranks truly liked items above the behavioural baselines and on par with attributes (truth-NDCG@10)', () => {
    const store = run.testStore;
    const catalogue = store.itemIds;
    // Users known before the test window, none of whose test-window behaviour was trained on.
    const users = [...store.userIds].sort().slice(0, 250);
    expect(users.length).toBeGreaterThan(100);
    const trained = run.ranker;
    if (!trained) throw new Error('no ranker was trained');
    const rankers: Ranker[] = run.baselines.map((b) => createBaseline(b.kind, store, b.params));
    const ltr = new LtrRanker({ store, contract: trained.contract, model: trained.model });
    const means: Record<string, number> = {};
    for (const r of [...rankers, ltr]) {
      let sum = 0;
      for (const userId of users) {
        const aff = Float64Array.from(catalogue, (itemId) => dataset.truth.affinity(userId, itemId));
        const cut = Array.from(aff).sort((a, b) => b - a)[TOP - 1];
        const gains = aff.map((a) => (a >= cut ? 1 : 0));
        sum += truthNdcg(r.score({ userId, candidates: catalogue as string[] }), gains, 10);
      }
      means[r.name] = sum / users.length;
    }
    for (const r of rankers) r.dispose();
    const ours = means[ltr.name];
    const summary = JSON.stringify(means);
    // Behavioural baselines (what was bought, with what, how often): clearly beaten.
    for (const kind of ['popularity', 'cooccurrence', 'repeat']) expect(ours, summary).toBeGreaterThan(means[kind] + 0.02);
    // The attribute baseline mirrors the generator's own affinity terms: measured 0.602 vs 0.614
    // here (0.536 vs 0.512 on the default-size store with graded gains), so only parity is asserted.
    expect(ours, summary).toBeGreaterThan(means.attributes - 0.03);
  });

  it('leaves no tensors behind but the model it returns', () => {
    const trained = run.ranker;
    if (!trained) throw new Error('no ranker was trained');
    const own = trained.model.weights.length;
    expect(tf.memory().numTensors).toBe(tensorsBefore + own);
  });
});
