/**
 * The built-in default dataset: a seeded synthetic fashion store that needs nothing from outside.
 *
 * Items have a brand, colour, category and a category-dependent price, plus a hidden quality
 * (the popularity effect) and a small latent vector. Users have latent tastes: favourite
 * categories, brands and colours, a price level, a latent vector and an activity level. The true
 * affinity of a user for an item (`dataset.truth`, computed when asked) combines them through a
 * logistic link, and drives everything the user does: which items a session shows them (taste x
 * popularity), and whether a view becomes a wishlist add, a cart add and a purchase. Some sessions
 * revisit liked items (re-views and re-purchases). So popularity is a reasonable baseline, and a
 * model that learns a user's attribute affinities from their history beats it clearly.
 *
 * It samples the model of the O(users x items) generator it replaced (src/data/synthetic.ts at
 * 1805f7e, which bench/synthetic-legacy.ts loads from git history) with the same random draws, so a seed gives the
 * very same events: each session draws its items by inverse CDF from the same weights, pools and
 * pool order and the same uniforms (synthetic-draws.ts), but from block sums instead of a scan of
 * the pool per draw; a user's true affinities are computed only for the categories they browse
 * (once each), nothing of size users x items is built, and the events are time-ordered by a radix
 * sort. The cost is O(events) plus O(category size) per category a user browses: drawing the same
 * items as the old scans from the same uniforms needs the total weight of the session's pool, so
 * every affinity of the category. (Sampling the same distribution with other draws, by rejection,
 * would cost O(1) a view, but gave other events per seed.)
 */
import { Rng } from '../util/random.js';
import { generatedReport } from './load-report.js';
import type { Dataset, GroundTruth, InteractionEvent, Item, LoadReport } from './schema.js';
import { type SyntheticCatalogue, syntheticCatalogue } from './synthetic-catalogue.js';
import { drawDistinctByPrefix, type PoolSums, ReleasedPool } from './synthetic-draws.js';

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

/** The id of the synthetic store's u-th user (0-based): every user has one, with or without events. */
export function syntheticUserId(u: number): string {
  return `u${String(u + 1).padStart(4, '0')}`;
}

/** The defaults: seed 42, 2,000 users, 600 items, 10 weeks from Monday 2025-01-06 UTC. */
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

/**
 * The users' planted tastes, one row per user in flat arrays (row u of a matrix starts at
 * u * width): favourite categories, brands and colours (2-3 of each, weights 1, 0.65, 0.35, 0
 * elsewhere), a latent vector, a preferred log price relative to the category's typical price,
 * and a session rate. Flat so 200,000 users cost a few typed arrays, not a million small ones.
 */
interface Users {
  count: number;
  cat: Float32Array;
  brand: Float32Array;
  colour: Float32Array;
  latent: Float32Array;
  priceLevel: Float64Array;
  sessionsPerWeek: Float64Array;
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

function makeUsers(rng: Rng, count: number, cat: SyntheticCatalogue): Users {
  const dim = cat.latentDim;
  const [nc, nb, nk] = [cat.categoryShare.length, cat.brandShare.length, cat.colourShare.length];
  const users: Users = {
    count,
    cat: new Float32Array(count * nc),
    brand: new Float32Array(count * nb),
    colour: new Float32Array(count * nk),
    latent: new Float32Array(count * dim),
    priceLevel: new Float64Array(count),
    sessionsPerWeek: new Float64Array(count),
  };
  for (let u = 0; u < count; u++) {
    for (let d = 0; d < dim; d++) users.latent[u * dim + d] = rng.normal() / Math.sqrt(dim);
    users.cat.set(favourites(rng, cat.categoryShare), u * nc);
    users.brand.set(favourites(rng, cat.brandShare), u * nb);
    users.colour.set(favourites(rng, cat.colourShare), u * nk);
    users.priceLevel[u] = 0.05 + 0.4 * rng.normal();
    users.sessionsPerWeek[u] = SYNTHETIC_MODEL.sessionsPerWeek * Math.exp(0.6 * rng.normal() - 0.18);
  }
  return users;
}

/**
 * The true affinity of user u for item i, computed when asked in O(latentDim): nothing of size
 * users x items is ever stored. Rounded to float32 (it used to be kept in a Float32Array, and
 * the values stay the same).
 */
class AffinityModel {
  private readonly dim: number;
  private readonly nc: number;
  private readonly nb: number;
  private readonly nk: number;
  private readonly itemCat: Uint8Array;
  private readonly itemBrand: Uint8Array;
  private readonly itemColour: Uint8Array;
  private readonly itemGap: Float64Array;
  private readonly itemQuality: Float64Array;
  private readonly itemLatent: Float32Array;
  /** Scratch of {@link AffinityModel.row}: a user's category, brand and colour terms of the logit. */
  private readonly terms: { cat: Float64Array; brand: Float64Array; colour: Float64Array };

  constructor(
    private readonly users: Users,
    cat: SyntheticCatalogue,
  ) {
    this.dim = cat.latentDim;
    [this.nc, this.nb, this.nk] = [cat.categoryShare.length, cat.brandShare.length, cat.colourShare.length];
    this.itemCat = Uint8Array.from(cat.attrs, (a) => a.category);
    this.itemBrand = Uint8Array.from(cat.attrs, (a) => a.brand);
    this.itemColour = Uint8Array.from(cat.attrs, (a) => a.colour);
    this.itemGap = Float64Array.from(cat.attrs, (a) => a.logPriceGap);
    this.itemQuality = Float64Array.from(cat.attrs, (a) => a.quality);
    this.itemLatent = cat.latent;
    this.terms = { cat: new Float64Array(this.nc), brand: new Float64Array(this.nb), colour: new Float64Array(this.nk) };
  }

  of(u: number, i: number): number {
    const a = SYNTHETIC_MODEL.affinity;
    const us = this.users;
    const dim = this.dim;
    let dot = 0;
    for (let d = 0; d < dim; d++) dot += us.latent[u * dim + d] * this.itemLatent[i * dim + d];
    const logit =
      a.bias +
      a.category * us.cat[u * this.nc + this.itemCat[i]] +
      a.brand * us.brand[u * this.nb + this.itemBrand[i]] +
      a.colour * us.colour[u * this.nk + this.itemColour[i]] -
      a.price * Math.abs(this.itemGap[i] - us.priceLevel[u]) +
      a.latent * dot +
      a.quality * this.itemQuality[i];
    return Math.fround(1 / (1 + Math.exp(-logit)));
  }

  /**
   * out[p] = of(u, items[p]) for every p, in one pass with the user's terms looked up once: the
   * same values (the logit is summed in the same order), for a whole category at a time.
   */
  row(u: number, items: Int32Array, out: Float64Array): void {
    const a = SYNTHETIC_MODEL.affinity;
    const us = this.users;
    const dim = this.dim;
    const lu = us.latent.subarray(u * dim, (u + 1) * dim);
    const { cat, brand, colour } = this.terms;
    for (let v = 0; v < this.nc; v++) cat[v] = a.category * us.cat[u * this.nc + v];
    for (let v = 0; v < this.nb; v++) brand[v] = a.brand * us.brand[u * this.nb + v];
    for (let v = 0; v < this.nk; v++) colour[v] = a.colour * us.colour[u * this.nk + v];
    const priceLevel = us.priceLevel[u];
    const { itemCat, itemBrand, itemColour, itemGap, itemQuality, itemLatent } = this;
    for (let p = 0; p < items.length; p++) {
      const i = items[p];
      let dot = 0;
      for (let d = 0; d < dim; d++) dot += lu[d] * itemLatent[i * dim + d];
      const logit =
        a.bias +
        cat[itemCat[i]] +
        brand[itemBrand[i]] +
        colour[itemColour[i]] -
        a.price * Math.abs(itemGap[i] - priceLevel) +
        a.latent * dot +
        a.quality * itemQuality[i];
      out[p] = Math.fround(1 / (1 + Math.exp(-logit)));
    }
  }
}

/**
 * Draws the items a session shows, with the old generator's weights, pools and pool order, by
 * inverse CDF from the same uniforms (so a seed gives the same events as before):
 * - revisit: the distinct items the user viewed before, in first-view order, weight affinity^2
 *   (prefix sums kept as the history grows, {@link drawDistinctByPrefix});
 * - trending: the released items of the catalogue, weight popularity^1.5 (block sums computed once);
 * - category c: its released items, weight popularity * exp(sharpness * affinity); the weights
 *   and block sums of a category are computed once per user who browses it, O(category size).
 * Nothing of size users x items is kept, and per user only the categories they browse are touched.
 */
class SessionSampler {
  private readonly catalogue: ReleasedPool;
  private readonly trendingWeight: Float64Array;
  private readonly trendingSums: PoolSums;
  private readonly byCategory: Int32Array[];
  private readonly categoryPools: ReleasedPool[];
  /** Popularity of each category's items, aligned with byCategory. */
  private readonly categoryPopularity: Float64Array[];
  /** The current user's category weights and their block sums; categoryUser[c] === u + 1 when computed for user u. */
  private readonly categoryWeight: Float64Array[];
  private readonly categorySums: PoolSums[];
  private readonly categoryUser: Int32Array;
  /** seen[i] === u + 1: user u has viewed i before. */
  private readonly seen: Int32Array;
  /** The current user's distinct viewed items in first-view order, their affinity^2 and its prefix sums. */
  readonly history: number[] = [];
  private readonly historyWeight: number[] = [];
  private readonly historyCum: number[] = [];
  private u = -1;

  constructor(
    private readonly rng: Rng,
    cat: SyntheticCatalogue,
    periodStart: number,
    private readonly aff: AffinityModel,
  ) {
    const n = cat.items.length;
    this.catalogue = new ReleasedPool(cat.releasedAt, periodStart);
    this.trendingWeight = Float64Array.from(cat.popularity, (q) => q ** 1.5);
    this.trendingSums = this.catalogue.sums(this.trendingWeight);
    const everything = Int32Array.from({ length: n }, (_, i) => i);
    this.byCategory = cat.categoryShare.map((_, c) => everything.filter((i) => cat.attrs[i].category === c));
    this.categoryPools = this.byCategory.map(
      (pool) =>
        new ReleasedPool(
          Float64Array.from(pool, (i) => cat.releasedAt[i]),
          periodStart,
        ),
    );
    this.categoryPopularity = this.byCategory.map((pool) => Float64Array.from(pool, (i) => cat.popularity[i]));
    this.categoryWeight = this.byCategory.map((pool) => new Float64Array(pool.length));
    this.categorySums = this.categoryPools.map((pool, c) => pool.sums(this.categoryWeight[c]));
    this.categoryUser = new Int32Array(this.byCategory.length);
    this.seen = new Int32Array(n);
  }

  /** Starts a new user (with an empty history). */
  user(u: number): void {
    this.u = u;
    this.history.length = 0;
    this.historyWeight.length = 0;
    this.historyCum.length = 0;
  }

  /** Records that the current user viewed item i (whose affinity is a). */
  viewed(i: number, a: number): void {
    if (this.seen[i] === this.u + 1) return;
    this.seen[i] = this.u + 1;
    const w = a ** 2;
    const h = this.historyCum;
    h.push(h.length > 0 ? h[h.length - 1] + w : w);
    this.historyWeight.push(w);
    this.history.push(i);
  }

  /** Up to k distinct items the user viewed before. */
  revisit(k: number): number[] {
    const h = this.history;
    return drawDistinctByPrefix(this.rng, this.historyWeight, this.historyCum, h.length, h.length, h.length - 1, k).map((p) => h[p]);
  }

  /** Up to k distinct items of the trending page for a session starting at `start`. */
  trending(k: number, start: number): number[] {
    return this.catalogue.draw(this.rng, this.trendingWeight, this.trendingSums, start, k);
  }

  /** Up to k distinct items of category c for a session starting at `start`. */
  category(c: number, k: number, start: number): number[] {
    const pool = this.byCategory[c];
    const w = this.categoryWeight[c];
    if (this.categoryUser[c] !== this.u + 1) {
      this.categoryUser[c] = this.u + 1;
      this.aff.row(this.u, pool, w);
      const pop = this.categoryPopularity[c];
      const sharpness = SYNTHETIC_MODEL.sharpness;
      for (let p = 0; p < w.length; p++) w[p] = pop[p] * Math.exp(sharpness * w[p]);
      this.categoryPools[c].sums(w, this.categorySums[c]);
    }
    return this.categoryPools[c].draw(this.rng, w, this.categorySums[c], start, k).map((p) => pool[p]);
  }
}

/** A time of day for a session start: more sessions in the evening. */
function sessionHour(rng: Rng): number {
  return rng.chance(0.6) ? 17 + rng.next() * 6 : 7 + rng.next() * 10;
}

/**
 * Generates the synthetic fashion store. Deterministic: the same options give the same dataset,
 * byte for byte. Users are `u0001`..., items `i0001`...; events are sorted by ts, each session has
 * a `sessionId`, purchases carry quantity 1 and the item's price. `truth.affinity(userId, itemId)`
 * is the true affinity in [0, 1] (0 for unknown ids), computed when asked.
 *
 * The events of a seed are those of the original O(users x items) generator (same model, same
 * random draws); the cost is O(events) plus O(category size) for each category a user browses,
 * and nothing of size users x items is built (see the module comment).
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
  const users = makeUsers(rng.fork(), params.users, cat);
  const aff = new AffinityModel(users, cat);
  const events = simulate(rng.fork(), users, cat, aff, params);

  // Id lookups for the truth, built on its first use.
  let index: { users: Map<string, number>; items: Map<string, number> } | undefined;
  const truth: GroundTruth = {
    affinity(userId, itemId) {
      index ??= {
        users: new Map(Array.from({ length: users.count }, (_, u) => [syntheticUserId(u), u])),
        items: new Map(cat.items.map((it, i) => [it.itemId, i])),
      };
      const u = index.users.get(userId);
      const i = index.items.get(itemId);
      return u === undefined || i === undefined ? 0 : aff.of(u, i);
    },
  };
  const report: SyntheticReport = { ...generatedReport('synthetic', events.length), params };
  const items: Item[] = cat.items;
  return { source: 'synthetic', events, items, report, truth };
}

function simulate(rng: Rng, users: Users, cat: SyntheticCatalogue, aff: AffinityModel, p: SyntheticParams): InteractionEvent[] {
  const m = SYNTHETIC_MODEL;
  const nc = cat.categoryShare.length;
  const end = p.start + p.weeks * WEEK;
  const sampler = new SessionSampler(rng, cat, p.start, aff);
  const events: InteractionEvent[] = [];
  let sessionNo = 0;
  for (let u = 0; u < users.count; u++) {
    const userId = syntheticUserId(u);
    sampler.user(u);
    const categoryWeights = Float64Array.from({ length: nc }, (_, c) => 0.15 * cat.categoryShare[c] + users.cat[u * nc + c]);
    // Session starts: a Poisson process over the period, at plausible hours.
    const starts: number[] = [];
    for (let w = 0; w < p.weeks; w++) {
      let k = 0;
      for (let limit = Math.exp(-users.sessionsPerWeek[u]), prod = rng.next(); prod > limit; prod *= rng.next()) k++;
      for (let j = 0; j < k; j++) {
        const day = p.start + w * WEEK + rng.int(7) * DAY;
        starts.push(Math.floor(day + sessionHour(rng) * 3_600_000));
      }
    }
    starts.sort((a, b) => a - b);
    for (const start of starts) {
      if (start >= end) continue;
      const sessionId = `s${String(++sessionNo).padStart(6, '0')}`;
      const nViews = 1 + Math.floor(Math.log(1 - rng.next()) / Math.log(1 - 1 / m.viewsPerSession));
      let viewed: number[];
      let revisit = false;
      if (sampler.history.length > 0 && rng.chance(m.revisitShare)) {
        revisit = true;
        viewed = sampler.revisit(Math.min(nViews, 3));
      } else {
        // The category is drawn for trending sessions too (and not used): the random draws stay
        // those of the original generator, so a seed gives the same events.
        const trending = rng.chance(m.trendingShare);
        const c = rng.weighted(categoryWeights);
        viewed = trending ? sampler.trending(nViews, start) : sampler.category(c, nViews, start);
      }
      let t = start;
      const carted: number[] = [];
      for (const i of viewed) {
        const a = aff.of(u, i);
        const itemId = cat.items[i].itemId;
        t += 15_000 + rng.int(90_000);
        events.push({ userId, itemId, ts: t, type: 'view', sessionId });
        sampler.viewed(i, a);
        if (rng.chance(m.wishlist * a)) {
          t += 5_000 + rng.int(20_000);
          events.push({ userId, itemId, ts: t, type: 'wishlist', sessionId });
        }
        const buyP = revisit ? m.rebuy * a * a : m.cart * a ** 1.5;
        if (rng.chance(buyP)) {
          t += 5_000 + rng.int(30_000);
          events.push({ userId, itemId, ts: t, type: 'cart', sessionId });
          carted.push(i);
        }
      }
      // Checkout at the end of the session: each carted item is bought with probability `purchase`.
      for (const i of carted) {
        if (!rng.chance(revisit ? 0.9 : m.purchase)) continue;
        const item = cat.items[i];
        t += 10_000 + rng.int(30_000);
        events.push({ userId, itemId: item.itemId, ts: t, type: 'purchase', sessionId, quantity: 1, price: item.price });
      }
    }
  }
  // By time (stable: ties keep generation order, so the output is deterministic).
  return sortByTime(
    events.filter((e) => e.ts < end),
    p.start,
  );
}

/**
 * Sorts events by ts, stably (ties keep their order), in O(events): an LSD radix sort on the
 * integer ms since `origin`, 16 bits a pass (3 passes for a 10-week period). Falls back to a
 * comparison sort if a time is not an integer ms at or after `origin`.
 */
export function sortByTime(events: InteractionEvent[], origin: number): InteractionEvent[] {
  const n = events.length;
  let lo = new Uint32Array(n);
  let hi = new Uint32Array(n);
  let maxHi = 0;
  let maxLo = 0;
  for (let j = 0; j < n; j++) {
    const key = events[j].ts - origin;
    if (!Number.isSafeInteger(key) || key < 0) return events.sort((a, b) => a.ts - b.ts);
    lo[j] = key % 0x1_0000_0000;
    hi[j] = Math.floor(key / 0x1_0000_0000);
    maxHi = Math.max(maxHi, hi[j]);
    maxLo = Math.max(maxLo, lo[j]);
  }
  let order = new Uint32Array(n);
  for (let j = 0; j < n; j++) order[j] = j;
  let [order2, lo2, hi2] = [new Uint32Array(n), new Uint32Array(n), new Uint32Array(n)];
  const count = new Uint32Array(0x1_0001);
  // (word, shift) of each 16-bit digit, least significant first; digits that are 0 everywhere are skipped.
  const digits: [boolean, number][] = [];
  if (maxHi > 0 || maxLo > 0) digits.push([false, 0]);
  if (maxHi > 0 || maxLo > 0xffff) digits.push([false, 16]);
  if (maxHi > 0) digits.push([true, 0]);
  if (maxHi > 0xffff) digits.push([true, 16]);
  for (const [high, shift] of digits) {
    const word = high ? hi : lo;
    count.fill(0);
    for (let j = 0; j < n; j++) count[((word[j] >>> shift) & 0xffff) + 1]++;
    for (let d = 1; d < count.length; d++) count[d] += count[d - 1];
    for (let j = 0; j < n; j++) {
      const at = count[(word[j] >>> shift) & 0xffff]++;
      order2[at] = order[j];
      lo2[at] = lo[j];
      hi2[at] = hi[j];
    }
    [order, order2, lo, lo2, hi, hi2] = [order2, order, lo2, lo, hi2, hi];
  }
  const sorted: InteractionEvent[] = new Array(n);
  for (let j = 0; j < n; j++) sorted[j] = events[order[j]];
  return sorted;
}
