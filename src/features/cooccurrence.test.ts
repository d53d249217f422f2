import { describe, expect, it } from 'vitest';
import type { InteractionEvent, Item } from '../data/schema.js';
import { computeCooccurrence, type NeighbourTable } from './cooccurrence.js';
import { randomShop, T0 } from './testing/shops.js';
import { trainingWindow } from './training-window.js';

const items: Item[] = ['A', 'B', 'C', 'D'].map((itemId) => ({ itemId, title: itemId }));

function baskets(list: string[][]): InteractionEvent[] {
  return list.flatMap((b, k) => b.map((itemId) => ({ userId: `u${k}`, itemId, ts: T0 + k, type: 'purchase' as const, sessionId: 's' })));
}

function neighbours(t: NeighbourTable, ids: readonly string[], item: string): [string, number][] {
  const i = ids.indexOf(item);
  const out: [string, number][] = [];
  for (let k = t.offsets[i]; k < t.offsets[i + 1]; k++) out.push([ids[t.items[k]], Number(t.scores[k].toFixed(5))]);
  return out;
}

describe('computeCooccurrence', () => {
  it('down-weights baskets above maxBasketSize by (cap / n)^2, in pair and item counts', async () => {
    // {A,B,C} has 3 > 2 items: weight 4/9. C(A) = C(B) = 13/9, C(C) = 4/9, AB = 13/9, AC = BC = 4/9.
    const w = trainingWindow(
      baskets([
        ['A', 'B', 'C'],
        ['A', 'B'],
      ]),
      items,
      { cutoff: T0 + 10 },
    );
    const { table, report } = await computeCooccurrence(w, { maxBasketSize: 2, threads: 1 });
    expect(report).toEqual({ baskets: 2, cappedBaskets: 1, pairs: 3, kept: 6 });
    const ac = Number((4 / 9 / Math.sqrt((13 / 9) * (4 / 9))).toFixed(5));
    expect(neighbours(table, w.itemIds, 'A')).toEqual([
      ['B', 1],
      ['C', ac],
    ]);
    expect(neighbours(table, w.itemIds, 'C')).toEqual([
      ['A', ac],
      ['B', ac],
    ]);
    expect(neighbours(table, w.itemIds, 'D')).toEqual([]);
    // Without the cap, every basket counts fully: AB = 2 / sqrt(2 * 2) = 1, AC = 1 / sqrt(2 * 1).
    const plain = await computeCooccurrence(w, { threads: 1 });
    expect(neighbours(plain.table, w.itemIds, 'A')).toEqual([
      ['B', 1],
      ['C', Number((1 / Math.sqrt(2)).toFixed(5))],
    ]);
  });

  it('counts an item once per basket and applies minSupport and shrinkage', async () => {
    const events = baskets([['A', 'B', 'A'], ['A', 'B'], ['B'], ['B'], ['B'], ['B'], ['B'], ['B'], ['A', 'C']]);
    const w = trainingWindow(events, items, { cutoff: T0 + 10 });
    const base = await computeCooccurrence(w, { threads: 1 });
    // C(A) = 3, C(B) = 8, C(C) = 1; AB = 2, AC = 1: cosine prefers the rare pair.
    const ab = 2 / Math.sqrt(3 * 8);
    const ac = 1 / Math.sqrt(3 * 1);
    expect(neighbours(base.table, w.itemIds, 'A')).toEqual([
      ['C', Number(ac.toFixed(5))],
      ['B', Number(ab.toFixed(5))],
    ]);
    const support = await computeCooccurrence(w, { minSupport: 2, threads: 1 });
    expect(neighbours(support.table, w.itemIds, 'A').map(([id]) => id)).toEqual(['B']);
    // Shrinkage 3: AB x 2/5, AC x 1/4: the pair seen twice now ranks first.
    const shrunk = await computeCooccurrence(w, { shrinkage: 3, threads: 1 });
    expect(neighbours(shrunk.table, w.itemIds, 'A')).toEqual([
      ['B', Number(((ab * 2) / 5).toFixed(5))],
      ['C', Number((ac / 4).toFixed(5))],
    ]);
  });

  it('is deterministic across thread counts and breaks ties by item index', async () => {
    const shop = randomShop(11);
    const w = trainingWindow(shop.events, shop.items, { cutoff: shop.end });
    const one = await computeCooccurrence(w, { neighbours: 5, threads: 1 });
    const many = await computeCooccurrence(w, { neighbours: 5, threads: 4 });
    expect(many.table).toEqual(one.table);
    const { offsets, items: nb, scores } = one.table;
    for (let i = 0; i < w.itemIds.length; i++) {
      expect(offsets[i + 1] - offsets[i]).toBeLessThanOrEqual(5);
      for (let k = offsets[i] + 1; k < offsets[i + 1]; k++) {
        expect(scores[k] < scores[k - 1] || (scores[k] === scores[k - 1] && nb[k] > nb[k - 1])).toBe(true);
      }
    }
  });

  it('rejects bad knobs', async () => {
    const w = trainingWindow([], items, { cutoff: T0 });
    await expect(computeCooccurrence(w, { neighbours: 0 })).rejects.toThrow(/neighbours/);
    await expect(computeCooccurrence(w, { shrinkage: -1 })).rejects.toThrow(/shrinkage/);
    const empty = await computeCooccurrence(w, { threads: 1 });
    expect(empty.table.items.length).toBe(0);
    expect(Array.from(empty.table.offsets)).toEqual([0, 0, 0, 0, 0]);
  });
});
