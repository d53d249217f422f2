import { beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../errors.js';
import { FEATURE_INDEX as F, FEATURE_NAMES } from './contract.js';
import { DAY_MS, decay } from './popularity.js';
import { buildFeatureStore, type TableFeatureStore } from './store.js';
import { T0, tinyShop } from './testing/shops.js';

// Hand-computed answers for the tiny shop (see testing/shops.ts). Baskets: u1/s1 {A,B}, u1/s2 {A,C},
// u2/s3 {A,B}, u2 gap session {C,D} (views 10 minutes apart), u2 gap session {C} (2 h later),
// u3/s4 {D}. Basket counts A=3 B=2 C=3 D=2; pairs AB=2 AC=1 CD=1.
const cosAB = 2 / Math.sqrt(3 * 2);
const cosAC = 1 / Math.sqrt(3 * 3);
const cosCD = 1 / Math.sqrt(3 * 2);
const day = (d: number, minutes = 0) => T0 + d * DAY_MS + minutes * 60_000;

let store: TableFeatureStore;
const shop = tinyShop();

beforeAll(async () => {
  store = await buildFeatureStore(shop.events, shop.items, { cutoff: shop.cutoff, threads: 1 });
});

describe('buildFeatureStore on the tiny shop', () => {
  it('reports what it used and ignored', () => {
    const r = store.report!;
    expect(r.eventsRead).toBe(11);
    expect(r.eventsUsed).toBe(10);
    expect(r.ignored).toEqual({ at_or_after_cutoff: 0, zero_strength: 1, invalid: 0 });
    expect(r.users).toBe(3);
    expect(r.baskets).toBe(6);
    expect(r.cooccurrence).toMatchObject({ baskets: 6, cappedBaskets: 0, pairs: 3, kept: 6 });
  });

  it('computes weighted and decayed popularity', () => {
    // purchase = 5, view = 1
    expect(store.popularity('A').count).toBe(15);
    expect(store.popularity('B').count).toBe(10);
    expect(store.popularity('C').count).toBe(3);
    expect(store.popularity('D').count).toBe(6);
    expect(store.popularity('E')).toEqual({ count: 0, recent: 0 });
    expect(store.popularity('nope')).toEqual({ count: 0, recent: 0 });
    const age = (t: number) => shop.cutoff - t;
    const recentA = 5 * decay(age(day(1)), 14) + 5 * decay(age(day(2)), 14) + 5 * decay(age(day(5)), 14);
    expect(store.popularity('A').recent).toBeCloseTo(recentA, 5);
    const recentD = decay(age(day(3, 10)), 14) + 5 * decay(age(day(8)), 14);
    expect(store.popularity('D').recent).toBeCloseTo(recentD, 5);
  });

  it('keeps cosine co-occurrence neighbours, score descending', () => {
    const nb = (id: string) => store.neighbours(id).map((n) => [n.itemId, Number(n.score.toFixed(6))]);
    expect(nb('A')).toEqual([
      ['B', Number(cosAB.toFixed(6))],
      ['C', Number(cosAC.toFixed(6))],
    ]);
    expect(nb('B')).toEqual([['A', Number(cosAB.toFixed(6))]]);
    expect(nb('C')).toEqual([
      ['D', Number(cosCD.toFixed(6))],
      ['A', Number(cosAC.toFixed(6))],
    ]);
    expect(nb('E')).toEqual([]);
    expect(nb('nope')).toEqual([]);
  });

  it('keeps only the top-N neighbours', async () => {
    const one = await buildFeatureStore(shop.events, shop.items, { cutoff: shop.cutoff, neighbours: 1, threads: 1 });
    expect(one.neighbours('A').map((n) => n.itemId)).toEqual(['B']);
    expect(one.neighbours('C').map((n) => n.itemId)).toEqual(['D']);
  });

  it('builds item records with price bands from catalogue quantiles', () => {
    expect(store.item('C')).toEqual({ itemId: 'C', title: 'Tote', brand: 'zen', colour: 'red', category: 'bags', price: 30, priceBand: 2 });
    expect(store.item('A')?.priceBand).toBe(0);
    expect(store.item('E')?.priceBand).toBe(4);
    expect(store.item('nope')).toBeUndefined();
  });

  it('builds user profiles', () => {
    const u1 = store.user('u1')!;
    expect(u1.history).toEqual([
      { itemId: 'A', weight: 10, purchases: 2, lastTs: day(5) },
      { itemId: 'C', weight: 1, purchases: 0, lastTs: day(5) },
      { itemId: 'B', weight: 5, purchases: 1, lastTs: day(1) },
    ]);
    expect(u1).toMatchObject({ events: 4, sessions: 2, firstTs: day(1), lastTs: day(5), daysSinceLast: 5 });
    // 3 purchase occasions of 2 distinct items: one re-buy.
    expect(u1.repeatPropensity).toBeCloseTo(1 / 3, 6);
    expect(u1.affinity.brand).toEqual({ acme: 15 / 16, zen: 1 / 16 });
    expect(u1.affinity.colour).toEqual({ red: 11 / 16, blue: 5 / 16 });
    expect(u1.affinity.category).toEqual({ shoes: 15 / 16, bags: 1 / 16 });
    expect(u1.affinity.priceBand).toEqual({ '0': 10 / 16, '1': 5 / 16, '2': 1 / 16 });
    expect(u1.typicalPrice).toBeCloseTo(Math.exp((10 * Math.log(10) + 5 * Math.log(20) + Math.log(30)) / 16), 6);

    const u2 = store.user('u2')!;
    // s3, then a gap session {C, D} (10 minutes apart), then {C} two hours later.
    expect(u2).toMatchObject({ events: 5, sessions: 3, repeatPropensity: 0 });
    expect(u2.history.find((h) => h.itemId === 'C')).toEqual({ itemId: 'C', weight: 2, purchases: 0, lastTs: day(3, 120) });
    expect(store.user('u3')?.history).toEqual([{ itemId: 'D', weight: 5, purchases: 1, lastTs: day(8) }]);
    expect(store.user('nobody')).toBeUndefined();
  });

  it('generates candidates round-robin over co-occurrence, own items, attributes and popularity', () => {
    // history co-occurrence A(1.15) B(.82) D(.41) C(.33); own A B C; attributes A B E C D; popular A B D C E
    expect(store.candidates('u1', { limit: 10 })).toEqual(['A', 'B', 'E', 'D', 'C']);
    expect(store.candidates('u1', { limit: 2 })).toEqual(['A', 'B']);
    expect(store.candidates('u1', { limit: 0 })).toEqual([]);
  });

  it('gives unknown users popular items, plus context neighbours, never the context item', () => {
    expect(store.candidates('stranger')).toEqual(['A', 'B', 'D', 'C', 'E']);
    // context C: co-occurrence D, A; attribute neighbours D (.5), A (.25, more popular than E), E (.25)
    expect(store.candidates('stranger', { contextItemId: 'C' })).toEqual(['D', 'A', 'B', 'E']);
    expect(store.candidates('stranger', { contextItemId: 'unknown-item', limit: 3 })).toEqual(['A', 'B', 'D']);
  });

  it('rejects a bad candidate limit', () => {
    expect(() => store.candidates('u1', { limit: -1 })).toThrow(UsageError);
    expect(() => store.candidates('u1', { limit: 1.5 })).toThrow(/limit/);
  });

  it('computes the feature vector of the contract', () => {
    expect(store.contract.names).toEqual(FEATURE_NAMES);
    const f = store.features('u1', ['D', 'A', 'zzz'], 'C');
    const D = FEATURE_NAMES.length;
    expect(f.length).toBe(3 * D);
    const row = (r: number) => Object.fromEntries(FEATURE_NAMES.map((n, c) => [n, f[r * D + c]]));
    const d = row(0);
    const rec = (t: number) => decay(shop.cutoff - t, 30);
    expect(d.log_pop).toBeCloseTo(Math.log1p(6), 5);
    expect(d.log_item_age_days).toBeCloseTo(Math.log1p(7 - 10 / 1440), 5); // first seen day 3, 00:10
    expect(d.log_cooc_sum).toBeCloseTo(Math.log1p(cosCD), 5); // via C only
    expect(d.cooc_max).toBeCloseTo(cosCD, 5);
    expect(d.log_cooc_recent).toBeCloseTo(Math.log1p(cosCD * rec(day(5))), 5);
    expect(d.cooc_context).toBeCloseTo(cosCD, 5);
    expect(d.attr_sim_context).toBe(0.5); // zen + bags
    expect(d.log_user_item_weight).toBe(0);
    expect(d.bought_before).toBe(0);
    expect(d.user_item_recency).toBe(0);
    expect(d.repeat_propensity).toBeCloseTo(1 / 3, 6);
    expect(d.repeat_x_bought).toBe(0);
    expect(d.log_user_item_purchases).toBe(0);
    expect(d.user_item_share).toBe(0);
    expect(d.log_item_gap_ratio).toBe(0);
    expect(d.brand_affinity).toBeCloseTo(1 / 16, 6);
    expect(d.colour_affinity).toBeCloseTo(5 / 16, 6);
    expect(d.category_affinity).toBeCloseTo(1 / 16, 6);
    expect(d.price_band_affinity).toBe(0);
    const logTypical = (10 * Math.log(10) + 5 * Math.log(20) + Math.log(30)) / 16;
    expect(d.log_price_ratio).toBeCloseTo(Math.log(40) - logTypical, 5);
    expect(d.log_user_activity).toBeCloseTo(Math.log1p(4), 6);
    expect(d.user_recency).toBeCloseTo(rec(day(5)), 6);

    const a = row(1);
    expect(a.log_cooc_sum).toBeCloseTo(Math.log1p(cosAB + cosAC), 5); // from B and C
    expect(a.cooc_max).toBeCloseTo(cosAB, 5);
    expect(a.cooc_context).toBeCloseTo(cosAC, 5);
    expect(a.log_user_item_weight).toBeCloseTo(Math.log1p(10), 6);
    expect(a.bought_before).toBe(1);
    expect(a.user_item_recency).toBeCloseTo(rec(day(5)), 6);
    expect(a.repeat_x_bought).toBeCloseTo(1 / 3, 6);
    expect(a.log_user_item_purchases).toBeCloseTo(Math.log1p(2), 6); // baskets s1 and s2
    expect(a.user_item_share).toBeCloseTo(10 / 16, 6);
    // Last touched 5 days before the cutoff; u1's 2 baskets are 4 days apart.
    expect(a.log_item_gap_ratio).toBeCloseTo(Math.log1p(5 / 4), 6);
    expect(a.price_band_affinity).toBeCloseTo(10 / 16, 6);

    // Unknown item: item features 0, user-level features kept.
    const z = row(2);
    for (const n of FEATURE_NAMES) {
      if (n === 'repeat_propensity' || n === 'log_user_activity' || n === 'user_recency') expect(z[n]).toBe(d[n]);
      else expect(z[n]).toBe(0);
    }
  });

  it('gives unknown users finite, non-personal features', () => {
    const f = store.features('stranger', ['A', 'B', 'nope'], 'C');
    expect(f.every(Number.isFinite)).toBe(true);
    const D = FEATURE_NAMES.length;
    expect(f[F.log_pop]).toBeCloseTo(Math.log1p(15), 5);
    expect(f[F.cooc_context]).toBeCloseTo(cosAC, 5);
    for (const c of [F.log_cooc_sum, F.log_user_item_weight, F.brand_affinity, F.log_user_activity, F.user_recency]) {
      expect(f[c]).toBe(0);
      expect(f[D + c]).toBe(0);
    }
  });

  it('returns the same features however the candidates are batched (scratch state is reset)', () => {
    const all = store.features('u2', store.itemIds, 'A');
    const D = FEATURE_NAMES.length;
    store.features('u1', ['A', 'C'], 'D');
    store.candidates('u1', { contextItemId: 'B' });
    store.itemIds.forEach((id, r) => {
      expect(Array.from(store.features('u2', [id], 'A'))).toEqual(Array.from(all.subarray(r * D, (r + 1) * D)));
    });
    expect(store.features('u1', [])).toEqual(new Float32Array(0));
  });

  it('gives the candidates and features of the two calls from one request (candidateFeatures), without dropped ids', () => {
    for (const userId of ['u1', 'u2', 'stranger']) {
      for (const contextItemId of [undefined, 'A', 'C']) {
        for (const limit of [0, 2, 500]) {
          const ids = store.candidates(userId, { contextItemId, limit });
          const both = store.candidateFeatures(userId, { contextItemId, limit });
          expect(both.ids).toEqual(ids);
          expect(Array.from(both.values)).toEqual(Array.from(store.features(userId, ids, contextItemId)));
          const drop = new Set(ids.slice(0, 1));
          const kept = store.candidateFeatures(userId, { contextItemId, limit, drop });
          expect(kept.ids).toEqual(ids.filter((id) => !drop.has(id)));
          expect(Array.from(kept.values)).toEqual(Array.from(store.features(userId, kept.ids, contextItemId)));
        }
      }
    }
  });

  it('rejects bad options with a one-line error naming the option', async () => {
    await expect(buildFeatureStore(shop.events, shop.items, { cutoff: Number.NaN })).rejects.toThrow(/cutoff/);
    await expect(buildFeatureStore(shop.events, shop.items, { cutoff: shop.cutoff, neighbours: 0 })).rejects.toThrow(/neighbours/);
    await expect(buildFeatureStore(shop.events, shop.items, { cutoff: shop.cutoff, halfLifeDays: -1 })).rejects.toThrow(/halfLifeDays/);
  });
});
