/**
 * Small hand-made and seeded shops for tests and examples: `tinyShop` has answers computable by hand
 * (see features tests), `randomShop` exercises every code path at a size that still runs in
 * milliseconds. Both are deterministic.
 */
import type { EventType, InteractionEvent, Item } from '../../data/schema.js';
import { Rng } from '../../util/random.js';
import { DAY_MS } from '../popularity.js';

/** Start of the tiny shop's time line (2024-01-01 UTC). */
export const T0 = Date.UTC(2024, 0, 1);

/** A tiny shop: 5 items, 3 users, baskets and a gap-sessionised visit; cutoff at day 10. */
export function tinyShop(): { items: Item[]; events: InteractionEvent[]; cutoff: number } {
  const day = (d: number, minutes = 0) => T0 + d * DAY_MS + minutes * 60_000;
  const items: Item[] = [
    { itemId: 'A', title: 'Runner', brand: 'acme', colour: 'red', category: 'shoes', price: 10 },
    { itemId: 'B', title: 'Walker', brand: 'acme', colour: 'blue', category: 'shoes', price: 20 },
    { itemId: 'C', title: 'Tote', brand: 'zen', colour: 'red', category: 'bags', price: 30 },
    { itemId: 'D', title: 'Clutch', brand: 'zen', colour: 'blue', category: 'bags', price: 40 },
    { itemId: 'E', title: 'Cap', brand: 'acme', colour: 'red', category: 'hats', price: 50 },
  ];
  const ev = (userId: string, itemId: string, ts: number, type: EventType, sessionId?: string): InteractionEvent => ({
    userId,
    itemId,
    ts,
    type,
    ...(sessionId ? { sessionId } : {}),
  });
  const events: InteractionEvent[] = [
    ev('u1', 'A', day(1), 'purchase', 's1'),
    ev('u1', 'B', day(1), 'purchase', 's1'),
    ev('u2', 'A', day(2), 'purchase', 's3'),
    ev('u2', 'B', day(2), 'purchase', 's3'),
    ev('u2', 'C', day(3), 'view'),
    ev('u2', 'D', day(3, 10), 'view'),
    ev('u2', 'C', day(3, 120), 'view'),
    ev('u1', 'A', day(5), 'purchase', 's2'),
    ev('u1', 'C', day(5), 'view', 's2'),
    ev('u3', 'D', day(8), 'purchase', 's4'),
    ev('u3', 'D', day(9), 'impression'),
  ];
  return { items, events, cutoff: day(10) };
}

/**
 * A seeded random shop: `users` users with a favourite category, `items` items in 4 categories and
 * 3 brands, sessions of views, carts and purchases (some with sessionId, some without) over 60 days.
 */
export function randomShop(seed: number, size: { users?: number; items?: number; sessions?: number } = {}) {
  const rng = new Rng(seed);
  const nUsers = size.users ?? 40;
  const nItems = size.items ?? 60;
  const nSessions = size.sessions ?? 300;
  const categories = ['tops', 'shoes', 'bags', 'hats'];
  const items: Item[] = Array.from({ length: nItems }, (_, i) => ({
    itemId: `i${i}`,
    title: `Item ${i}`,
    brand: `b${i % 3}`,
    colour: ['red', 'blue', 'black', 'white', 'green'][rng.int(5)],
    category: categories[i % 4],
    price: Math.round(5 + rng.next() * 95),
  }));
  const events: InteractionEvent[] = [];
  for (let s = 0; s < nSessions; s++) {
    const u = rng.int(nUsers);
    const fav = u % 4;
    let ts = T0 + Math.floor(rng.next() * 60 * DAY_MS);
    const withId = rng.chance(0.5);
    const n = 1 + rng.int(6);
    for (let k = 0; k < n; k++) {
      const cat = rng.chance(0.7) ? fav : rng.int(4);
      const item = cat + 4 * rng.int(nItems / 4);
      const type: EventType = rng.chance(0.2) ? 'purchase' : rng.chance(0.3) ? 'cart' : 'view';
      events.push({ userId: `u${u}`, itemId: `i${item}`, ts, type, ...(withId ? { sessionId: `s${s}` } : {}) });
      ts += rng.int(10 * 60_000);
    }
  }
  events.sort((a, b) => a.ts - b.ts);
  return { items, events, start: T0, end: T0 + 60 * DAY_MS };
}
