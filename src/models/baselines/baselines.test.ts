import { beforeAll, describe, expect, it } from 'vitest';
import type { EventType, InteractionEvent, Item } from '../../data/schema.js';
import { DAY_MS } from '../../features/popularity.js';
import { buildFeatureStore, type TableFeatureStore } from '../../features/store.js';
import { T0 } from '../../features/testing/shops.js';
import { topK } from '../ranker.js';
import { AttributeRanker, CooccurrenceRanker, createBaseline, PopularityRanker, RepeatRanker, UNKNOWN_ITEM_SCORE } from './index.js';

// Planted shop, cutoff at day 10:
// - "old" was bought 10 times on day 1, "new" 3 times on day 9 (decay decides which is popular);
// - "lamp" and "bulb" are always bought together (co-occurrence), as are "tent" and "peg";
// - "alice" bought a lamp twice (day 2) and a zen bag once (day 8); "bob" bought zen bags.
const items: Item[] = [
  { itemId: 'old', title: 'Old hit', brand: 'acme', category: 'decor', price: 5 },
  { itemId: 'new', title: 'New hit', brand: 'acme', category: 'decor', price: 5 },
  { itemId: 'lamp', title: 'Lamp', brand: 'lux', category: 'light', price: 30 },
  { itemId: 'bulb', title: 'Bulb', brand: 'lux', category: 'light', price: 2 },
  { itemId: 'tent', title: 'Tent', brand: 'camp', category: 'outdoor', price: 90 },
  { itemId: 'peg', title: 'Peg', brand: 'camp', category: 'outdoor', price: 1 },
  { itemId: 'bag1', title: 'Zen bag 1', brand: 'zen', colour: 'black', category: 'bags', price: 40 },
  { itemId: 'bag2', title: 'Zen bag 2', brand: 'zen', colour: 'black', category: 'bags', price: 40 },
  { itemId: 'bag3', title: 'Zen bag 3', brand: 'zen', colour: 'black', category: 'bags', price: 40 },
];
const at = (d: number) => T0 + d * DAY_MS;
const events: InteractionEvent[] = [];
const buy = (userId: string, itemIds: string[], d: number, type: EventType = 'purchase') => {
  for (const itemId of itemIds) events.push({ userId, itemId, ts: at(d), type, sessionId: `${userId}-${d}` });
};
for (let k = 0; k < 10; k++) buy(`o${k}`, ['old'], 1);
for (let k = 0; k < 3; k++) buy(`n${k}`, ['new'], 9);
for (let k = 0; k < 4; k++) buy(`l${k}`, ['lamp', 'bulb'], 3);
for (let k = 0; k < 2; k++) buy(`t${k}`, ['tent', 'peg'], 4);
buy('alice', ['lamp'], 2);
buy('alice', ['lamp'], 2.5);
buy('alice', ['bag1'], 8);
buy('bob', ['bag1'], 5);
buy('bob', ['bag2'], 6);
const cutoff = at(10);

let store: TableFeatureStore;
beforeAll(async () => {
  store = await buildFeatureStore(events, items, { cutoff, threads: 1 });
});

const catalogue = items.map((i) => i.itemId);
const ranking = (scores: Float32Array, candidates = catalogue) => topK(candidates, scores, candidates.length).map((s) => s.itemId);

describe('baseline rankers on planted data', () => {
  it('popularity: the decay knob decides between an old and a recent hit', () => {
    const all = new PopularityRanker(store, { halfLifeDays: Number.POSITIVE_INFINITY });
    const fast = new PopularityRanker(store, { halfLifeDays: 1 });
    const req = { userId: 'anyone', candidates: catalogue };
    expect(ranking(all.score(req))[0]).toBe('old');
    expect(ranking(fast.score(req))[0]).toBe('new');
    // Default: the store's half-life (14 days): 50 x 2^(-9/14) = 32 beats 15 x 2^(-1/14) = 14.3.
    expect(ranking(new PopularityRanker(store).score(req))[0]).toBe('old');
    expect(() => new PopularityRanker(store, { halfLifeDays: 5 })).toThrow(/halfLifeDays 5/);
  });

  it('repeat: own items first (heaviest first, or most recent with a decay), then popular items', () => {
    const req = { userId: 'alice', candidates: catalogue };
    const r = ranking(new RepeatRanker(store).score(req));
    expect(r.slice(0, 2)).toEqual(['lamp', 'bag1']); // lamp weight 10 > bag1 weight 5
    expect(r[2]).toBe('old'); // then popularity
    const recent = ranking(new RepeatRanker(store, { recencyHalfLifeDays: 1 }).score(req));
    expect(recent.slice(0, 2)).toEqual(['bag1', 'lamp']); // bag1 bought 2 days ago, lamp 7.5
    // A stranger gets popularity.
    expect(ranking(new RepeatRanker(store).score({ userId: 'stranger', candidates: catalogue }))[0]).toBe('old');
    expect(() => new RepeatRanker(store, { fallbackScale: 1 })).toThrow(/fallbackScale/);
  });

  it('co-occurrence: items bought with the history, and with the context item, rank first', () => {
    const co = new CooccurrenceRanker(store);
    expect(ranking(co.score({ userId: 'alice', candidates: catalogue }))[0]).toBe('bulb');
    // Product page of a tent, unknown user: the peg.
    expect(ranking(co.score({ userId: 'stranger', candidates: catalogue, contextItemId: 'tent' }))[0]).toBe('peg');
    // Without history or context everything scores the tie-break only: popularity order.
    const cold = ranking(co.score({ userId: 'stranger', candidates: catalogue }));
    expect(cold[0]).toBe('old');
    expect(new Set(cold).size).toBe(catalogue.length);
    expect(() => new CooccurrenceRanker(store, { neighbours: 0 })).toThrow(/neighbours/);
  });

  it('attributes: unseen items matching the user taste rank above popular ones', () => {
    const attr = new AttributeRanker(store);
    const r = ranking(attr.score({ userId: 'bob', candidates: catalogue }));
    expect(r.slice(0, 3).sort()).toEqual(['bag1', 'bag2', 'bag3']);
    expect(ranking(attr.score({ userId: 'bob', candidates: ['old', 'bag3'] }), ['old', 'bag3'])).toEqual(['bag3', 'old']);
    // Context: similar items to a lamp (lux, light) for a stranger.
    expect(ranking(attr.score({ userId: 'stranger', candidates: catalogue, contextItemId: 'lamp' }))[0]).toBe('lamp');
    expect(ranking(attr.score({ userId: 'stranger', candidates: ['old', 'bulb'], contextItemId: 'lamp' }), ['old', 'bulb'])[0]).toBe(
      'bulb',
    );
  });

  it('breaks ties by popularity and scores unknown items finitely, below everything', () => {
    for (const kind of ['popularity', 'repeat', 'cooccurrence', 'attributes'] as const) {
      const ranker = createBaseline(kind, store);
      const candidates = ['zzz', ...catalogue, 'yyy'];
      const scores = ranker.score({ userId: 'stranger', candidates });
      expect(scores.every(Number.isFinite)).toBe(true);
      expect(scores[0]).toBe(UNKNOWN_ITEM_SCORE);
      expect(scores[candidates.length - 1]).toBe(UNKNOWN_ITEM_SCORE);
      // All known items get distinct scores (no ties), so rankings do not depend on candidate order.
      expect(new Set(scores.slice(1, -1)).size).toBe(catalogue.length);
      expect(Math.min(...scores.slice(1, -1))).toBeGreaterThan(UNKNOWN_ITEM_SCORE);
      ranker.dispose();
      expect(() => ranker.score({ userId: 'x', candidates: [] })).toThrow(/disposed/);
    }
    // bag2 (one purchase, day 6) and bag3 (never) tie on bob's affinity; bag2 is more popular.
    const attr = new AttributeRanker(store, { weights: { brand: 1, colour: 0, category: 0, priceBand: 0 } });
    expect(ranking(attr.score({ userId: 'bob', candidates: ['bag3', 'bag2'] }), ['bag3', 'bag2'])).toEqual(['bag2', 'bag3']);
  });

  it('the factory rejects unknown kinds and reports knobs', () => {
    expect(() => createBaseline('nope' as 'popularity', store)).toThrow(/unknown baseline "nope"/);
    const co = createBaseline('cooccurrence', store, { neighbours: 5, contextWeight: 2 }) as CooccurrenceRanker;
    expect(co.params).toMatchObject({ neighbours: 5, contextWeight: 2 });
    expect(co.name).toBe('cooccurrence');
  });
});
