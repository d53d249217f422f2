import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import { attributeClasses } from './attribute-classes.js';
import { rankedByClassScore } from './candidates.js';
import { DAY_MS } from './popularity.js';
import { createItemRuntime } from './request.js';
import { buildFeatureStore, featureStoreToTables } from './store.js';
import { decodeTables } from './tables.js';
import { randomShop } from './testing/shops.js';

const shop = randomShop(11, { users: 30, items: 120, sessions: 400 });
const store = await buildFeatureStore(shop.events, shop.items, { cutoff: shop.start + 30 * DAY_MS, threads: 1 });
const rt = createItemRuntime(decodeTables(featureStoreToTables(store)));

describe('attribute classes', () => {
  it('group exactly the items with the same attribute values, each class most popular first', () => {
    const { rep, offsets, items, classOf } = rt.classes;
    const a = rt.d.attrs;
    const key = (j: number) => [a.brand[j], a.colour[j], a.category[j], a.priceBand[j]].join();
    expect(rep.length).toBeLessThan(rt.d.itemIds.length);
    expect([...items].sort((x, y) => x - y)).toEqual(Array.from({ length: rt.d.itemIds.length }, (_, j) => j));
    for (let k = 0; k < rep.length; k++) {
      const members = [...items.subarray(offsets[k], offsets[k + 1])];
      expect(members.every((j) => key(j) === key(rep[k]) && classOf[j] === k)).toBe(true);
      expect(members.map((j) => rt.popRank[j])).toEqual(members.map((j) => rt.popRank[j]).sort((x, y) => x - y));
    }
    expect(new Set(Array.from(rep, key)).size).toBe(rep.length);
  });

  it('split on a further catalogue attribute too', () => {
    const unknown = new Int32Array(rt.d.itemIds.length).fill(-1);
    const bare = { ...rt.d.attrs, brand: unknown, colour: unknown, category: unknown, priceBand: unknown };
    expect(attributeClasses(bare, rt.popOrder).rep.length).toBe(1);
    const index = Int32Array.from(rt.d.itemIds, (_, j) => j % 2);
    const withExtra = attributeClasses({ ...bare, extra: [{ name: 'size', vocab: ['s', 'm'], index }] }, rt.popOrder);
    expect(withExtra.rep.length).toBe(2);
    for (let k = 0; k < withExtra.rep.length; k++) {
      const members = withExtra.items.subarray(withExtra.offsets[k], withExtra.offsets[k + 1]);
      expect(new Set([...members].map((j) => index[j])).size).toBe(1);
    }
  });

  it('rank items as a sort of every item by quantised score, then popularity, would (skipped item left out)', () => {
    const rng = new Rng(5);
    const K = rt.classes.rep.length;
    for (let trial = 0; trial < 50; trial++) {
      // Few distinct values: many ties between classes, and some classes at zero.
      const scores = Float64Array.from({ length: K }, () => (rng.chance(0.3) ? 0 : rng.int(4) / 3));
      const skip = trial % 2 ? rng.int(rt.d.itemIds.length) : -1;
      const limit = trial % 3 ? 1000 : 7;
      const eligible = Array.from({ length: rt.d.itemIds.length }, (_, j) => j).filter((j) => j !== skip);
      const score = (j: number) => scores[rt.classes.classOf[j]];
      const max = Math.max(0, ...eligible.map(score));
      const q = (j: number) => Math.floor((score(j) / max) * 2 ** 30);
      const expected = max <= 0 ? [] : eligible.filter((j) => score(j) > 0).sort((x, y) => q(y) - q(x) || rt.popRank[x] - rt.popRank[y]);
      expect(rankedByClassScore(rt, scores, skip, limit)).toEqual(expected.slice(0, limit));
    }
  });
});
