import { beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent, Item } from '../../data/schema.js';
import { DAY_MS } from '../../features/popularity.js';
import { buildFeatureStore, featureStoreFromTables, featureStoreToTables, type TableFeatureStore } from '../../features/store.js';
import type { FeatureTables } from '../../features/tables.js';
import { T0 } from '../../features/testing/shops.js';
import { Rng } from '../../util/random.js';
import { BPR } from './baseline-kinds.js';
import { BprRanker } from './bpr.js';
import { PopularityRanker } from './popularity.js';

// A planted two-block shop (cutoff day 20): 30 users buy 6 of the 12 "a" items, 10 users 6 of the
// 12 "b" items, so "a" items are three times as popular. Each user's 7th item of their block is
// held out: popularity tells every "b" user to buy "a" items; only the co-occurrence of users says no.
const rng = new Rng(11);
const blockOf = (u: number) => (u < 30 ? 'a' : 'b');
const items: Item[] = ['a', 'b'].flatMap((b) => Array.from({ length: 12 }, (_, k) => ({ itemId: `${b}${k}`, title: `${b}${k}` })));
const events: InteractionEvent[] = [];
const heldOut = new Map<string, string>();
for (let u = 0; u < 40; u++) {
  const own = rng.shuffle(Array.from({ length: 12 }, (_, k) => `${blockOf(u)}${k}`));
  own.slice(0, 6).forEach((itemId, k) => {
    events.push({ userId: `u${u}`, itemId, ts: T0 + (1 + k + (u % 5)) * DAY_MS, type: 'purchase' });
  });
  heldOut.set(`u${u}`, own[6]);
}
const cutoff = T0 + 20 * DAY_MS;
const catalogue = items.map((i) => i.itemId);
const PARAMS = { factors: 8, epochs: 100, regularization: 0.05, seed: 5 };

let store: TableFeatureStore;
beforeAll(async () => {
  store = await buildFeatureStore(events, items, { cutoff, threads: 1 });
});

/** Share of users (u from .. to-1) whose held-out item scores above every item of the other block. */
function blockHits(score: (userId: string) => Float32Array, from = 0, to = 40): number {
  let hits = 0;
  for (let u = from; u < to; u++) {
    const s = score(`u${u}`);
    const mine = s[catalogue.indexOf(heldOut.get(`u${u}`) ?? '')];
    if (catalogue.every((id, i) => id[0] === blockOf(u) || mine > s[i])) hits++;
  }
  return hits / (to - from);
}

describe('BPR baseline', () => {
  it('recovers the planted blocks better than popularity (which gets every minority user wrong)', () => {
    const bpr = new BprRanker(store, PARAMS);
    const pop = new PopularityRanker(store);
    const bprScores = (userId: string) => bpr.score({ userId, candidates: catalogue });
    const popScores = (userId: string) => pop.score({ userId, candidates: catalogue });
    expect(blockHits(popScores)).toBeLessThanOrEqual(0.75);
    expect(blockHits(popScores, 30, 40)).toBe(0); // the "b" users
    expect(blockHits(bprScores)).toBe(1);
    expect(bpr.params).toMatchObject({ factors: 8, epochs: 100, learningRate: 0.05, seed: 5 });
    // A product page counts as one more history item: a stranger on a "b" page gets "b" items.
    const page = bpr.score({ userId: 'stranger', candidates: catalogue, contextItemId: 'b3' });
    const top = catalogue.map((id, i) => ({ id, s: page[i] })).sort((x, y) => y.s - x.s);
    expect(top.slice(0, 6).every((t) => t.id.startsWith('b'))).toBe(true);
  });

  it('fits on the events before the cutoff only, and is served from the factors in the tables', async () => {
    const later: InteractionEvent[] = [
      { userId: 'u35', itemId: 'a1', ts: cutoff, type: 'purchase' },
      { userId: 'u99', itemId: 'b1', ts: cutoff + DAY_MS, type: 'purchase' },
    ];
    const fresh = await buildFeatureStore(events, items, { cutoff, threads: 1 });
    const withLater = await buildFeatureStore([...events, ...later], items, { cutoff, threads: 1 });
    const a = new BprRanker(fresh, PARAMS);
    const b = new BprRanker(withLater, PARAMS);
    for (const userId of ['u0', 'u35', 'u99'])
      expect(b.score({ userId, candidates: catalogue })).toEqual(a.score({ userId, candidates: catalogue }));
    const tables = JSON.stringify(featureStoreToTables(fresh));
    expect(JSON.stringify(featureStoreToTables(withLater))).toBe(tables);
    const loaded = featureStoreFromTables(JSON.parse(tables) as FeatureTables, { users: fresh.users });
    const served = new BprRanker(loaded, PARAMS);
    expect(served.score({ userId: 'u35', candidates: catalogue })).toEqual(a.score({ userId: 'u35', candidates: catalogue }));
    expect(() => new BprRanker(loaded, { ...PARAMS, factors: 9 })).toThrow(/fitted item state "bpr-factors"/);
  });

  it('folds the user in from live state: a new purchase moves their scores, the factors stay', async () => {
    const live = await buildFeatureStore(
      [
        ...events,
        ...['a0', 'a1', 'a2', 'a3'].map((itemId): InteractionEvent => ({ userId: 'u35', itemId, ts: cutoff + DAY_MS, type: 'purchase' })),
      ],
      items,
      { cutoff: cutoff + 2 * DAY_MS, threads: 1 },
    );
    const offline = new BprRanker(store, PARAMS);
    const online = new BprRanker(store.withUsers(live.users), PARAMS);
    expect(online.model).toBe(offline.model); // the same fitted item state, no refit
    const before = offline.score({ userId: 'u35', candidates: catalogue });
    const after = online.score({ userId: 'u35', candidates: catalogue });
    const a5 = catalogue.indexOf('a5');
    expect(after[a5] - before[a5]).toBeGreaterThan(0);
    // Other users are untouched.
    expect(online.score({ userId: 'u0', candidates: catalogue })).toEqual(offline.score({ userId: 'u0', candidates: catalogue }));
  });

  it('the kind tunes the number of factors; its first setting is the mf_score feature', () => {
    expect(BPR.grid).toEqual([{}, { factors: 64 }]);
    expect(() => new BprRanker(store, { epochs: 0 })).toThrow(/bpr: epochs must be a positive integer, got 0/);
  });
});
