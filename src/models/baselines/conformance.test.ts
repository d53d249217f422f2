import { beforeAll } from 'vitest';
import { randomShop } from '../../features/fixture.js';
import { DAY_MS } from '../../features/popularity.js';
import { buildFeatureStore, type TableFeatureStore } from '../../features/store.js';
import { describeRankerConformance } from '../conformance.js';
import { BASELINE_KINDS, createBaseline } from './index.js';

// Every baseline passes the Ranker conformance suite on one seeded shop.
const shop = randomShop(5);
let store: TableFeatureStore;
beforeAll(async () => {
  store = await buildFeatureStore(shop.events, shop.items, { cutoff: shop.start + 50 * DAY_MS, threads: 1 });
});

for (const kind of BASELINE_KINDS) {
  describeRankerConformance(`baseline ${kind}`, async () => ({
    ranker: createBaseline(kind, store),
    knownUser: store.userIds[0],
    knownItems: store.itemIds.slice(0, 20),
  }));
}
