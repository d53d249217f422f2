import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../../data/schema.js';
import { initBackend, tf } from '../backend.js';
import { topK } from '../ranker.js';
import { describeRankerConformance, type MakeSubject } from '../testing/conformance.js';
import { buildTrainingGroups } from './groups.js';
import { LtrRanker } from './ltr-ranker.js';
import { createScorer } from './mlp.js';
import { type ToyStore, toyStore } from './testing/toy-store.js';
import { trainRanker } from './train-ranker.js';

const store = toyStore({ items: 60, users: 60, cutoff: 1000 });

/** Each user buys the two items of highest (hidden) utility, and views the third. */
function labelEvents(s: ToyStore, users: string[]): InteractionEvent[] {
  return users.flatMap((userId, u) => {
    const best = [...s.itemIds].sort((a, b) => s.utility(userId, b) - s.utility(userId, a)).slice(0, 3);
    return [
      { userId, itemId: best[0], ts: 2000 + u, type: 'purchase' as const },
      { userId, itemId: best[1], ts: 2001 + u, type: 'purchase' as const },
      { userId, itemId: best[2], ts: 2002 + u, type: 'view' as const },
    ];
  });
}

const users = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => `u${from + i}`);

async function trainedRanker(opts: { seed: number; itemEmbedding?: boolean; epochs?: number }): Promise<LtrRanker> {
  const built = buildTrainingGroups(store, labelEvents(store, users(0, 40)), {
    negativesHard: 10,
    negativesRandom: 10,
    seed: opts.seed,
    withItemIndex: opts.itemEmbedding,
  });
  const model = createScorer({
    inputDim: built.contract.names.length,
    seed: opts.seed,
    itemEmbedding: opts.itemEmbedding ? { vocabSize: store.itemIds.length, dim: 4 } : undefined,
  });
  await trainRanker(model, built.groups, { epochs: opts.epochs ?? 20, seed: opts.seed, batchPairs: 256, learningRate: 0.01 });
  return new LtrRanker({ store, contract: built.contract, model });
}

beforeAll(async () => {
  await initBackend();
});

describe('LtrRanker', () => {
  it('ranks what held-out users bought near the top of the whole catalogue', async () => {
    const ranker = await trainedRanker({ seed: 1 });
    const heldOut = users(40, 60);
    const events = labelEvents(store, heldOut).filter((e) => e.type === 'purchase');
    let hits = 0;
    for (const userId of heldOut) {
      const top = topK(store.itemIds, ranker.score({ userId, candidates: store.itemIds }), 5).map((t) => t.itemId);
      hits += events.filter((e) => e.userId === userId && top.includes(e.itemId)).length;
    }
    // 2 purchases per user; a random top-5 of 60 items would catch about 0.17 per user.
    expect(hits / events.length).toBeGreaterThan(0.8);
    ranker.dispose();
  });

  it('refuses a contract without normalisation, with other features, or of another width', () => {
    const model = createScorer({ inputDim: 4, seed: 1 });
    const norm = { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] };
    expect(() => new LtrRanker({ store, contract: store.contract, model })).toThrow(/no normalisation/);
    const renamed = { version: 1 as const, names: ['quality', 'noise', 'context_match', 'user_match'], normalisation: norm };
    expect(() => new LtrRanker({ store, contract: renamed, model })).toThrow(/feature 1 is "user_match" but the model expects "noise"/);
    const narrow = createScorer({ inputDim: 3, seed: 1 });
    expect(() => new LtrRanker({ store, contract: { ...store.contract, normalisation: norm }, model: narrow })).toThrow(
      /model takes 3 features but its contract names 4/,
    );
    model.dispose();
    narrow.dispose();
  });

  it('frees its model on dispose and refuses to score afterwards', async () => {
    const before = tf.memory().numTensors;
    const ranker = await trainedRanker({ seed: 2, epochs: 1 });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    ranker.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => ranker.score({ userId: 'u1', candidates: ['i1'] })).toThrow(/was disposed/);
  });
});

const subject =
  (itemEmbedding: boolean): MakeSubject =>
  async () => ({
    ranker: await trainedRanker({ seed: 3, itemEmbedding, epochs: 3 }),
    knownUser: 'u1',
    knownItems: store.itemIds.slice(0, 30),
  });

describeRankerConformance('LtrRanker (MLP)', subject(false));
describeRankerConformance('LtrRanker (MLP + item embedding)', subject(true));
