import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent, Item } from '../../data/schema.js';
import { DAY_MS } from '../../features/popularity.js';
import { buildFeatureStore, featureStoreFromTables, featureStoreToTables, type TableFeatureStore } from '../../features/store.js';
import type { FeatureTables } from '../../features/tables.js';
import { T0 } from '../../features/testing/shops.js';
import { ITEM_KNN } from './baseline-kinds.js';
import { ItemKnnRanker } from './item-knn.js';

// Who touched what before the cutoff (day 10):  u1: A B   u2: A B C   u3: C D   u4: A
// Users per item: A {u1,u2,u4}, B {u1,u2}, C {u2,u3}, D {u3}, E nobody. Cosine over binary user vectors:
//   sim(A,B) = 2/sqrt(3*2) = 0.8165   sim(A,C) = 1/sqrt(3*2) = 0.4082
//   sim(B,C) = 1/sqrt(2*2) = 0.5      sim(C,D) = 1/sqrt(2*1) = 0.7071   (A,D), (B,D), anything with E: 0
const items: Item[] = ['A', 'B', 'C', 'D', 'E'].map((itemId) => ({ itemId, title: itemId }));
const at = (d: number) => T0 + d * DAY_MS;
const touch = (userId: string, itemIds: string[], d: number, type: InteractionEvent['type'] = 'purchase') =>
  itemIds.map((itemId, k): InteractionEvent => ({ userId, itemId, ts: at(d) + k, type }));
const events: InteractionEvent[] = [
  ...touch('u1', ['A', 'B'], 1),
  ...touch('u2', ['A'], 2),
  ...touch('u2', ['B', 'C'], 6, 'view'), // weeks apart and only viewed: still neighbours for item-kNN
  ...touch('u3', ['C', 'D'], 3),
  ...touch('u4', ['A'], 4),
];
const cutoff = at(10);
const SIM = { AB: 2 / Math.sqrt(6), AC: 1 / Math.sqrt(6), BC: 0.5, CD: 1 / Math.sqrt(2) };

let store: TableFeatureStore;
beforeAll(async () => {
  store = await buildFeatureStore(events, items, { cutoff, threads: 1 });
});

function scoresOf(ranker: ItemKnnRanker, userId: string, contextItemId?: string): Record<string, number> {
  const s = ranker.score({ userId, candidates: ['A', 'B', 'C', 'D', 'E'], contextItemId });
  return Object.fromEntries(['A', 'B', 'C', 'D', 'E'].map((id, i) => [id, s[i]]));
}
/** Matches scores to 3 decimals: the popularity tie-break adds less than 1e-4. */
const near = (expected: Record<string, number>) => Object.fromEntries(Object.entries(expected).map(([k, v]) => [k, expect.closeTo(v, 3)]));

describe('item-kNN baseline', () => {
  it('scores the sum of cosine similarities (over users) to the history, computed by hand', () => {
    const knn = new ItemKnnRanker(store, { neighbours: 10 });
    expect(store.neighbours('A').map((n) => n.itemId)).not.toContain('C'); // basket co-occurrence never saw A with C
    expect(scoresOf(knn, 'u4')).toEqual(near({ A: 0, B: SIM.AB, C: SIM.AC, D: 0, E: 0 }));
    expect(scoresOf(knn, 'u3')).toEqual(near({ A: SIM.AC, B: SIM.BC, C: SIM.CD, D: SIM.CD, E: 0 }));
    // u1 (A, B): C = sim(A,C) + sim(B,C); each of A and B scores the other.
    expect(scoresOf(knn, 'u1')).toEqual(near({ A: SIM.AB, B: SIM.AB, C: SIM.AC + SIM.BC, D: 0, E: 0 }));
    // The item on the page counts contextWeight times; a stranger gets its neighbours only.
    expect(scoresOf(knn, 'stranger', 'D')).toEqual(near({ A: 0, B: 0, C: SIM.CD, D: 0, E: 0 }));
    expect(scoresOf(new ItemKnnRanker(store, { contextWeight: 2 }), 'u4', 'D')).toEqual(
      near({ A: 0, B: SIM.AB, C: SIM.AC + 2 * SIM.CD, D: 0, E: 0 }),
    );
  });

  it('keeps the top-N neighbours per item (the neighbourhood size), ties broken by item order', () => {
    const one = new ItemKnnRanker(store, { neighbours: 1 });
    // C's best neighbour is D (0.71 > B 0.5 > A 0.41): u3's history C, D reaches neither A nor B.
    expect(scoresOf(one, 'u3')).toEqual(near({ A: 0, B: 0, C: SIM.CD, D: SIM.CD, E: 0 }));
    expect(scoresOf(one, 'u4')).toEqual(near({ A: 0, B: SIM.AB, C: 0, D: 0, E: 0 }));
    expect(one.params).toMatchObject({ neighbours: 1 });
    expect(() => new ItemKnnRanker(store, { neighbours: 0 })).toThrow(/item-knn ranker: neighbours must be an integer >= 1, got 0/);
    expect(() => new ItemKnnRanker(store, { neighbours: 201 })).toThrow(/at most 200, got 201/);
    // The kind tunes the neighbourhood size on validation over these settings.
    expect(ITEM_KNN.grid.map((g) => g.neighbours)).toEqual([5, 10, 25, 50, 100, 200]);
  });

  it('uses only the histories before the cutoff (later events change nothing) and not the live user state', async () => {
    const later = [...touch('u4', ['D'], 10), ...touch('u5', ['A', 'D', 'E'], 11)];
    const fresh = await buildFeatureStore(events, items, { cutoff, threads: 1 });
    const withLater = await buildFeatureStore([...events, ...later], items, { cutoff, threads: 1 });
    const a = new ItemKnnRanker(fresh, { neighbours: 10 });
    const b = new ItemKnnRanker(withLater, { neighbours: 10 });
    for (const u of ['u1', 'u2', 'u3', 'u4', 'stranger']) expect(scoresOf(b, u)).toEqual(scoresOf(a, u));
    expect(JSON.stringify(featureStoreToTables(withLater))).toBe(JSON.stringify(featureStoreToTables(fresh)));
    // Served over live state that has seen u4 buy D: the similarities stay the cutoff's, u4's history grows.
    const live = withLater.withUsers((await buildFeatureStore([...events, ...later], items, { cutoff: at(20), threads: 1 })).users);
    expect(scoresOf(new ItemKnnRanker(live, { neighbours: 10 }), 'u4')).toEqual(near({ A: 0, B: SIM.AB, C: SIM.AC + SIM.CD, D: 0, E: 0 }));
  });

  it('is served from the neighbour lists in the tables: same scores, nothing refitted', () => {
    const knn = new ItemKnnRanker(store, { neighbours: 10 });
    const tables = JSON.parse(JSON.stringify(featureStoreToTables(store))) as FeatureTables;
    expect(tables.fitted?.map((e) => [e.key, e.params])).toContainEqual(['item-knn-neighbours', { neighbours: 10 }]);
    const loaded = featureStoreFromTables(tables, { users: store.users });
    const served = new ItemKnnRanker(loaded, { neighbours: 10 });
    for (const u of ['u1', 'u3', 'stranger'])
      expect(served.score({ userId: u, candidates: ['A', 'C', 'E'] })).toEqual(knn.score({ userId: u, candidates: ['A', 'C', 'E'] }));
    expect(() => new ItemKnnRanker(loaded, { neighbours: 7 })).toThrow(
      /fitted item state "item-knn-neighbours" .* is not in these feature tables/,
    );
  });
});
