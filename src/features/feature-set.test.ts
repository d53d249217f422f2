import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../paths.js';
import { writeReadmeModule } from '../util/testing/readme-code.js';
import { BUILTIN_FEATURES } from './builtin.js';
import { defaultContract } from './contract.js';
import type { FeatureDefinition } from './definition.js';
import {
  contractOf,
  type FeatureSet,
  featureSet,
  featureSetByName,
  featureSetId,
  registerFeature,
  resolveContract,
} from './feature-set.js';
import { DAY_MS } from './popularity.js';
import { buildFeatureStore, featureStoreFromTables, featureStoreToTables } from './store.js';
import { randomShop } from './testing/shops.js';
import type { UserStateDefinition } from './user-state.js';
import { MemoryUserStateStore } from './user-state-store.js';

/** The README's "Add a feature" module, as written there: a feature with its own user state. */
interface InBasketModule {
  basketItems: UserStateDefinition<{ items: string[] }>;
  inBasket: FeatureDefinition;
  inBasketFeatures: FeatureSet;
}

let tmp: string;
let readme: InBasketModule;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'readme-feature-'));
  const from = path.join(PROJECT_ROOT, 'src', 'features', 'custom');
  const file = await writeReadmeModule('// src/features/custom/in-basket.ts', from, tmp, 'in-basket');
  readme = (await import(pathToFileURL(file).href)) as InBasketModule;
});

afterAll(() => rm(tmp, { recursive: true, force: true }));

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
    expect(() => registerFeature({ ...readme.inBasket, name: 'Bad Name' })).toThrow(/snake_case/);
    expect(() => registerFeature({ ...readme.inBasket, doc: '' })).toThrow(/doc/);
    expect(() => registerFeature({ ...BUILTIN_FEATURES[0], doc: 'mine' })).toThrow(/built in/);
    expect(() => featureSetByName('nope')).toThrow(/unknown feature set "nope"; registered: default/);
  });

  it('a contract naming a feature this code lacks fails naming it; another version too', () => {
    const c = { version: 1 as const, names: ['log_pop', 'no_such_feature'] };
    expect(() => resolveContract(c)).toThrow(/"no_such_feature"/);
    expect(() => resolveContract({ version: 1, names: ['log_pop'], versions: [2] })).toThrow(/"log_pop" version 2/);
  });

  it("the README's feature with its own user state is computed offline and over a live store alike", async () => {
    const set = readme.inBasketFeatures;
    expect(featureSetByName('in-basket')).toBe(set);
    const shop = randomShop(5, { users: 20, items: 30, sessions: 120 });
    const cutoff = shop.start + 30 * DAY_MS;
    const offline = await buildFeatureStore(shop.events, shop.items, { cutoff, featureSet: set, threads: 1 });
    expect(offline.contract.names.at(-1)).toBe('in_basket');
    const D = set.features.length;
    let ones = 0;
    const live = new MemoryUserStateStore({ definitions: [readme.basketItems] });
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
