/**
 * User profiles from the training window: per item the strength-weighted count, the number of
 * purchase occasions and the last interaction time (stored, compact), and what is derived from
 * them on load: recency, repeat-purchase propensity, attribute affinities and typical price level.
 */
import { ATTRIBUTE_KINDS, type AttributeColumns, type AttributeKind } from './attributes.js';
import { DAY_MS } from './popularity.js';
import type { TrainingWindow } from './window.js';

/** Histories of every user in CSR form: user u's entries are [offsets[u], offsets[u+1]), by item index. */
export interface HistoryTable {
  /** Events used per user. */
  events: Int32Array;
  /** Distinct baskets (sessions) per user. */
  sessions: Int32Array;
  /** First event time per user. */
  firstTs: Float64Array;
  offsets: Int32Array;
  items: Int32Array;
  /** Sum of EVENT_STRENGTH x weight of the user's events on the item. */
  weights: Float32Array;
  /** Distinct baskets in which the user bought the item. */
  purchases: Int32Array;
  /** Last interaction with the item. */
  lastTs: Float64Array;
}

/** Per-user quantities derived from the history table (not stored; recomputed identically on load). */
export interface UserStats {
  weightTotal: Float64Array;
  lastTs: Float64Array;
  /** (purchase occasions - distinct items bought) / purchase occasions; 0 without purchases. */
  repeat: Float32Array;
  /** Weighted mean of log(catalogue price) over the history; NaN when no history item has a price. */
  logTypicalPrice: Float64Array;
}

/** One item of a user's history. */
export interface HistoryEntry {
  itemId: string;
  /** Strength-weighted interaction count (EVENT_STRENGTH x event weight). */
  weight: number;
  /** Distinct baskets (occasions) in which the user bought it. */
  purchases: number;
  /** Last interaction, epoch ms. */
  lastTs: number;
}

/** A user as the features see them, built from events before the store's cutoff. */
export interface UserProfile {
  userId: string;
  /** Items the user interacted with, most recent first (ties: vocabulary order). */
  history: HistoryEntry[];
  /** Events used. */
  events: number;
  /** Distinct baskets / sessions. */
  sessions: number;
  firstTs: number;
  lastTs: number;
  /** (cutoff - lastTs) in days. */
  daysSinceLast: number;
  /** Share of purchase occasions that re-bought an item bought before, in [0, 1). */
  repeatPropensity: number;
  /** Share of the user's weighted history per attribute value (price bands keyed "0", "1", ...). */
  affinity: Record<AttributeKind, Record<string, number>>;
  /** Weighted geometric mean of the catalogue prices of the history; absent when unknown. */
  typicalPrice?: number;
}

/** Builds the history table from the window (one pass; the window is sorted by user then time). */
export function computeHistories(w: TrainingWindow): HistoryTable {
  const nUsers = w.userIds.length;
  const events = new Int32Array(nUsers);
  const sessions = new Int32Array(nUsers);
  const firstTs = new Float64Array(nUsers);
  const offsets = new Int32Array(nUsers + 1);
  const items: number[] = [];
  const weights: number[] = [];
  const purchases: number[] = [];
  const lastTs: number[] = [];
  let k = 0;
  for (let u = 0; u < nUsers; u++) {
    const start = k;
    const per = new Map<number, { weight: number; bought: Set<number>; lastTs: number }>();
    const baskets = new Set<number>();
    while (k < w.user.length && w.user[k] === u) {
      const i = w.item[k];
      let e = per.get(i);
      if (!e) {
        e = { weight: 0, bought: new Set(), lastTs: w.ts[k] };
        per.set(i, e);
      }
      e.weight += w.weight[k];
      if (w.purchase[k]) e.bought.add(w.basket[k]);
      e.lastTs = Math.max(e.lastTs, w.ts[k]);
      baskets.add(w.basket[k]);
      k++;
    }
    events[u] = k - start;
    sessions[u] = baskets.size;
    firstTs[u] = w.ts[start];
    for (const i of [...per.keys()].sort((a, b) => a - b)) {
      const e = per.get(i)!;
      items.push(i);
      weights.push(e.weight);
      purchases.push(e.bought.size);
      lastTs.push(e.lastTs);
    }
    offsets[u + 1] = items.length;
  }
  return {
    events,
    sessions,
    firstTs,
    offsets,
    items: Int32Array.from(items),
    weights: Float32Array.from(weights),
    purchases: Int32Array.from(purchases),
    lastTs: Float64Array.from(lastTs),
  };
}

/** Derives per-user recency, repeat propensity and typical price from the history table. */
export function userStats(h: HistoryTable, price: Float64Array): UserStats {
  const n = h.events.length;
  const s: UserStats = {
    weightTotal: new Float64Array(n),
    lastTs: new Float64Array(n),
    repeat: new Float32Array(n),
    logTypicalPrice: new Float64Array(n),
  };
  for (let u = 0; u < n; u++) {
    let total = 0;
    let last = Number.NEGATIVE_INFINITY;
    let occasions = 0;
    let bought = 0;
    let pw = 0;
    let plog = 0;
    for (let e = h.offsets[u]; e < h.offsets[u + 1]; e++) {
      const w = h.weights[e];
      total += w;
      if (h.lastTs[e] > last) last = h.lastTs[e];
      occasions += h.purchases[e];
      if (h.purchases[e] > 0) bought++;
      const p = price[h.items[e]];
      if (p > 0) {
        pw += w;
        plog += w * Math.log(p);
      }
    }
    s.weightTotal[u] = total;
    s.lastTs[u] = last;
    s.repeat[u] = occasions > 0 ? (occasions - bought) / occasions : 0;
    s.logTypicalPrice[u] = pw > 0 ? plog / pw : Number.NaN;
  }
  return s;
}

/** Dense per-kind affinity scratch arrays (indexed by attribute value), reused across requests. */
export interface AffinityScratch {
  brand: Float64Array;
  colour: Float64Array;
  category: Float64Array;
  priceBand: Float64Array;
}

/** Allocates affinity scratch arrays for the given attribute vocabularies. */
export function affinityScratch(cols: AttributeColumns): AffinityScratch {
  return {
    brand: new Float64Array(cols.vocab.brand.length),
    colour: new Float64Array(cols.vocab.colour.length),
    category: new Float64Array(cols.vocab.category.length),
    priceBand: new Float64Array(cols.priceEdges.length + 1),
  };
}

/** Writes user u's share of weighted history per attribute value into the (zeroed) scratch arrays. */
export function fillAffinity(h: HistoryTable, stats: UserStats, cols: AttributeColumns, u: number, out: AffinityScratch): void {
  const total = stats.weightTotal[u];
  for (let e = h.offsets[u]; e < h.offsets[u + 1]; e++) {
    const i = h.items[e];
    const share = h.weights[e] / total;
    if (cols.brand[i] >= 0) out.brand[cols.brand[i]] += share;
    if (cols.colour[i] >= 0) out.colour[cols.colour[i]] += share;
    if (cols.category[i] >= 0) out.category[cols.category[i]] += share;
    if (cols.priceBand[i] >= 0) out.priceBand[cols.priceBand[i]] += share;
  }
}

/** Zeroes the scratch cells user u touched (cheaper than clearing whole vocabularies per request). */
export function clearAffinity(h: HistoryTable, cols: AttributeColumns, u: number, out: AffinityScratch): void {
  for (let e = h.offsets[u]; e < h.offsets[u + 1]; e++) {
    const i = h.items[e];
    if (cols.brand[i] >= 0) out.brand[cols.brand[i]] = 0;
    if (cols.colour[i] >= 0) out.colour[cols.colour[i]] = 0;
    if (cols.category[i] >= 0) out.category[cols.category[i]] = 0;
    if (cols.priceBand[i] >= 0) out.priceBand[cols.priceBand[i]] = 0;
  }
}

/** Builds the public profile object of user u. */
export function profileOf(
  h: HistoryTable,
  stats: UserStats,
  cols: AttributeColumns,
  ids: { users: readonly string[]; items: readonly string[] },
  cutoff: number,
  u: number,
): UserProfile {
  const idx: number[] = [];
  for (let e = h.offsets[u]; e < h.offsets[u + 1]; e++) idx.push(e);
  idx.sort((a, b) => h.lastTs[b] - h.lastTs[a] || h.items[a] - h.items[b]);
  const affinity = Object.fromEntries(ATTRIBUTE_KINDS.map((k) => [k, {} as Record<string, number>])) as Record<
    AttributeKind,
    Record<string, number>
  >;
  const total = stats.weightTotal[u];
  const add = (kind: AttributeKind, key: string, share: number) => {
    affinity[kind][key] = (affinity[kind][key] ?? 0) + share;
  };
  for (let e = h.offsets[u]; e < h.offsets[u + 1]; e++) {
    const i = h.items[e];
    const share = h.weights[e] / total;
    if (cols.brand[i] >= 0) add('brand', cols.vocab.brand[cols.brand[i]], share);
    if (cols.colour[i] >= 0) add('colour', cols.vocab.colour[cols.colour[i]], share);
    if (cols.category[i] >= 0) add('category', cols.vocab.category[cols.category[i]], share);
    if (cols.priceBand[i] >= 0) add('priceBand', String(cols.priceBand[i]), share);
  }
  const lp = stats.logTypicalPrice[u];
  return {
    userId: ids.users[u],
    history: idx.map((e) => ({ itemId: ids.items[h.items[e]], weight: h.weights[e], purchases: h.purchases[e], lastTs: h.lastTs[e] })),
    events: h.events[u],
    sessions: h.sessions[u],
    firstTs: h.firstTs[u],
    lastTs: stats.lastTs[u],
    daysSinceLast: (cutoff - stats.lastTs[u]) / DAY_MS,
    repeatPropensity: stats.repeat[u],
    affinity,
    ...(Number.isNaN(lp) ? {} : { typicalPrice: Math.exp(lp) }),
  };
}

/** Days between two times, for recency features. */
export function daysBetween(later: number, earlier: number): number {
  return (later - earlier) / DAY_MS;
}
