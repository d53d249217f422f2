import { beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { fitNormalisation } from './contract.js';
import { DAY_MS, POPULARITY_HALF_LIVES_DAYS } from './popularity.js';
import {
  buildFeatureStore,
  type FeatureStore,
  featureStoreFromTables,
  featureStoreToTables,
  type TableFeatureStore,
  withNormalisation,
} from './store.js';
import type { FeatureTables } from './tables.js';
import { randomShop } from './testing/shops.js';

const shop = randomShop(3);
const cutoff = shop.start + 45 * DAY_MS;
let built: TableFeatureStore;
let json: string;
let loaded: TableFeatureStore;

beforeAll(async () => {
  built = await buildFeatureStore(shop.events, shop.items, { cutoff, threads: 1 });
  json = JSON.stringify(featureStoreToTables(built));
  loaded = featureStoreFromTables(JSON.parse(json) as FeatureTables, { users: built.users, now: cutoff });
});

function userIds(store: TableFeatureStore): string[] {
  return [...store.userIds, 'unknown-user'];
}

function expectSameBehaviour(a: FeatureStore, b: FeatureStore, users: string[]): void {
  expect(b.cutoff).toBe(a.cutoff);
  expect(b.itemIds).toEqual(a.itemIds);
  expect(b.contract).toEqual(a.contract);
  for (const id of [...a.itemIds, 'unknown-item']) {
    expect(b.item(id)).toEqual(a.item(id));
    expect(b.popularity(id)).toEqual(a.popularity(id));
    expect(b.neighbours(id)).toEqual(a.neighbours(id));
  }
  for (const u of users) {
    expect(b.user(u)).toEqual(a.user(u));
    expect(b.candidates(u)).toEqual(a.candidates(u));
    expect(b.candidates(u, { contextItemId: 'i4', limit: 20 })).toEqual(a.candidates(u, { contextItemId: 'i4', limit: 20 }));
    expect(b.features(u, a.itemIds, 'i4')).toEqual(a.features(u, a.itemIds, 'i4'));
    expect(b.features(u, ['i1', 'nope'])).toEqual(a.features(u, ['i1', 'nope']));
  }
}

describe('feature tables', () => {
  it('round-trip through JSON with identical features, candidates, profiles and neighbours', () => {
    expect(built.userIds.length).toBeGreaterThan(30);
    expectSameBehaviour(built, loaded, userIds(built));
    for (const h of [...POPULARITY_HALF_LIVES_DAYS, Number.POSITIVE_INFINITY]) {
      expect(loaded.popularityVector(h)).toEqual(built.popularityVector(h));
    }
  });

  it('re-encode to the same bytes', () => {
    expect(JSON.stringify(featureStoreToTables(loaded))).toBe(json);
  });

  it('are compact: numeric columns as base64, vocabularies once, no user state', () => {
    const t = JSON.parse(json) as FeatureTables;
    expect(typeof t.neighbours.scores.base64).toBe('string');
    expect(Object.keys(t).sort()).toEqual(['cutoff', 'format', 'items', 'neighbours', 'params', 'popularity', 'version']);
    expect(json).not.toContain('"u1"');
    expect(t.items.vocab.brand).toEqual(['b0', 'b1', 'b2']);
  });

  it('serve a fitted contract over the same user state', () => {
    const rows = built.features('u1', built.itemIds);
    const norm = fitNormalisation(rows, built.contract.names.length);
    const fitted = withNormalisation(built, norm);
    expect(built.contract.normalisation).toBeUndefined();
    expect(fitted.contract.normalisation).toEqual(norm);
    const tables = JSON.parse(JSON.stringify(featureStoreToTables(fitted))) as FeatureTables;
    const back = featureStoreFromTables(tables, { users: built.users, contract: fitted.contract, now: cutoff });
    expect(back.contract.normalisation).toEqual(norm);
    expect(back.features('u1', ['i2'])).toEqual(built.features('u1', ['i2']));
    expect(() => withNormalisation(built, { mean: [0], std: [1] })).toThrow(/normalisation/);
  });

  it('reject malformed tables with an error naming the field', () => {
    const bad = (edit: (t: FeatureTables) => void): unknown => {
      const t = JSON.parse(json) as FeatureTables;
      edit(t);
      try {
        featureStoreFromTables(t);
      } catch (e) {
        return e;
      }
      return undefined;
    };
    const e1 = bad((t) => {
      (t as { format: string }).format = 'something-else';
    });
    expect(e1).toBeInstanceOf(DataError);
    expect((e1 as DataError).field).toBe('format');
    const e2 = bad((t) => {
      t.neighbours.scores.base64 = t.neighbours.scores.base64.slice(0, 8);
    });
    expect((e2 as DataError).field).toBe('neighbours.scores');
    const e3 = bad((t) => {
      t.items.titles.pop();
    });
    expect((e3 as DataError).field).toBe('items.titles');
    const e4 = bad((t) => {
      const bytes = Buffer.from(t.neighbours.items.base64, 'base64');
      const items = new Int32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
      items[0] = 10_000;
      t.neighbours.items.base64 = Buffer.from(items.buffer).toString('base64');
    });
    expect((e4 as DataError).message).toMatch(/neighbours\.items.*10000/);
    const e5 = bad((t) => {
      (t as { version: number }).version = 3;
    });
    expect((e5 as DataError).field).toBe('version');
  });
});
