/**
 * One scoring request as features see it: the model's item-side state, the user's state resolved
 * to the model's item indices, the candidates, the context item and the clock, plus dense scratch
 * arrays that the shared per-request work accumulates into (one pass over the user's history
 * neighbours; each candidate then costs a constant number of array reads). Requests are
 * synchronous and JavaScript is single-threaded, so one set of scratch arrays per item runtime is
 * safe; `closeRequest` resets exactly the cells `openRequest` set.
 */
import { type AttributeClasses, attributeClasses } from './attribute-classes.js';
import type { AttributeColumns } from './attributes.js';
import type { NeighbourTable } from './cooccurrence.js';
import { FittedItemStates } from './item-state.js';
import { DAY_MS, decay, type PopularityTable } from './popularity.js';
import type { StoreParams } from './tables.js';
import type { HistoryItemState, UserState, UserStateDefinition } from './user-state.js';

/** Item-side state: built from the training window, versioned in the model directory. */
export interface ItemTables {
  /** The window's cutoff: item state is as of this time. */
  cutoff: number;
  params: StoreParams;
  itemIds: string[];
  titles: string[];
  attrs: AttributeColumns;
  pop: PopularityTable;
  nbrs: NeighbourTable;
}

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
  /** Days between the user's last interaction with each item and now. */
  uDays: Float64Array;
  /** The user's share of weighted history per attribute value. */
  aff: { brand: Float64Array; colour: Float64Array; category: Float64Array; priceBand: Float64Array; extra: Float64Array[] };
  /** 1 for items already taken (candidate generation). */
  seen: Uint8Array;
}

/** Item tables plus what is derived from them on load. */
export interface ItemRuntime {
  d: ItemTables;
  itemIndex: Map<string, number>;
  /** Items by recent popularity desc, then all-time count desc, then vocabulary order. */
  popOrder: Int32Array;
  /** Position of each item in popOrder (0 = most popular). */
  popRank: Int32Array;
  /** Items grouped by attribute values, for the attribute-based candidate sources. */
  classes: AttributeClasses;
  logPop: Float32Array;
  logRecent: Float32Array;
  logAge: Float32Array;
  /** States learnt from the training window (item-kNN, MF factors), fitted on first use or read from the tables. */
  fitted: FittedItemStates;
  s: Scratch;
}

/** A user's state as one request reads it, resolved to the model's item indices. */
export interface UserView {
  userId: string;
  state: Readonly<UserState>;
  /** History entries whose item the model knows (item-index order): parallel arrays. */
  items: Int32Array;
  weights: Float64Array;
  purchases: Int32Array;
  lastTs: Float64Array;
  events: number;
  sessions: number;
  firstEventTs: number;
  lastEventTs: number;
  /** Sum of weights over the whole history. */
  weightTotal: number;
  /** (purchase occasions - distinct items bought) / purchase occasions; 0 without purchases. */
  repeat: number;
  /** Weighted mean of log(catalogue price) over the history; NaN when no history item has a price. */
  logTypicalPrice: number;
}

/** What a feature reads for one request (see definition.ts). */
export interface FeatureRequest {
  readonly items: ItemRuntime;
  /** Undefined for a user without state. */
  readonly user: UserView | undefined;
  /** Candidate item indices (-1: unknown to the model). */
  readonly candidates: Int32Array;
  /** Context item index (-1: none or unknown). */
  readonly context: number;
  /** The clock user features are read at (the cutoff offline; the latest event online). */
  readonly now: number;
  readonly scratch: Scratch;
  /** The user's custom state of `def` (undefined for a user without state). */
  state<S>(def: UserStateDefinition<S>): S | undefined;
}

/** Builds the runtime of item tables (deterministic); `fitted` defaults to none (and none fittable). */
export function createItemRuntime(d: ItemTables, fitted = new FittedItemStates(d.itemIds.length, undefined)): ItemRuntime {
  const n = d.itemIds.length;
  const { count, recent, firstTs } = d.pop;
  const popOrder = Int32Array.from({ length: n }, (_, i) => i).sort((a, b) => recent[b] - recent[a] || count[b] - count[a] || a - b);
  const popRank = new Int32Array(n);
  popOrder.forEach((item, rank) => {
    popRank[item] = rank;
  });
  const a = d.attrs;
  return {
    d,
    itemIndex: new Map(d.itemIds.map((id, i) => [id, i])),
    popOrder,
    popRank,
    classes: attributeClasses(d.attrs, popOrder),
    logPop: Float32Array.from(count, (c) => Math.log1p(c)),
    logRecent: Float32Array.from(recent, (c) => Math.log1p(c)),
    logAge: Float32Array.from(firstTs, (t) => (Number.isNaN(t) ? 0 : Math.log1p(Math.max(0, d.cutoff - t) / DAY_MS))),
    fitted,
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
      aff: {
        brand: new Float64Array(a.vocab.brand.length),
        colour: new Float64Array(a.vocab.colour.length),
        category: new Float64Array(a.vocab.category.length),
        priceBand: new Float64Array(a.priceEdges.length + 1),
        extra: a.extra.map((x) => new Float64Array(x.vocab.length)),
      },
      seen: new Uint8Array(n),
    },
  };
}

/** Packed history keys hold the entry's position below this (item index x ENTRY_SLOTS stays below 2^53). */
const ENTRY_SLOTS = 2 ** 26;

/**
 * Resolves a user's state against the model's items. Entries come in item-index order, so every
 * sum over the history (co-occurrence, affinities) adds in one fixed order whatever order the
 * events arrived in: offline and online give bit-identical values.
 */
export function userView(rt: ItemRuntime, userId: string, state: Readonly<UserState>): UserView {
  const h = state.history;
  // Known entries as packed keys (item index, then position in `entries`): a numeric sort of
  // the keys puts them in item order without a comparator.
  const entries: HistoryItemState[] = [];
  const keys = new Float64Array(h.items.size);
  let total = 0;
  let occasions = 0;
  let bought = 0;
  for (const [id, it] of h.items) {
    total += it.weight;
    occasions += it.purchases;
    if (it.purchases > 0) bought++;
    const i = rt.itemIndex.get(id);
    if (i !== undefined) {
      keys[entries.length] = i * ENTRY_SLOTS + entries.length;
      entries.push(it);
    }
  }
  const order = keys.subarray(0, entries.length).sort();
  const k = order.length;
  const items = new Int32Array(k);
  const weights = new Float64Array(k);
  const purchases = new Int32Array(k);
  const lastTs = new Float64Array(k);
  const price = rt.d.attrs.price;
  let pw = 0;
  let plog = 0;
  for (let e = 0; e < k; e++) {
    const i = Math.floor(order[e] / ENTRY_SLOTS);
    const it = entries[order[e] - i * ENTRY_SLOTS];
    items[e] = i;
    weights[e] = it.weight;
    purchases[e] = it.purchases;
    lastTs[e] = it.lastTs;
    const p = price[i];
    if (p > 0) {
      pw += it.weight;
      plog += it.weight * Math.log(p);
    }
  }
  return {
    userId,
    state,
    items,
    weights,
    purchases,
    lastTs,
    events: h.events,
    sessions: h.sessions,
    firstEventTs: h.firstTs,
    lastEventTs: h.lastTs,
    weightTotal: total,
    repeat: occasions > 0 ? (occasions - bought) / occasions : 0,
    logTypicalPrice: pw > 0 ? plog / pw : Number.NaN,
  };
}

class Request implements FeatureRequest {
  constructor(
    readonly items: ItemRuntime,
    readonly user: UserView | undefined,
    readonly candidates: Int32Array,
    readonly context: number,
    readonly now: number,
    readonly scratch: Scratch,
  ) {}

  state<S>(def: UserStateDefinition<S>): S | undefined {
    return this.user?.state.custom[def.key] as S | undefined;
  }
}

/**
 * Opens a request: accumulates the shared per-request state (co-occurrence over the user's history,
 * each history item's neighbour list read once; the user's own items; attribute shares; the context
 * item's neighbours) into the scratch arrays. Always pair with `closeRequest` (in a finally block).
 */
export function openRequest(rt: ItemRuntime, user: UserView | undefined, candidates: Int32Array, ctx: number, now: number): FeatureRequest {
  const { d, s } = rt;
  const { offsets, items, scores } = d.nbrs;
  if (user) {
    const half = d.params.recencyHalfLifeDays;
    const a = d.attrs;
    const total = user.weightTotal;
    for (let e = 0; e < user.items.length; e++) {
      const hi = user.items[e];
      const rec = decay(now - user.lastTs[e], half);
      s.uWeight[hi] = user.weights[e];
      s.uBought[hi] = user.purchases[e] > 0 ? 1 : 0;
      s.uRecency[hi] = rec;
      s.uPurchases[hi] = user.purchases[e];
      s.uDays[hi] = (now - user.lastTs[e]) / DAY_MS;
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
      const share = user.weights[e] / total;
      if (a.brand[hi] >= 0) s.aff.brand[a.brand[hi]] += share;
      if (a.colour[hi] >= 0) s.aff.colour[a.colour[hi]] += share;
      if (a.category[hi] >= 0) s.aff.category[a.category[hi]] += share;
      if (a.priceBand[hi] >= 0) s.aff.priceBand[a.priceBand[hi]] += share;
      for (let x = 0; x < a.extra.length; x++) {
        const v = a.extra[x].index[hi];
        if (v >= 0) s.aff.extra[x][v] += share;
      }
    }
  }
  if (ctx >= 0) for (let k = offsets[ctx]; k < offsets[ctx + 1]; k++) s.ctx[items[k]] = scores[k];
  return new Request(rt, user, candidates, ctx, now, s);
}

/**
 * The same open request over other candidates (its shared per-request state is reused as is):
 * candidate generation and the features of the generated candidates in one request.
 */
export function withCandidates(req: FeatureRequest, candidates: Int32Array): FeatureRequest {
  return new Request(req.items, req.user, candidates, req.context, req.now, req.scratch);
}

/** Resets exactly the scratch cells `openRequest` set. */
export function closeRequest(req: FeatureRequest): void {
  const { d, s } = req.items;
  for (let t = 0; t < s.nCo; t++) {
    const j = s.coTouched[t];
    s.coSum[j] = 0;
    s.coMax[j] = 0;
    s.coRecent[j] = 0;
    s.coMark[j] = 0;
  }
  s.nCo = 0;
  const user = req.user;
  if (user) {
    const a = d.attrs;
    for (let e = 0; e < user.items.length; e++) {
      const hi = user.items[e];
      s.uWeight[hi] = 0;
      s.uBought[hi] = 0;
      s.uRecency[hi] = 0;
      s.uPurchases[hi] = 0;
      s.uDays[hi] = 0;
      if (a.brand[hi] >= 0) s.aff.brand[a.brand[hi]] = 0;
      if (a.colour[hi] >= 0) s.aff.colour[a.colour[hi]] = 0;
      if (a.category[hi] >= 0) s.aff.category[a.category[hi]] = 0;
      if (a.priceBand[hi] >= 0) s.aff.priceBand[a.priceBand[hi]] = 0;
      for (let x = 0; x < a.extra.length; x++) {
        const v = a.extra[x].index[hi];
        if (v >= 0) s.aff.extra[x][v] = 0;
      }
    }
  }
  const ctx = req.context;
  if (ctx >= 0) for (let k = d.nbrs.offsets[ctx]; k < d.nbrs.offsets[ctx + 1]; k++) s.ctx[d.nbrs.items[k]] = 0;
}
