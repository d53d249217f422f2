import { describe, expect, it } from 'vitest';
import { BUILTIN_FEATURES } from './builtin.js';
import { defaultContract } from './contract.js';
import { defineFeature } from './definition.js';
import {
  contractOf,
  featureSet,
  featureSetByName,
  featureSetId,
  registerFeature,
  registerFeatureSet,
  resolveContract,
} from './feature-set.js';
import { DAY_MS } from './popularity.js';
import { buildFeatureStore, featureStoreFromTables, featureStoreToTables } from './store.js';
import { randomShop } from './testing/shops.js';
import type { UserStateDefinition } from './user-state.js';
import { MemoryUserStateStore } from './user-state-store.js';

/** A data scientist's feature with its own user state: the items of the user's current basket. */
const basket: UserStateDefinition<{ items: string[] }> = {
  key: 'test_current_basket',
  version: 1,
  doc: 'item ids of the basket the user is in',
  init: () => ({ items: [] }),
  update: (s, e, step) => {
    if (step.strength === 0) return s;
    return step.newBasket ? { items: [e.itemId] } : { items: [...s.items, e.itemId] };
  },
};
const inBasket = defineFeature({
  name: 'test_in_current_basket',
  doc: '1 when the candidate is in the current basket',
  scope: 'user_item',
  userState: basket,
  value: (req, c) => (c >= 0 && (req.state(basket)?.items.includes(req.items.d.itemIds[c]) ?? false) ? 1 : 0),
});

describe('feature sets', () => {
  it('have a stable id that changes with a feature version or order', () => {
    const id = featureSetId(BUILTIN_FEATURES);
    expect(featureSetId([...BUILTIN_FEATURES])).toBe(id);
    expect(defaultContract().featureSet).toBe(id);
    expect(featureSetId([...BUILTIN_FEATURES].reverse())).not.toBe(id);
    expect(featureSetId([...BUILTIN_FEATURES.slice(1), { ...BUILTIN_FEATURES[0], version: 2 }])).not.toBe(
      featureSetId([...BUILTIN_FEATURES.slice(1), BUILTIN_FEATURES[0]]),
    );
    expect(() => featureSet('dup', [BUILTIN_FEATURES[0], BUILTIN_FEATURES[0]])).toThrow(/twice/);
  });

  it('refuse bad definitions and replacing a built-in', () => {
    expect(() => registerFeature({ ...inBasket, name: 'Bad Name' })).toThrow(/snake_case/);
    expect(() => registerFeature({ ...inBasket, doc: '' })).toThrow(/doc/);
    expect(() => registerFeature({ ...BUILTIN_FEATURES[0], doc: 'mine' })).toThrow(/built in/);
    expect(() => featureSetByName('nope')).toThrow(/unknown feature set "nope"; registered: default/);
  });

  it('a contract naming a feature this code lacks fails naming it; another version too', () => {
    const c = { version: 1 as const, names: ['log_pop', 'no_such_feature'] };
    expect(() => resolveContract(c)).toThrow(/"no_such_feature"/);
    expect(() => resolveContract({ version: 1, names: ['log_pop'], versions: [2] })).toThrow(/"log_pop" version 2/);
  });

  it('a custom feature with its own user state is computed offline and over a live store alike', async () => {
    const set = registerFeatureSet('test-with-basket', [...BUILTIN_FEATURES, inBasket]);
    const shop = randomShop(5, { users: 20, items: 30, sessions: 120 });
    const cutoff = shop.start + 30 * DAY_MS;
    const offline = await buildFeatureStore(shop.events, shop.items, { cutoff, featureSet: set, threads: 1 });
    expect(offline.contract.names.at(-1)).toBe('test_in_current_basket');
    const D = set.features.length;
    let ones = 0;
    const live = new MemoryUserStateStore({ definitions: [basket] });
    for (const e of [...shop.events].filter((e) => e.ts < cutoff).sort((a, b) => a.ts - b.ts)) live.apply([e]);
    const online = featureStoreFromTables(featureStoreToTables(offline), { users: live, contract: contractOf(set), now: cutoff });
    for (const u of offline.userIds) {
      const f = offline.features(u, offline.itemIds);
      for (let r = 0; r < offline.itemIds.length; r++) ones += f[r * D + D - 1];
      expect(online.features(u, offline.itemIds, 'i2')).toEqual(offline.features(u, offline.itemIds, 'i2'));
    }
    expect(ones).toBeGreaterThan(0);
    // The same tables with the default contract compute the 23 built-ins only.
    expect(offline.withContract(defaultContract()).features(offline.userIds[0], ['i1']).length).toBe(23);
  });
});
