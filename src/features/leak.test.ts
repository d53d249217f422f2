import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../data/schema.js';
import { Rng } from '../util/random.js';
import { DAY_MS } from './popularity.js';
import { buildFeatureStore, featureStoreToTables, type TableFeatureStore } from './store.js';
import { randomShop } from './testing/shops.js';

// The leak test: whatever happens at or after the cutoff must not change a single feature value,
// candidate or table byte.
const shop = randomShop(7);
const cutoff = shop.start + 40 * DAY_MS;
const before = shop.events.filter((e) => e.ts < cutoff);
const after = shop.events.filter((e) => e.ts >= cutoff);

interface Snapshot {
  tables: string;
  candidates: string[][];
  features: Float32Array[];
}

async function snapshot(events: readonly InteractionEvent[]): Promise<Snapshot> {
  const store: TableFeatureStore = await buildFeatureStore(events, shop.items, { cutoff, threads: 1 });
  const users = [...store.userIds, 'never-seen'];
  return {
    tables: JSON.stringify(featureStoreToTables(store)),
    candidates: users.flatMap((u) => [store.candidates(u, { limit: 30 }), store.candidates(u, { contextItemId: 'i5', limit: 30 })]),
    features: users.map((u) => store.features(u, store.itemIds, 'i7')),
  };
}

let base: Snapshot;

beforeAll(async () => {
  base = await snapshot(shop.events);
});

function expectSame(s: Snapshot): void {
  expect(s.tables).toBe(base.tables);
  expect(s.candidates).toEqual(base.candidates);
  expect(s.features).toEqual(base.features);
}

describe('features use only events before the cutoff', () => {
  it('has events on both sides of the cutoff', () => {
    expect(before.length).toBeGreaterThan(100);
    expect(after.length).toBeGreaterThan(100);
  });

  it('is unchanged when every event at or after the cutoff is removed', async () => {
    expectSame(await snapshot(before));
  });

  it('is unchanged by added events at or after the cutoff (new users, new items, open sessions, exactly at the cutoff)', async () => {
    const lastBefore = before[before.length - 1];
    const extra: InteractionEvent[] = [
      { userId: 'newcomer', itemId: 'brand-new-item', ts: cutoff, type: 'purchase' },
      { userId: 'u1', itemId: 'i3', ts: cutoff, type: 'purchase', sessionId: 's1' },
      // Continues the last pre-cutoff session (same user, within the 30-minute gap, same sessionId).
      { ...lastBefore, ts: cutoff + 1, itemId: 'i9' },
      { ...lastBefore, ts: cutoff, itemId: 'i11', sessionId: undefined },
      { userId: 'u2', itemId: 'i0', ts: cutoff + 5 * DAY_MS, type: 'cart' },
    ];
    expectSame(await snapshot([...shop.events, ...extra]));
    expectSame(await snapshot([...extra, ...shop.events]));
  });

  it('is unchanged when events at or after the cutoff change type, item, user or time (staying after)', async () => {
    const rng = new Rng(99);
    const changed = after.map((e) => ({
      ...e,
      type: rng.pick(['view', 'cart', 'purchase', 'wishlist'] as const),
      itemId: `i${rng.int(70)}`,
      userId: `u${rng.int(50)}`,
      ts: cutoff + rng.int(30 * DAY_MS),
    }));
    expectSame(await snapshot([...before, ...rng.shuffle(changed)]));
  });

  it('does change when an event before the cutoff changes (the test can fail)', async () => {
    const moved = before.map((e, i) => (i === 10 ? { ...e, itemId: e.itemId === 'i1' ? 'i2' : 'i1', type: 'purchase' as const } : e));
    const s = await snapshot([...moved, ...after]);
    expect(s.tables).not.toBe(base.tables);
  });
});
