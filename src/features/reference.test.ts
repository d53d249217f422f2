import { beforeAll, describe, expect, it } from 'vitest';
import { attributeSimilarity } from './attributes.js';
import { FEATURE_NAMES } from './contract.js';
import { DAY_MS, decay } from './popularity.js';
import { buildFeatureStore, type TableFeatureStore } from './store.js';
import { randomShop } from './testing/shops.js';

// The fast paths (scratch accumulation, packed-key sorting) checked against slow reference
// computations from the public API, for every user of a seeded shop.
const shop = randomShop(21, { users: 30, items: 48, sessions: 250 });
const cutoff = shop.start + 50 * DAY_MS;
let store: TableFeatureStore;

beforeAll(async () => {
  store = await buildFeatureStore(shop.events, shop.items, { cutoff, neighbours: 8, threads: 1 });
});

describe('features and candidates match a reference computation', () => {
  it('co-occurrence, own-item and affinity features', () => {
    const D = FEATURE_NAMES.length;
    const ctx = 'i3';
    let nonZero = 0;
    for (const userId of [...store.userIds, 'stranger']) {
      const f = store.features(userId, store.itemIds, ctx);
      const profile = store.user(userId);
      const history = profile?.history ?? [];
      store.itemIds.forEach((c, r) => {
        const row = Object.fromEntries(FEATURE_NAMES.map((n, k) => [n, f[r * D + k]]));
        let sum = 0;
        let max = 0;
        let recent = 0;
        for (const h of history) {
          const s = store.neighbours(h.itemId).find((n) => n.itemId === c)?.score ?? 0;
          sum += s;
          max = Math.max(max, s);
          recent += s * decay(cutoff - h.lastTs, 30);
        }
        if (sum > 0 && (history.find((h) => h.itemId === c)?.weight ?? 0) > 0) nonZero++;
        expect(row.log_cooc_sum).toBeCloseTo(Math.log1p(sum), 5);
        expect(row.cooc_max).toBeCloseTo(max, 6);
        expect(row.log_cooc_recent).toBeCloseTo(Math.log1p(recent), 5);
        expect(row.cooc_context).toBeCloseTo(store.neighbours(ctx).find((n) => n.itemId === c)?.score ?? 0, 6);
        expect(row.attr_sim_context).toBe(attributeSimilarity(store.item(ctx)!, store.item(c)!));
        const own = history.find((h) => h.itemId === c);
        expect(row.log_user_item_weight).toBeCloseTo(Math.log1p(own?.weight ?? 0), 5);
        expect(row.bought_before).toBe(own && own.purchases > 0 ? 1 : 0);
        const item = store.item(c)!;
        expect(row.brand_affinity).toBeCloseTo(profile?.affinity.brand[item.brand ?? ''] ?? 0, 6);
        expect(row.category_affinity).toBeCloseTo(profile?.affinity.category[item.category ?? ''] ?? 0, 6);
        expect(row.price_band_affinity).toBeCloseTo(profile?.affinity.priceBand[String(item.priceBand)] ?? 0, 6);
      });
    }
    // Not vacuous: many pairs have both co-occurrence and an own-item weight.
    expect(nonZero).toBeGreaterThan(100);
  });

  it('candidates: no duplicates, never the context item, all sources represented, deterministic', () => {
    for (const userId of [...store.userIds, 'stranger']) {
      for (const contextItemId of [undefined, 'i3', 'not-an-item']) {
        const c = store.candidates(userId, { contextItemId, limit: 20 });
        expect(c.length).toBe(20);
        expect(new Set(c).size).toBe(c.length);
        expect(c).not.toContain(contextItemId);
        expect(store.candidates(userId, { contextItemId, limit: 20 })).toEqual(c);
        // Own items and the context item's top neighbour are always among the first few.
        const profile = store.user(userId);
        if (profile) expect(c.slice(0, 6)).toContain(profile.history.slice().sort((a, b) => b.weight - a.weight)[0].itemId);
        const top = contextItemId === 'i3' ? store.neighbours('i3')[0]?.itemId : undefined;
        if (top) expect(c[0]).toBe(top);
      }
      const all = store.candidates(userId, { contextItemId: 'i3', limit: 1000 });
      expect(all.length).toBe(store.itemIds.length - 1);
    }
  });
});
