/**
 * The LTR model on the real FeatureStore (src/features) over a small synthetic shop: training
 * groups from a label window after the store's cutoff, training, and the Ranker contract.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { splitByLastDays } from '../../data/split.js';
import { generateSyntheticStore } from '../../data/synthetic-store.js';
import { buildFeatureStore, type FeatureStore } from '../../features/store.js';
import { initBackend } from '../backend.js';
import { describeRankerConformance } from '../testing/conformance.js';
import { evaluateGroups } from './group-metrics.js';
import { buildTrainingGroups } from './groups.js';
import { LtrRanker } from './ltr-ranker.js';
import { createScorer } from './mlp.js';
import { trainRanker } from './train-ranker.js';

const data = generateSyntheticStore({ seed: 7, users: 400, items: 150, weeks: 6 });
const split = splitByLastDays(data.events, { testDays: 7, validDays: 7 });
let storePromise: Promise<FeatureStore> | undefined;
/** Built once per test file (DuckDB co-occurrence). */
const store = () => {
  storePromise ??= buildFeatureStore(split.train, data.items, { cutoff: split.boundaries.validStart, threads: 1 });
  return storePromise;
};

beforeAll(async () => {
  await initBackend();
});

describe('LTR on the FeatureStore', () => {
  it('builds groups from the label window and learns to rank its positives', async () => {
    const s = await store();
    const built = buildTrainingGroups(s, split.valid, { negativesHard: 10, negativesRandom: 10, seed: 1 });
    expect(built.groups.length).toBeGreaterThan(50);
    expect(built.report.eventsBeforeCutoff).toBe(0);
    expect(built.contract.names).toEqual(s.contract.names);
    const train = built.groups.filter((_, i) => i % 4 !== 0);
    const held = built.groups.filter((_, i) => i % 4 === 0);
    const model = createScorer({ inputDim: built.contract.names.length, seed: 1 });
    const before = evaluateGroups(model, held);
    const result = await trainRanker(model, train, { epochs: 10, batchPairs: 1024, validate: () => evaluateGroups(model, held).ndcg });
    const after = evaluateGroups(model, held);
    expect(after.ndcg).toBeGreaterThan(before.ndcg + 0.05);
    expect(after.pairwiseAccuracy).toBeGreaterThan(0.7);
    expect(result.bestValid).toBeCloseTo(after.ndcg, 6);
    model.dispose();
  });
});

describeRankerConformance('LtrRanker on the FeatureStore', async () => {
  const s = await store();
  const built = buildTrainingGroups(s, split.valid, { negativesHard: 10, negativesRandom: 10, seed: 2 });
  const model = createScorer({ inputDim: built.contract.names.length, seed: 2 });
  await trainRanker(model, built.groups, { epochs: 2, seed: 2 });
  const knownUser = built.groups.map((g) => g.userId as string).find((u) => s.user(u) !== undefined);
  if (!knownUser) throw new Error('no label-window user has a pre-cutoff history');
  return { ranker: new LtrRanker({ store: s, contract: built.contract, model }), knownUser, knownItems: s.itemIds.slice(0, 40) };
});
