import { describe, expect, it } from 'vitest';
import type { InteractionEvent, Item } from '../data/schema.js';
import { CATALOGUE_FEATURE_SET, featureSetByName } from './feature-set.js';
import { buildFeatureStore, featureStoreFromTables, featureStoreToTables } from './store.js';
import type { FeatureTables } from './tables.js';

const DAY = 86_400_000;
const items: Item[] = [
  { itemId: 'A', title: 'A', attributes: { genre: 'rock', era: '70s' } },
  { itemId: 'B', title: 'B', attributes: { genre: 'rock', era: '80s' } },
  { itemId: 'C', title: 'C', attributes: { genre: 'jazz', era: '70s' } },
  { itemId: 'D', title: 'D', attributes: { genre: 'folk' } },
  { itemId: 'E', title: 'E' },
];
// u: purchase of A (strength 5) and a view of C (strength 1): total weight 6.
const events: InteractionEvent[] = [
  { userId: 'u', itemId: 'A', ts: 1 * DAY, type: 'purchase' },
  { userId: 'u', itemId: 'C', ts: 2 * DAY, type: 'view' },
  { userId: 'w', itemId: 'D', ts: 2 * DAY, type: 'purchase' },
];

describe("features over a team catalogue's own attributes", () => {
  it("read the user's share of history on the candidate's values (hand-computed), offline and from the model's tables", async () => {
    const featureSet = featureSetByName(CATALOGUE_FEATURE_SET);
    const store = await buildFeatureStore(events, items, { cutoff: 10 * DAY, featureSet, threads: 1 });
    const names = store.contract.names;
    const max = names.indexOf('catalogue_attr_affinity_max');
    const mean = names.indexOf('catalogue_attr_affinity_mean');
    expect(max).toBeGreaterThan(0);
    const read = (s: typeof store) => {
      const rows = s.features('u', ['B', 'C', 'D', 'E', 'nope']);
      return [0, 1, 2, 3, 4].map((r) => [rows[r * names.length + max], rows[r * names.length + mean]]);
    };
    // Shares: genre rock 5/6, jazz 1/6; era 70s 6/6.
    // B: rock 5/6, 80s 0 -> max 5/6, mean 5/12. C: jazz 1/6, 70s 1 -> max 1, mean 7/12.
    // D: folk 0, no era -> 0, 0. E: no attributes -> 0. Unknown item -> 0.
    const expected = [
      [5 / 6, 5 / 12],
      [1, 7 / 12],
      [0, 0],
      [0, 0],
      [0, 0],
    ];
    const got = read(store);
    for (const [r, row] of got.entries()) {
      for (const [k, v] of row.entries()) expect(v, `row ${r} col ${k}`).toBeCloseTo(expected[r][k], 6);
    }
    const reloaded = featureStoreFromTables(JSON.parse(JSON.stringify(featureStoreToTables(store))) as FeatureTables, {
      users: store.users,
      now: 10 * DAY,
      contract: store.contract,
    });
    expect(read(reloaded)).toEqual(got);
  });

  it('leave the default feature set and its tables as they were when the catalogue has none', async () => {
    const plain = items.map(({ attributes: _a, ...rest }) => rest);
    const store = await buildFeatureStore(events, plain, { cutoff: 10 * DAY, threads: 1 });
    expect(store.contract.names).not.toContain('catalogue_attr_affinity_max');
    expect(featureStoreToTables(store).items.extra).toBeUndefined();
  });
});
