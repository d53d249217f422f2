/**
 * The in-memory side of a store: lookup maps, derived per-user stats, popularity order, and dense
 * scratch arrays that per-request work accumulates into. Requests are synchronous and JavaScript
 * is single-threaded, so one set of scratch arrays per store is safe; each request touches only
 * the cells it needs and resets exactly those (no per-request allocation proportional to the
 * catalogue, no history x candidates lookups).
 */

import { DAY_MS, decay } from './popularity.js';
import { type AffinityScratch, affinityScratch, clearAffinity, fillAffinity, type UserStats, userStats } from './profiles.js';
import type { StoreData } from './tables.js';

/** Scratch arrays indexed by item (or attribute value). Zero between requests. */
export interface Scratch {
  /** Sum over the user's history of co-occurrence with each item. */
  coSum: Float64Array;
  coMax: Float64Array;
  /** Same, each history item weighted by its recency decay. */
  coRecent: Float64Array;
  /** Co-occurrence with the context item. */
  ctx: Float64Array;
  /** Items whose co-occurrence cells are non-zero (coTouched[0 .. nCo)). */
  coTouched: Int32Array;
  nCo: number;
  /** 1 while an item is in coTouched. */
  coMark: Uint8Array;
  /** The user's own weight, purchases and recency per item. */
  uWeight: Float64Array;
  uBought: Uint8Array;
  uRecency: Float64Array;
  /** Distinct baskets in which the user bought each item. */
  uPurchases: Float64Array;
  /** Days between the user's last interaction with each item and the cutoff. */
  uDays: Float64Array;
  aff: AffinityScratch;
  /** 1 for items already taken (candidate generation). */
  seen: Uint8Array;
}

/** A store's data plus everything derived from it on load. */
export interface Runtime {
  d: StoreData;
  itemIndex: Map<string, number>;
  userIndex: Map<string, number>;
  stats: UserStats;
  /** Items by recent popularity desc, then all-time count desc, then vocabulary order. */
  popOrder: Int32Array;
  /** Position of each item in popOrder (0 = most popular). */
  popRank: Int32Array;
  /** History entry indices, each user's slice ordered by weight desc, last time desc, item. */
  histOrder: Int32Array;
  /** Per-item features that do not depend on the user. */
  logPop: Float32Array;
  logRecent: Float32Array;
  logAge: Float32Array;
  s: Scratch;
}

/** Builds the runtime of store data (deterministic: the same data gives the same runtime). */
export function createRuntime(d: StoreData): Runtime {
  const n = d.itemIds.length;
  const { count, recent, firstTs } = d.pop;
  const popOrder = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => recent[b] - recent[a] || count[b] - count[a] || a - b);
  const popRank = new Int32Array(n);
  popOrder.forEach((item, rank) => {
    popRank[item] = rank;
  });
  const h = d.hist;
  const histOrder = Int32Array.from({ length: h.items.length }, (_, e) => e);
  for (let u = 0; u < d.userIds.length; u++) {
    histOrder
      .subarray(h.offsets[u], h.offsets[u + 1])
      .sort((a, b) => h.weights[b] - h.weights[a] || h.lastTs[b] - h.lastTs[a] || h.items[a] - h.items[b]);
  }
  return {
    d,
    itemIndex: new Map(d.itemIds.map((id, i) => [id, i])),
    userIndex: new Map(d.userIds.map((id, i) => [id, i])),
    stats: userStats(h, d.attrs.price),
    popOrder,
    popRank,
    histOrder,
    logPop: Float32Array.from(count, (c) => Math.log1p(c)),
    logRecent: Float32Array.from(recent, (c) => Math.log1p(c)),
    logAge: Float32Array.from(firstTs, (t) => (Number.isNaN(t) ? 0 : Math.log1p(Math.max(0, d.cutoff - t) / DAY_MS))),
    s: {
      coSum: new Float64Array(n),
      coMax: new Float64Array(n),
      coRecent: new Float64Array(n),
      ctx: new Float64Array(n),
      coTouched: new Int32Array(n),
      nCo: 0,
      coMark: new Uint8Array(n),
      uWeight: new Float64Array(n),
      uBought: new Uint8Array(n),
      uRecency: new Float64Array(n),
      uPurchases: new Float64Array(n),
      uDays: new Float64Array(n),
      aff: affinityScratch(d.attrs),
      seen: new Uint8Array(n),
    },
  };
}

/**
 * Accumulates one request's per-item state into the scratch arrays: co-occurrence over the user's
 * history (each history item's neighbour list read once), the user's own items and attribute
 * shares, and the context item's neighbours. `u` / `ctx` of -1 mean unknown / none.
 * Always pair with `release(rt, u, ctx)` (in a finally block).
 */
export function accumulate(rt: Runtime, u: number, ctx: number): void {
  const { d, s } = rt;
  const { offsets, items, scores } = d.nbrs;
  const h = d.hist;
  if (u >= 0) {
    const half = d.params.recencyHalfLifeDays;
    for (let e = h.offsets[u]; e < h.offsets[u + 1]; e++) {
      const hi = h.items[e];
      const rec = decay(d.cutoff - h.lastTs[e], half);
      s.uWeight[hi] = h.weights[e];
      s.uBought[hi] = h.purchases[e] > 0 ? 1 : 0;
      s.uRecency[hi] = rec;
      s.uPurchases[hi] = h.purchases[e];
      s.uDays[hi] = (d.cutoff - h.lastTs[e]) / DAY_MS;
      for (let k = offsets[hi]; k < offsets[hi + 1]; k++) {
        const j = items[k];
        const sc = scores[k];
        if (!s.coMark[j]) {
          s.coMark[j] = 1;
          s.coTouched[s.nCo++] = j;
        }
        s.coSum[j] += sc;
        if (sc > s.coMax[j]) s.coMax[j] = sc;
        s.coRecent[j] += sc * rec;
      }
    }
    fillAffinity(h, rt.stats, d.attrs, u, s.aff);
  }
  if (ctx >= 0) for (let k = offsets[ctx]; k < offsets[ctx + 1]; k++) s.ctx[items[k]] = scores[k];
}

/** Resets exactly the scratch cells `accumulate(rt, u, ctx)` set. */
export function release(rt: Runtime, u: number, ctx: number): void {
  const { d, s } = rt;
  for (let t = 0; t < s.nCo; t++) {
    const j = s.coTouched[t];
    s.coSum[j] = 0;
    s.coMax[j] = 0;
    s.coRecent[j] = 0;
    s.coMark[j] = 0;
  }
  s.nCo = 0;
  const h = d.hist;
  if (u >= 0) {
    for (let e = h.offsets[u]; e < h.offsets[u + 1]; e++) {
      const hi = h.items[e];
      s.uWeight[hi] = 0;
      s.uBought[hi] = 0;
      s.uRecency[hi] = 0;
      s.uPurchases[hi] = 0;
      s.uDays[hi] = 0;
    }
    clearAffinity(h, d.attrs, u, s.aff);
  }
  if (ctx >= 0) for (let k = d.nbrs.offsets[ctx]; k < d.nbrs.offsets[ctx + 1]; k++) s.ctx[d.nbrs.items[k]] = 0;
}
