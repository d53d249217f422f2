import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../data/schema.js';
import { bprScore, foldInUser } from './bpr.js';
import { BUILTIN_FEATURES } from './builtin.js';
import { contractOf, DEFAULT_FEATURE_SET, featureSetByName, featureSetId } from './feature-set.js';
import { MF_FEATURE_SET, MF_SCORE_STATE } from './mf-feature.js';
import { DAY_MS } from './popularity.js';
import { buildFeatureStore, featureStoreFromTables, featureStoreToTables, type TableFeatureStore } from './store.js';
import type { FeatureTables } from './tables.js';
import { randomShop } from './testing/shops.js';

const shop = randomShop(21);
const cutoff = shop.start + 45 * DAY_MS;
const mf = featureSetByName(MF_FEATURE_SET);
const D = mf.features.length;
let store: TableFeatureStore;

beforeAll(async () => {
  store = await buildFeatureStore(shop.events, shop.items, { cutoff, threads: 1, featureSet: mf });
});

/** The mf_score column for a user over the whole catalogue. */
const column = (s: TableFeatureStore, userId: string) => {
  const x = s.features(userId, s.itemIds);
  return Array.from({ length: s.itemIds.length }, (_, r) => x[r * D + D - 1]);
};

describe('the mf_score feature (feature set "mf")', () => {
  it('is off by default: the default set is the 23 built-ins, its id and tables unchanged', async () => {
    const def = featureSetByName(DEFAULT_FEATURE_SET);
    expect(def.features).toEqual(BUILTIN_FEATURES);
    expect(def.id).toBe(featureSetId(BUILTIN_FEATURES));
    const plain = await buildFeatureStore(shop.events, shop.items, { cutoff, threads: 1 });
    expect(featureStoreToTables(plain).fitted).toBeUndefined();
    expect(mf.features.map((f) => f.name)).toEqual([...BUILTIN_FEATURES.map((f) => f.name), 'mf_score']);
    // The first 23 columns of the "mf" set are the default vector, bit for bit.
    const user = plain.userIds[3];
    const a = plain.features(user, plain.itemIds.slice(0, 10), 'i4');
    const b = store.features(user, store.itemIds.slice(0, 10), 'i4');
    for (let r = 0; r < 10; r++) expect(b.slice(r * D, r * D + D - 1)).toEqual(a.slice(r * 23, r * 23 + 23));
  });

  it('is b_c + u . v_c of the BPR fit on the store window, the user folded in from their history', () => {
    const model = store.itemState(MF_SCORE_STATE);
    expect(model.params).toMatchObject({ factors: 32, epochs: 30, seed: 42 });
    for (const user of store.userIds.slice(0, 5)) {
      const u = foldInUser(model, store.view(user)?.items ?? new Int32Array(0));
      expect(column(store, user)).toEqual(store.itemIds.map((_, c) => Math.fround(bprScore(model, u, c))));
    }
    // Without history: the item biases; unknown candidates: 0.
    expect(column(store, 'stranger')).toEqual(Array.from(model.itemBias));
    expect(store.features(store.userIds[0], ['no-such-item'])[D - 1]).toBe(0);
  });

  it('travels with the version: a store loaded from the tables gives the same values; without them it refuses to open', () => {
    const tables = JSON.parse(JSON.stringify(featureStoreToTables(store))) as FeatureTables;
    expect(tables.fitted?.map((e) => e.key)).toEqual(['bpr-factors']);
    const loaded = featureStoreFromTables(tables, { users: store.users, contract: contractOf(mf), now: cutoff });
    for (const user of [store.userIds[0], 'stranger']) expect(column(loaded, user)).toEqual(column(store, user));
    const { fitted: _f, ...without } = tables;
    expect(() => featureStoreFromTables(without as FeatureTables, { contract: contractOf(mf) })).toThrow(/fitted item state "bpr-factors"/);
  });

  it('uses no event at or after the cutoff for the fit, and follows the live history', async () => {
    const user = store.userIds[0];
    const later: InteractionEvent[] = [
      { userId: user, itemId: 'i3', ts: cutoff, type: 'purchase' },
      { userId: 'newcomer', itemId: 'i5', ts: cutoff + DAY_MS, type: 'purchase' },
    ];
    const withLater = await buildFeatureStore([...shop.events, ...later], shop.items, { cutoff, threads: 1, featureSet: mf });
    expect(column(withLater, user)).toEqual(column(store, user));
    expect(JSON.stringify(featureStoreToTables(withLater))).toBe(JSON.stringify(featureStoreToTables(store)));
    // Online, the user's purchase moves their score; the factors stay the cutoff's.
    const live = await buildFeatureStore([...shop.events, ...later], shop.items, { cutoff: cutoff + 2 * DAY_MS, threads: 1 });
    const online = store.withUsers(live.users);
    expect(online.itemState(MF_SCORE_STATE)).toBe(store.itemState(MF_SCORE_STATE));
    expect(column(online, user)).not.toEqual(column(store, user));
  });
});
