/**
 * Test fixture (not product code): a real, small ServableModel over a popularity table, a
 * co-visitation table and per-user histories, so service tests and the bench exercise real ranking
 * work without TensorFlow.js. Score = normalised log popularity + 2 x co-visitation with the item on
 * the page + co-visitation with the user's history. Unknown users get popularity (+ context).
 */
import type { PredictInstance, RecommendQuery, ScoredItem, ServableModel } from '../../src/serving/servable.js';
import { Rng } from '../../src/util/random.js';

/** The tables a fixture model scores with. */
export interface FixtureTables {
  /** Item id -> interaction count. */
  popularity: Record<string, number>;
  /** Item id -> neighbour id -> co-visitation count. */
  covisit: Record<string, Record<string, number>>;
  /** User id -> items the user interacted with. */
  history: Record<string, string[]>;
}

/** How to build a fixture model. */
export interface FixtureOptions {
  name: string;
  version: number;
  tables: FixtureTables;
  /** Candidates generated when a query gives none: the N most popular items (default 200). */
  poolSize?: number;
  /** `warmup`: every method throws (a version that loads but cannot serve). */
  broken?: 'warmup';
}

/** A fixture model that also says whether it was disposed (tests check reference counting). */
export interface FixtureModel extends ServableModel {
  readonly disposed: boolean;
}

/**
 * Seeded synthetic tables: Zipf-like popularity, ~`neighbours` co-visited items per item, and a
 * short history per user. Item ids are `i0..`, user ids `u0..`.
 */
export function fixtureTables(options: { items?: number; users?: number; neighbours?: number; seed?: number } = {}): FixtureTables {
  const items = options.items ?? 500;
  const users = options.users ?? 100;
  const neighbours = options.neighbours ?? 10;
  const rng = new Rng(options.seed ?? 7);
  const popularity: Record<string, number> = {};
  const covisit: Record<string, Record<string, number>> = {};
  const history: Record<string, string[]> = {};
  for (let i = 0; i < items; i++) popularity[`i${i}`] = Math.floor(10_000 / (i + 1)) + rng.int(5);
  for (let i = 0; i < items; i++) {
    const row: Record<string, number> = {};
    for (let j = 0; j < neighbours; j++) {
      const n = rng.int(items);
      if (n !== i) row[`i${n}`] = 1 + rng.int(50);
    }
    covisit[`i${i}`] = row;
  }
  for (let u = 0; u < users; u++) history[`u${u}`] = Array.from({ length: 3 }, () => `i${rng.int(items)}`);
  return { popularity, covisit, history };
}

/** Builds a fixture model. */
export function createFixtureModel(options: FixtureOptions): FixtureModel {
  const { name, version, tables } = options;
  const pop = new Map(Object.entries(tables.popularity));
  const covis = new Map(Object.entries(tables.covisit).map(([k, row]) => [k, new Map(Object.entries(row))]));
  const maxPop = Math.log1p(Math.max(1, ...pop.values()));
  let maxCo = 1;
  for (const row of covis.values()) for (const w of row.values()) maxCo = Math.max(maxCo, w);
  const pool = [...pop.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, options.poolSize ?? 200)
    .map(([id]) => id);
  let disposed = false;

  const guard = () => {
    if (disposed) throw new Error(`fixture ${name} v${version} used after dispose`);
    if (options.broken === 'warmup') throw new Error(`fixture ${name} v${version} is broken`);
  };
  // Own properties only: user ids come from requests ("constructor" must not find Object.prototype's).
  const historyOf = (userId: string): readonly string[] => (Object.hasOwn(tables.history, userId) ? tables.history[userId] : []);
  const score = (userId: string, itemId: string, context?: string): number => {
    const p = pop.get(itemId);
    if (p === undefined) return -1; // unknown items rank last, with a finite score
    let s = Math.log1p(p) / maxPop;
    if (context) s += (2 * (covis.get(context)?.get(itemId) ?? 0)) / maxCo;
    for (const h of historyOf(userId)) s += (covis.get(h)?.get(itemId) ?? 0) / maxCo;
    return s;
  };
  const ranked = (userId: string, ids: readonly string[], k: number, context?: string): ScoredItem[] => {
    const scored = ids.map((itemId, i) => ({ itemId, score: score(userId, itemId, context), i }));
    scored.sort((a, b) => b.score - a.score || a.i - b.i);
    return scored.slice(0, k).map(({ itemId, score: s }) => ({ itemId, score: s }));
  };

  return {
    name,
    version,
    kind: 'fixture-covisit',
    manifest: {
      formatVersion: 1,
      name,
      version,
      kind: 'fixture-covisit',
      featureContract: { names: ['popularity', 'covisit_context', 'covisit_history'], order: 'as listed', normalisation: 'log1p/max' },
    },
    warmup: [
      { userId: 'u0', k: 10 },
      { userId: 'unknown-user', itemId: pool[0], k: 10 },
    ],
    get disposed() {
      return disposed;
    },
    recommend(query: RecommendQuery): ScoredItem[] {
      guard();
      const skip = new Set(query.exclude ?? []);
      if (query.itemId) skip.add(query.itemId);
      let ids: readonly string[];
      if (query.candidates) ids = query.candidates;
      else {
        const set = new Set(pool);
        for (const h of [query.itemId, ...historyOf(query.userId)]) {
          if (h) for (const n of covis.get(h)?.keys() ?? []) set.add(n);
        }
        ids = [...set];
      }
      return ranked(
        query.userId,
        ids.filter((id) => !skip.has(id)),
        query.k,
        query.itemId,
      );
    },
    rank(userId: string, itemIds: readonly string[]): ScoredItem[] {
      guard();
      return ranked(userId, itemIds, itemIds.length);
    },
    predict(instances: readonly PredictInstance[]): number[] {
      guard();
      return instances.map((x) => score(x.userId, x.itemId, x.contextItemId));
    },
    dispose() {
      disposed = true;
    },
  };
}
