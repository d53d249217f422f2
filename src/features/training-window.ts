/**
 * The training window: the events every feature is computed from (ts < cutoff, positive strength),
 * indexed by user and item, sorted by (user, time), and grouped into baskets. Whatever lies at or
 * after the cutoff is counted and never read again, which is what makes the features leak-free.
 */
import { EVENT_STRENGTH, type EventType, type InteractionEvent, type Item } from '../data/schema.js';
import { invalidEventReason } from './user-state.js';

/** Gap that closes a session when events carry no sessionId (the usual web-analytics default). */
export const DEFAULT_SESSION_GAP_MINUTES = 30;

/** Why events were not used, counted (never dropped silently). */
export interface WindowReport {
  cutoff: number;
  eventsRead: number;
  eventsUsed: number;
  /** at_or_after_cutoff, zero_strength (impressions, zero weights), invalid (bad id, ts, type or weight). */
  ignored: Record<'at_or_after_cutoff' | 'zero_strength' | 'invalid', number>;
  /** A few examples of invalid events: index in the input and what was wrong. */
  examples: { index: number; detail: string }[];
  /** Catalogue rows whose itemId repeats an earlier row (the first one is kept). */
  duplicateCatalogueItems: number;
  /** Items seen in training events but missing from the catalogue (added to the vocabulary). */
  itemsNotInCatalogue: number;
  users: number;
  baskets: number;
}

/** Events of the training window as parallel arrays, sorted by (user, ts, input order). */
export interface TrainingWindow {
  cutoff: number;
  /** Catalogue items (input order, first occurrence), then items only seen in events (sorted). */
  itemIds: string[];
  itemIndex: Map<string, number>;
  /** Catalogue record of each vocabulary item (undefined for items not in the catalogue). */
  catalogue: (Item | undefined)[];
  /** Users with at least one used event, sorted. */
  userIds: string[];
  user: Int32Array;
  item: Int32Array;
  ts: Float64Array;
  /** EVENT_STRENGTH[type] x (event.weight ?? 1), > 0. */
  weight: Float32Array;
  /** 1 for purchases. */
  purchase: Uint8Array;
  /** Basket (session) id: the event's sessionId within its user, else a 30-minute-gap session. */
  basket: Int32Array;
  report: WindowReport;
}

const MAX_EXAMPLES = 5;

/** The catalogue's vocabulary: first occurrence of each itemId, in input order. */
function catalogueVocabulary(items: readonly Item[], report: WindowReport) {
  const itemIds: string[] = [];
  const itemIndex = new Map<string, number>();
  const catalogue: (Item | undefined)[] = [];
  for (const it of items) {
    if (itemIndex.has(it.itemId)) {
      report.duplicateCatalogueItems++;
      continue;
    }
    itemIndex.set(it.itemId, itemIds.length);
    itemIds.push(it.itemId);
    catalogue.push(it);
  }
  return { itemIds, itemIndex, catalogue };
}

/** Indices of the events the window uses (valid, before the cutoff, positive strength); the rest counted. */
function selectEvents(events: readonly InteractionEvent[], cutoff: number, itemIndex: ReadonlyMap<string, number>, report: WindowReport) {
  const used: number[] = [];
  const extraItems = new Set<string>();
  const users = new Set<string>();
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    const bad = invalidEventReason(e);
    if (bad) {
      report.ignored.invalid++;
      if (report.examples.length < MAX_EXAMPLES) report.examples.push({ index: i, detail: `invalid ${bad}` });
      continue;
    }
    if (e.ts >= cutoff) {
      report.ignored.at_or_after_cutoff++;
      continue;
    }
    if (!(EVENT_STRENGTH[e.type as EventType] * (e.weight ?? 1) > 0)) {
      report.ignored.zero_strength++;
      continue;
    }
    used.push(i);
    users.add(e.userId);
    if (!itemIndex.has(e.itemId)) extraItems.add(e.itemId);
  }
  return { used, users, extraItems };
}

/**
 * Fills the window's columns from the used events in (user, ts) order and assigns baskets: the
 * event's sessionId within its user, else a new basket after a gap longer than `gapMs`.
 * @returns the number of baskets.
 */
function fillColumns(
  w: TrainingWindow,
  events: readonly InteractionEvent[],
  used: readonly number[],
  order: Int32Array,
  uOf: Int32Array,
  gapMs: number,
): number {
  let baskets = 0;
  let prevUser = -1;
  let sessions = new Map<string, number>();
  let gapBasket = -1;
  let gapLastTs = Number.NEGATIVE_INFINITY;
  for (let k = 0; k < order.length; k++) {
    const e = events[used[order[k]]];
    const u = uOf[order[k]];
    if (u !== prevUser) {
      prevUser = u;
      sessions = new Map();
      gapBasket = -1;
      gapLastTs = Number.NEGATIVE_INFINITY;
    }
    let b: number;
    if (e.sessionId !== undefined && e.sessionId !== '') {
      b = sessions.get(e.sessionId) ?? -1;
      if (b < 0) {
        b = baskets++;
        sessions.set(e.sessionId, b);
      }
    } else {
      if (gapBasket < 0 || e.ts - gapLastTs > gapMs) gapBasket = baskets++;
      gapLastTs = e.ts;
      b = gapBasket;
    }
    w.user[k] = u;
    w.item[k] = w.itemIndex.get(e.itemId)!;
    w.ts[k] = e.ts;
    w.weight[k] = EVENT_STRENGTH[e.type] * (e.weight ?? 1);
    w.purchase[k] = e.type === 'purchase' ? 1 : 0;
    w.basket[k] = b;
  }
  return baskets;
}

/**
 * Selects, indexes, sorts and sessionises the training events.
 * @param events - any order; events at or after `cutoff` are counted and ignored.
 * @param items - the catalogue; its order fixes the item vocabulary.
 */
export function trainingWindow(
  events: readonly InteractionEvent[],
  items: readonly Item[],
  opts: { cutoff: number; sessionGapMinutes?: number },
): TrainingWindow {
  const { cutoff } = opts;
  const gapMs = (opts.sessionGapMinutes ?? DEFAULT_SESSION_GAP_MINUTES) * 60_000;
  const report: WindowReport = {
    cutoff,
    eventsRead: events.length,
    eventsUsed: 0,
    ignored: { at_or_after_cutoff: 0, zero_strength: 0, invalid: 0 },
    examples: [],
    duplicateCatalogueItems: 0,
    itemsNotInCatalogue: 0,
    users: 0,
    baskets: 0,
  };
  const { itemIds, itemIndex, catalogue } = catalogueVocabulary(items, report);
  const { used, users, extraItems } = selectEvents(events, cutoff, itemIndex, report);
  for (const id of [...extraItems].sort()) {
    itemIndex.set(id, itemIds.length);
    itemIds.push(id);
    catalogue.push(undefined);
  }
  report.itemsNotInCatalogue = extraItems.size;

  const userIds = [...users].sort();
  const userIndex = new Map(userIds.map((u, i) => [u, i]));
  const n = used.length;
  const uOf = Int32Array.from(used, (i) => userIndex.get(events[i].userId)!);
  // Sort by (user, ts, input order): the order sessions, recency and "last" are defined in.
  const order = Int32Array.from(used.keys()).sort((a, b) => uOf[a] - uOf[b] || events[used[a]].ts - events[used[b]].ts || a - b);
  const w: TrainingWindow = {
    cutoff,
    itemIds,
    itemIndex,
    catalogue,
    userIds,
    user: new Int32Array(n),
    item: new Int32Array(n),
    ts: new Float64Array(n),
    weight: new Float32Array(n),
    purchase: new Uint8Array(n),
    basket: new Int32Array(n),
    report,
  };
  report.baskets = fillColumns(w, events, used, order, uOf, gapMs);
  report.eventsUsed = n;
  report.users = userIds.length;
  return w;
}
