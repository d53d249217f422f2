import { describe, expect, it } from 'vitest';
import type { GroundTruth, InteractionEvent } from '../data/schema.js';
import { Rng } from '../util/random.js';
import { examination, positionBasedShoppers, replayShoppers } from './shoppers.js';
import { heldOutPurchases, sampleUsers, syntheticShoppers } from './worlds.js';

const constant = (a: number): GroundTruth => ({ affinity: () => a });

describe('position-based click model', () => {
  it('examination(p) = 1/(p+1)^eta', () => {
    expect(examination(0)).toBe(1);
    expect(examination(1)).toBe(0.5);
    expect(examination(3, 2)).toBe(1 / 16);
    expect(examination(5, 0)).toBe(1);
  });

  it('clicks at each position with probability examination x attraction x affinity', () => {
    const shoppers = positionBasedShoppers(constant(0.8), ['u'], { attraction: 0.5, eta: 1, cartGivenClick: 0.5, purchaseGivenCart: 0.5 });
    const rng = new Rng(3);
    const items = Array.from({ length: 5 }, (_, i) => `i${i}`);
    const n = 20_000;
    const clicks = new Array(5).fill(0);
    let carts = 0;
    let purchases = 0;
    for (let q = 0; q < n; q++) {
      for (const r of shoppers.react('u', items, rng)) {
        if (r.type === 'click') clicks[r.position]++;
        else if (r.type === 'cart') carts++;
        else purchases++;
      }
    }
    const totalClicks = clicks.reduce((s, c) => s + c, 0);
    clicks.forEach((c, p) => {
      const expected = (1 / (p + 1)) * 0.5 * 0.8;
      const sd = Math.sqrt((expected * (1 - expected)) / n);
      expect(Math.abs(c / n - expected)).toBeLessThan(4 * sd);
    });
    // P(cart | click) = 0.5 x 0.8, P(purchase | cart) = 0.5.
    expect(carts / totalClicks).toBeCloseTo(0.4, 1);
    expect(purchases / carts).toBeCloseTo(0.5, 1);
  });

  it('never clicks items with zero affinity, and rejects bad knobs', () => {
    const shoppers = positionBasedShoppers(constant(0), ['u']);
    const rng = new Rng(1);
    for (let q = 0; q < 100; q++) expect(shoppers.react('u', ['a', 'b'], rng)).toEqual([]);
    expect(() => positionBasedShoppers(constant(1), ['u'], { attraction: 2 })).toThrow(/attraction/);
    expect(() => positionBasedShoppers(constant(1), ['u'], { eta: -1 })).toThrow(/eta/);
  });
});

describe('replay shoppers (held-out purchases)', () => {
  const day = 86_400_000;
  const buy = (userId: string, itemId: string, d: number): InteractionEvent => ({
    type: 'purchase',
    userId,
    itemId,
    ts: Date.UTC(2011, 0, 1) + d * day,
  });

  it('holds out the last days and keeps customers known before them', () => {
    const events = [
      buy('c1', 'a', 0),
      buy('c1', 'b', 40),
      buy('c1', 'c', 41),
      buy('c2', 'a', 1), // nothing held out
      buy('c3', 'd', 45), // new customer: unknown to a model trained before the cut
      { type: 'view', userId: 'c2', itemId: 'z', ts: Date.UTC(2011, 0, 1) + 45 * day } as InteractionEvent,
    ];
    const next = heldOutPurchases(events, 10);
    expect([...next.keys()]).toEqual(['c1']);
    expect([...next.get('c1')!].sort()).toEqual(['b', 'c']);
    const shoppers = replayShoppers(next);
    expect(shoppers.react('c1', ['x', 'c', 'a', 'b'], new Rng(1))).toEqual([
      { position: 1, type: 'click' },
      { position: 1, type: 'purchase' },
      { position: 3, type: 'click' },
      { position: 3, type: 'purchase' },
    ]);
    expect(shoppers.react('c9', ['b'], new Rng(1))).toEqual([]);
  });
});

describe('worlds', () => {
  it('samples users deterministically and refuses more than exist', () => {
    const all = ['u3', 'u1', 'u2', 'u4'];
    expect(sampleUsers(all, 2, 7)).toEqual(sampleUsers([...all].reverse(), 2, 7));
    expect(new Set(sampleUsers(all, 4, 1))).toEqual(new Set(all));
    expect(() => sampleUsers(all, 5, 1)).toThrow(/--requests-per-user/);
  });

  it('regenerates the synthetic store by seed and clicks by its true affinities', () => {
    const a = syntheticShoppers({ users: 50, seed: 42, store: { users: 200, items: 100, weeks: 2 } });
    const b = syntheticShoppers({ users: 50, seed: 42, store: { users: 200, items: 100, weeks: 2 } });
    expect(a.users).toEqual(b.users);
    expect(a.users[0]).toMatch(/^u\d{4}$/);
    const rng = new Rng(5);
    let clicks = 0;
    for (const u of a.users) clicks += a.react(u, ['i0001', 'i0002', 'i0003'], rng).filter((r) => r.type === 'click').length;
    expect(clicks).toBeGreaterThan(0);
  });
});
