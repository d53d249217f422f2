import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../data/schema.js';
import { BUILTIN_FEATURES } from './builtin.js';
import { decodeArray, encodeArray } from './encoding.js';
import { featureSet, registerFeature } from './feature-set.js';
import { type InteractionMatrix, type ItemStateDefinition, itemStateUse } from './item-state.js';
import { DAY_MS } from './popularity.js';
import type { FeatureRequest } from './request.js';
import { buildFeatureStore, featureStoreFromTables, featureStoreToTables, type TableFeatureStore } from './store.js';
import type { FeatureTables } from './tables.js';
import { randomShop, tinyShop } from './testing/shops.js';
import { replayUntil } from './user-state-store.js';

// A state anyone can check by hand: per item, 100 x scale x (number of users) + the sum of their weights.
let fits = 0;
const USERS_PER_ITEM: ItemStateDefinition<{ scale: number }, Float64Array> = {
  key: 'users-per-item',
  version: 1,
  doc: 'test: users per item',
  fit(m: InteractionMatrix, { scale }) {
    fits++;
    const out = new Float64Array(m.items);
    for (let e = 0; e < m.cols.length; e++) out[m.cols[e]] += 100 * scale + m.weights[e];
    return out;
  },
  encode: (s) => encodeArray(s),
  decode: (v, n) => decodeArray(v, 'float64', n, 'fitted.users-per-item'),
};
const use = (scale: number) => itemStateUse(USERS_PER_ITEM, { scale });

describe('fitted item states', () => {
  const tiny = tinyShop();
  let store: TableFeatureStore;

  beforeAll(async () => {
    store = await buildFeatureStore(tiny.events, tiny.items, { cutoff: tiny.cutoff, threads: 1 });
  });

  it('fit from the histories before the cutoff (weights = EVENT_STRENGTH sums) on first use, once per setting', () => {
    fits = 0;
    const a = store.itemState(use(1));
    expect(store.itemState(use(1))).toBe(a);
    expect(fits).toBe(1);
    // u1: A 5+5, B 5, C 1; u2: A 5, B 5, C 1+1, D 1; u3: D 5 (the impression counts for nothing). E: nobody.
    expect(Array.from(a)).toEqual([215, 210, 203, 206, 0]);
    expect(store.itemState(use(2))[0]).toBe(415);
    expect(fits).toBe(2);
    // Copies with other users or features share the cache, and still fit from the cutoff's users.
    const live = replayUntil(
      [...tiny.events, { userId: 'u9', itemId: 'E', ts: tiny.cutoff + 1, type: 'purchase' }],
      Number.POSITIVE_INFINITY,
    );
    expect(store.withUsers(live).itemState(use(1))).toBe(a);
    expect(store.withUsers(live).itemState(use(3))[4]).toBe(0);
  });

  it('travel in the tables: a loaded store reads them without refitting and refuses one it lacks', () => {
    for (const scale of [3, 1, 2]) store.itemState(use(scale));
    const tables = JSON.parse(JSON.stringify(featureStoreToTables(store))) as FeatureTables;
    expect(tables.fitted?.map((e) => [e.key, e.params])).toEqual([
      ['users-per-item', { scale: 1 }],
      ['users-per-item', { scale: 2 }],
      ['users-per-item', { scale: 3 }],
    ]);
    fits = 0;
    const loaded = featureStoreFromTables(tables);
    expect(Array.from(loaded.itemState(use(2)))).toEqual(Array.from(store.itemState(use(2))));
    expect(fits).toBe(0);
    expect(() => loaded.itemState(use(4))).toThrow(
      /fitted item state "users-per-item" version 1 with \{"scale":4\} is not in these feature tables/,
    );
    // Loaded stores publish what they read.
    expect(featureStoreToTables(loaded).fitted).toEqual(tables.fitted);
  });

  it('leave tables without fitted states byte-identical (no `fitted` key)', async () => {
    const plain = await buildFeatureStore(tiny.events, tiny.items, { cutoff: tiny.cutoff, threads: 1 });
    expect(Object.keys(featureStoreToTables(plain))).not.toContain('fitted');
  });

  it('withOwnItemStates: a copy holds only the states its features need, so versions do not carry each other', () => {
    const own = store.withOwnItemStates();
    expect(featureStoreToTables(own).fitted).toBeUndefined();
    own.itemState(use(7));
    expect(featureStoreToTables(own).fitted?.map((e) => e.params)).toEqual([{ scale: 7 }]);
    expect(featureStoreToTables(store).fitted?.map((e) => e.params)).not.toContainEqual({ scale: 7 });
  });

  it('a feature that declares one gets it fitted with the store; a loaded store without it fails to open', async () => {
    const feature = {
      name: 'users_of_item',
      doc: 'test: users of the candidate',
      scope: 'item' as const,
      version: 1,
      itemState: use(1),
      fill(req: FeatureRequest, out: Float32Array, col: number, stride: number) {
        const s = req.items.fitted.get(use(1));
        for (let r = 0; r < req.candidates.length; r++) if (req.candidates[r] >= 0) out[r * stride + col] = s[req.candidates[r]];
      },
    };
    const set = featureSet('with-fitted', [...BUILTIN_FEATURES, feature]);
    expect(set.id).not.toBe(featureSet('x', [...BUILTIN_FEATURES, { ...feature, itemState: use(2) }]).id);
    fits = 0;
    const s = await buildFeatureStore(tiny.events, tiny.items, { cutoff: tiny.cutoff, threads: 1, featureSet: set });
    expect(fits).toBe(1);
    const col = BUILTIN_FEATURES.length;
    const x = s.features('u1', ['A', 'E', 'nope']);
    expect([x[col], x[2 * (col + 1) - 1], x[3 * (col + 1) - 1]]).toEqual([215, 0, 0]);
    const tables = featureStoreToTables(s);
    expect(tables.fitted?.map((e) => e.params)).toEqual([{ scale: 1 }]);
    // Tables without it: loading a store that computes the feature fails at once, naming the state.
    const { fitted: _dropped, ...without } = tables;
    registerFeature(feature);
    expect(() => featureStoreFromTables(without as FeatureTables, { contract: s.contract })).toThrow(/fitted item state "users-per-item"/);
    expect(featureStoreFromTables(tables, { contract: s.contract }).features('u1', ['A'])[col]).toBe(215);
  });
});

describe('fitted item states use only events before the cutoff', () => {
  const shop = randomShop(11);
  const cutoff = shop.start + 40 * DAY_MS;
  const tablesOf = async (events: readonly InteractionEvent[]) => {
    const s = await buildFeatureStore(events, shop.items, { cutoff, threads: 1 });
    s.itemState(use(1));
    return JSON.stringify(featureStoreToTables(s).fitted);
  };

  it('is unchanged by events at or after the cutoff, and changed by one before it', async () => {
    const base = await tablesOf(shop.events);
    const before = shop.events.filter((e) => e.ts < cutoff);
    expect(await tablesOf(before)).toBe(base);
    const extra: InteractionEvent[] = [
      { userId: 'newcomer', itemId: 'i1', ts: cutoff, type: 'purchase' },
      { userId: 'u1', itemId: 'i2', ts: cutoff + DAY_MS, type: 'purchase' },
    ];
    expect(await tablesOf([...shop.events, ...extra])).toBe(base);
    expect(await tablesOf([...shop.events, { userId: 'newcomer', itemId: 'i1', ts: cutoff - 1, type: 'purchase' }])).not.toBe(base);
  });

  it("is unchanged when the store's own user state later receives events (the matrix is taken at build)", async () => {
    const a = await buildFeatureStore(shop.events, shop.items, { cutoff, threads: 1 });
    const b = await buildFeatureStore(shop.events, shop.items, { cutoff, threads: 1 });
    b.users.apply([{ userId: 'newcomer', itemId: 'i1', ts: cutoff + DAY_MS, type: 'purchase' }]);
    expect(Array.from(b.itemState(use(5)))).toEqual(Array.from(a.itemState(use(5))));
  });
});
