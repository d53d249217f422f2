/**
 * User profiles: the public, readable form of a user's live state (user-state.ts) as one model
 * sees it, for baselines, notebooks and the service's inspection. Derived per call from the
 * state and the model's item tables, read at a clock (`now`).
 */
import { ATTRIBUTE_KINDS, type AttributeKind } from './attributes.js';
import { DAY_MS } from './popularity.js';
import type { ItemRuntime, UserView } from './request.js';

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

/** Builds the public profile of a user from their view (request.ts `userView`). */
export function profileOf(rt: ItemRuntime, view: UserView, now: number): UserProfile {
  const cols = rt.d.attrs;
  const ids = rt.d.itemIds;
  const idx = Array.from(view.items.keys());
  idx.sort((a, b) => view.lastTs[b] - view.lastTs[a] || view.items[a] - view.items[b]);
  const affinity = Object.fromEntries(ATTRIBUTE_KINDS.map((k) => [k, {} as Record<string, number>])) as Record<
    AttributeKind,
    Record<string, number>
  >;
  const total = view.weightTotal;
  const add = (kind: AttributeKind, key: string, share: number) => {
    affinity[kind][key] = (affinity[kind][key] ?? 0) + share;
  };
  for (let e = 0; e < view.items.length; e++) {
    const i = view.items[e];
    const share = view.weights[e] / total;
    if (cols.brand[i] >= 0) add('brand', cols.vocab.brand[cols.brand[i]], share);
    if (cols.colour[i] >= 0) add('colour', cols.vocab.colour[cols.colour[i]], share);
    if (cols.category[i] >= 0) add('category', cols.vocab.category[cols.category[i]], share);
    if (cols.priceBand[i] >= 0) add('priceBand', String(cols.priceBand[i]), share);
  }
  const lp = view.logTypicalPrice;
  return {
    userId: view.userId,
    history: idx.map((e) => ({
      itemId: ids[view.items[e]],
      weight: view.weights[e],
      purchases: view.purchases[e],
      lastTs: view.lastTs[e],
    })),
    events: view.events,
    sessions: view.sessions,
    firstTs: view.firstEventTs,
    lastTs: view.lastEventTs,
    daysSinceLast: (now - view.lastEventTs) / DAY_MS,
    repeatPropensity: view.repeat,
    affinity,
    ...(Number.isNaN(lp) ? {} : { typicalPrice: Math.exp(lp) }),
  };
}

/** Days between two times, for recency features. */
export function daysBetween(later: number, earlier: number): number {
  return (later - earlier) / DAY_MS;
}
