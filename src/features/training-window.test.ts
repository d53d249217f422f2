import { describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../data/schema.js';
import { T0 } from './testing/shops.js';
import { trainingWindow } from './training-window.js';

const min = 60_000;

describe('trainingWindow', () => {
  it('counts every event it does not use, with examples of invalid ones', () => {
    const events = [
      { userId: 'u', itemId: 'a', ts: T0, type: 'view' },
      { userId: 'u', itemId: 'a', ts: T0 + 10, type: 'impression' },
      { userId: 'u', itemId: 'a', ts: T0 + 20, type: 'view', weight: 0 },
      { userId: 'u', itemId: 'a', ts: T0 + 100 * min, type: 'view' },
      { userId: '', itemId: 'a', ts: T0, type: 'view' },
      { userId: 'u', itemId: 'a', ts: Number.NaN, type: 'view' },
      { userId: 'u', itemId: 'a', ts: T0, type: 'teleport' },
    ] as InteractionEvent[];
    const w = trainingWindow(events, [{ itemId: 'a', title: 'A' }], { cutoff: T0 + 100 * min });
    expect(w.report).toMatchObject({
      eventsRead: 7,
      eventsUsed: 1,
      ignored: { at_or_after_cutoff: 1, zero_strength: 2, invalid: 3 },
    });
    expect(w.report.examples.map((e) => e.index)).toEqual([4, 5, 6]);
    expect(w.report.examples[2].detail).toMatch(/teleport/);
  });

  it('weights events by strength x weight and appends unknown items to the vocabulary', () => {
    const events: InteractionEvent[] = [
      { userId: 'u', itemId: 'zz', ts: T0, type: 'cart', weight: 2 },
      { userId: 'u', itemId: 'yy', ts: T0 + 1, type: 'purchase' },
      { userId: 'u', itemId: 'a', ts: T0 + 2, type: 'click' },
    ];
    const w = trainingWindow(
      events,
      [
        { itemId: 'a', title: 'A' },
        { itemId: 'a', title: 'dup' },
        { itemId: 'b', title: 'B' },
      ],
      {
        cutoff: T0 + 10,
      },
    );
    expect(w.itemIds).toEqual(['a', 'b', 'yy', 'zz']);
    expect(w.report.itemsNotInCatalogue).toBe(2);
    expect(w.report.duplicateCatalogueItems).toBe(1);
    expect(w.catalogue.map((c) => c?.title)).toEqual(['A', 'B', undefined, undefined]);
    expect(Array.from(w.weight)).toEqual([6, 5, 1.5]);
    expect(Array.from(w.purchase)).toEqual([0, 1, 0]);
  });

  it('uses sessionId within a user, else a 30-minute gap', () => {
    const events: InteractionEvent[] = [
      { userId: 'u2', itemId: 'a', ts: T0, type: 'view', sessionId: 'x' },
      { userId: 'u1', itemId: 'a', ts: T0, type: 'view', sessionId: 'x' },
      { userId: 'u1', itemId: 'b', ts: T0 + 5 * min, type: 'view' },
      { userId: 'u1', itemId: 'c', ts: T0 + 35 * min, type: 'view' }, // 30 min after the last sessionless event: same session
      { userId: 'u1', itemId: 'a', ts: T0 + 66 * min, type: 'view' }, // 31 min: new session
      { userId: 'u1', itemId: 'b', ts: T0 + 200 * min, type: 'view', sessionId: 'x' },
    ];
    const w = trainingWindow(events, [], { cutoff: T0 + 1000 * min });
    expect(w.userIds).toEqual(['u1', 'u2']);
    // sorted by (user, ts): u1: x, gap1, gap1, gap2, x; u2: x (another user's x)
    expect(Array.from(w.user)).toEqual([0, 0, 0, 0, 0, 1]);
    expect(Array.from(w.basket)).toEqual([0, 1, 1, 2, 0, 3]);
    expect(w.report.baskets).toBe(4);
    const w10 = trainingWindow(events, [], { cutoff: T0 + 1000 * min, sessionGapMinutes: 10 });
    expect(Array.from(w10.basket)).toEqual([0, 1, 2, 3, 0, 4]);
  });
});
