/**
 * FROZEN COPY of the synthetic store generator as it was before it stopped building users x items
 * (src/data/synthetic-store.ts at 1805f7e), kept only as the baseline of bench/synthetic-store.ts,
 * bench/synthetic-compare.ts and bench/synthetic-truth-seeds.ts. It computes a dense users x
 * items affinity matrix and scans the catalogue in every session, so it is O(users x items). Do
 * not use it anywhere else; only the import paths were changed.
 */
/**
 * The built-in default dataset: a seeded synthetic fashion store that needs nothing from outside.
 *
 * Items have a brand, colour, category and a category-dependent price, plus a hidden quality
 * (the popularity effect) and a small latent vector. Users have latent tastes: favourite
 * categories, brands and colours, a price level, a latent vector and an activity level. The true
 * affinity of a user for an item (kept as `dataset.truth`) combines them through a logistic link,
 * and drives everything the user does: which items a session shows them (taste x popularity),
 * and whether a view becomes a wishlist add, a cart add and a purchase. Some sessions revisit
 * liked items (re-views and re-purchases). So popularity is a reasonable baseline, and a model
 * that learns a user's attribute affinities from their history beats it clearly.
 */

import type { Dataset, GroundTruth, InteractionEvent, Item, LoadReport } from '../src/data/schema.js';
import { type SyntheticCatalogue, syntheticCatalogue } from '../src/data/synthetic-catalogue.js';
import { Rng } from '../src/util/random.js';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Options of the generator; every default is in {@link SYNTHETIC_DEFAULTS}. */
export interface SyntheticOptions {
  seed?: number;
  users?: number;
  items?: number;
  weeks?: number;
  /** Epoch ms of the first day (default Monday 2025-01-06 00:00 UTC, fixed so runs repeat). */
  start?: number;
}

/** Weights of the true affinity's logit and the behaviour probabilities (exported in the report). */
export const SYNTHETIC_MODEL = {
  /** logit = bias + category*pref + brand*pref + colour*pref - price*|log price gap| + latent*dot + quality*q */
  affinity: { bias: -3.2, category: 2.4, brand: 1.7, colour: 1.2, price: 1.6, latent: 0.6, quality: 0.5 },
  /** Mean sessions per user per week (each user's rate is this times a log-normal activity). */
  sessionsPerWeek: 1.1,
  /** Mean item views per session (1 + geometric). */
  viewsPerSession: 4,
  /** Chance a session browses the whole catalogue by popularity (a "trending" page) instead of a category. */
  trendingShare: 0.2,
  /** Chance a session revisits items from the user's own history. */
  revisitShare: 0.2,
  /** How sharply a session's views favour high-affinity items: weight = popularity * exp(sharpness * affinity). */
  sharpness: 4,
  /** P(wishlist | view) = wishlist * affinity. */
  wishlist: 0.25,
  /** P(cart | view) = cart * affinity^1.5. */
  cart: 0.45,
  /** P(purchase | cart). */
  purchase: 0.6,
  /** P(purchase | revisit view) = rebuy * affinity^2 (repeat purchases of liked items). */
  rebuy: 0.25,
} as const;

/** The defaults: seed 42, 2,000 users, 600 items, 10 weeks from Monday 2025-01-06 UTC. */
/** The id of the synthetic store's u-th user (0-based): every user has one, with or without events. */
export function syntheticUserId(u: number): string {
  return `u${String(u + 1).padStart(4, '0')}`;
}

export const SYNTHETIC_DEFAULTS = { seed: 42, users: 2000, items: 600, weeks: 10, start: Date.UTC(2025, 0, 6) } as const;

/** The generator's parameters, as recorded in the report. */
export interface SyntheticParams {
  seed: number;
  users: number;
  items: number;
  weeks: number;
  start: number;
  model: typeof SYNTHETIC_MODEL;
}

/** The load report of the synthetic store, with the parameters that generated it. */
export interface SyntheticReport extends LoadReport {
  params: SyntheticParams;
}

/** A synthetic dataset: always carries its ground truth and parameters. */
export type SyntheticDataset = Dataset & { truth: GroundTruth; report: SyntheticReport };

interface User {
  cat: Float32Array;
  brand: Float32Array;
  colour: Float32Array;
  /** Preferred log price relative to the category's typical price. */
  priceLevel: number;
  latent: Float32Array;
  sessionsPerWeek: number;
}

/** Favourite values of one attribute: 2-3 of them, weights 1, 0.65, 0.35, drawn by global share. */
function favourites(rng: Rng, shares: readonly number[]): Float32Array {
  const pref = new Float32Array(shares.length);
  const w = [...shares];
  const k = rng.chance(0.5) ? 3 : 2;
  const levels = [1, 0.65, 0.35];
  for (let j = 0; j < k; j++) {
    const v = rng.weighted(w);
    pref[v] = levels[j];
    w[v] = 0;
  }
  return pref;
}

function makeUser(rng: Rng, cat: SyntheticCatalogue): User {
  const latent = new Float32Array(cat.latentDim);
  for (let d = 0; d < latent.length; d++) latent[d] = rng.normal() / Math.sqrt(latent.length);
  return {
    cat: favourites(rng, cat.categoryShare),
    brand: favourites(rng, cat.brandShare),
    colour: favourites(rng, cat.colourShare),
    priceLevel: 0.05 + 0.4 * rng.normal(),
    latent,
    sessionsPerWeek: SYNTHETIC_MODEL.sessionsPerWeek * Math.exp(0.6 * rng.normal() - 0.18),
  };
}

function affinityMatrix(users: User[], cat: SyntheticCatalogue): Float32Array {
  const a = SYNTHETIC_MODEL.affinity;
  const n = cat.items.length;
  const out = new Float32Array(users.length * n);
  for (let u = 0; u < users.length; u++) {
    const user = users[u];
    for (let i = 0; i < n; i++) {
      const it = cat.attrs[i];
      let dot = 0;
      for (let d = 0; d < cat.latentDim; d++) dot += user.latent[d] * cat.latent[i * cat.latentDim + d];
      const logit =
        a.bias +
        a.category * user.cat[it.category] +
        a.brand * user.brand[it.brand] +
        a.colour * user.colour[it.colour] -
        a.price * Math.abs(it.logPriceGap - user.priceLevel) +
        a.latent * dot +
        a.quality * it.quality;
      out[u * n + i] = 1 / (1 + Math.exp(-logit));
    }
  }
  return out;
}

/** A time of day for a session start: more sessions in the evening. */
function sessionHour(rng: Rng): number {
  return rng.chance(0.6) ? 17 + rng.next() * 6 : 7 + rng.next() * 10;
}

/** Draws up to `k` distinct indices of `pool` with probability proportional to `weights` (mutated). */
function drawDistinct(rng: Rng, pool: readonly number[], weights: Float64Array, k: number): number[] {
  const out: number[] = [];
  for (let j = 0; j < k && j < pool.length; j++) {
    const p = rng.weighted(weights);
    if (weights[p] <= 0) break;
    out.push(pool[p]);
    weights[p] = 0;
  }
  return out;
}

/**
 * Generates the synthetic fashion store. Deterministic: the same options give the same dataset,
 * byte for byte. Users are `u0001`..., items `i0001`...; events are sorted by ts, each session has
 * a `sessionId`, purchases carry quantity 1 and the item's price. `truth.affinity(userId, itemId)`
 * is the true affinity in [0, 1] (0 for unknown ids).
 */
export function generateSyntheticStore(opts: SyntheticOptions = {}): SyntheticDataset {
  const params: SyntheticParams = {
    seed: opts.seed ?? SYNTHETIC_DEFAULTS.seed,
    users: opts.users ?? SYNTHETIC_DEFAULTS.users,
    items: opts.items ?? SYNTHETIC_DEFAULTS.items,
    weeks: opts.weeks ?? SYNTHETIC_DEFAULTS.weeks,
    start: opts.start ?? SYNTHETIC_DEFAULTS.start,
    model: SYNTHETIC_MODEL,
  };
  for (const k of ['users', 'items', 'weeks'] as const) {
    if (!Number.isInteger(params[k]) || params[k] < 1)
      throw new RangeError(`synthetic store: ${k} must be a positive integer, got ${params[k]}`);
  }
  const rng = new Rng(params.seed);
  const cat = syntheticCatalogue(rng.fork(), params.items, params.start, params.weeks * WEEK);
  const userRng = rng.fork();
  const users = Array.from({ length: params.users }, () => makeUser(userRng, cat));
  const aff = affinityMatrix(users, cat);
  const events = simulate(rng.fork(), users, cat, aff, params);

  const userIds = users.map((_, u) => syntheticUserId(u));
  const userIndex = new Map(userIds.map((id, u) => [id, u]));
  const itemIndex = new Map(cat.items.map((it, i) => [it.itemId, i]));
  const n = cat.items.length;
  const truth: GroundTruth = {
    affinity(userId, itemId) {
      const u = userIndex.get(userId);
      const i = itemIndex.get(itemId);
      return u === undefined || i === undefined ? 0 : aff[u * n + i];
    },
  };
  const out: InteractionEvent[] = events.map(({ u, ...rest }) => ({ userId: userIds[u], ...rest }));
  const report: SyntheticReport = {
    source: 'synthetic',
    rowsRead: out.length,
    rowsKept: out.length,
    rejected: {},
    examples: [],
    corrections: {},
    warnings: [],
    params,
  };
  const items: Item[] = cat.items;
  return { source: 'synthetic', events: out, items, report, truth };
}

type RawEvent = Omit<InteractionEvent, 'userId'> & { u: number };

function simulate(rng: Rng, users: User[], cat: SyntheticCatalogue, aff: Float32Array, p: SyntheticParams): RawEvent[] {
  const m = SYNTHETIC_MODEL;
  const n = cat.items.length;
  const end = p.start + p.weeks * WEEK;
  const events: RawEvent[] = [];
  let sessionNo = 0;
  for (let u = 0; u < users.length; u++) {
    const user = users[u];
    const history: number[] = []; // items this user viewed, in order (repeats allowed)
    // Session starts: a Poisson process over the period, at plausible hours.
    const starts: number[] = [];
    for (let w = 0; w < p.weeks; w++) {
      let k = 0;
      for (let limit = Math.exp(-user.sessionsPerWeek), prod = rng.next(); prod > limit; prod *= rng.next()) k++;
      for (let j = 0; j < k; j++) {
        const day = p.start + w * WEEK + rng.int(7) * DAY;
        starts.push(Math.floor(day + sessionHour(rng) * 3_600_000));
      }
    }
    starts.sort((a, b) => a - b);
    for (const start of starts) {
      if (start >= end) continue;
      const sessionId = `s${String(++sessionNo).padStart(6, '0')}`;
      const released = (i: number) => cat.releasedAt[i] <= start;
      const nViews = 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - 1 / m.viewsPerSession));
      let viewed: number[];
      let revisit = false;
      if (history.length > 0 && rng.chance(m.revisitShare)) {
        revisit = true;
        const pool = [...new Set(history)];
        const w = Float64Array.from(pool, (i) => aff[u * n + i] ** 2);
        viewed = drawDistinct(rng, pool, w, Math.min(nViews, 3));
      } else {
        const trending = rng.chance(m.trendingShare);
        const c = rng.weighted(Float64Array.from(user.cat, (v, k) => 0.15 * cat.categoryShare[k] + v));
        const pool: number[] = [];
        for (let i = 0; i < n; i++) if (released(i) && (trending || cat.attrs[i].category === c)) pool.push(i);
        const w = Float64Array.from(pool, (i) =>
          trending ? cat.popularity[i] ** 1.5 : cat.popularity[i] * Math.exp(m.sharpness * aff[u * n + i]),
        );
        viewed = drawDistinct(rng, pool, w, nViews);
      }
      let t = start;
      const carted: number[] = [];
      for (const i of viewed) {
        const a = aff[u * n + i];
        const itemId = cat.items[i].itemId;
        t += 15_000 + rng.int(90_000);
        events.push({ u, itemId, ts: t, type: 'view', sessionId });
        history.push(i);
        if (rng.chance(m.wishlist * a)) {
          t += 5_000 + rng.int(20_000);
          events.push({ u, itemId, ts: t, type: 'wishlist', sessionId });
        }
        const buyP = revisit ? m.rebuy * a * a : m.cart * a ** 1.5;
        if (rng.chance(buyP)) {
          t += 5_000 + rng.int(30_000);
          events.push({ u, itemId, ts: t, type: 'cart', sessionId });
          carted.push(i);
        }
      }
      // Checkout at the end of the session: each carted item is bought with probability `purchase`.
      for (const i of carted) {
        if (!rng.chance(revisit ? 0.9 : m.purchase)) continue;
        const item = cat.items[i];
        t += 10_000 + rng.int(30_000);
        events.push({ u, itemId: item.itemId, ts: t, type: 'purchase', sessionId, quantity: 1, price: item.price });
      }
    }
  }
  // Sort by time; ties (none in practice) keep generation order, so the output is deterministic.
  events.sort((a, b) => a.ts - b.ts);
  return events.filter((e) => e.ts < end);
}
