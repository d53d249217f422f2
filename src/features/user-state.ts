/**
 * Per-user state and the ONE function that updates it from an event. Offline, training replays the
 * log up to a cutoff through `applyEvent` (point-in-time state, nothing after the cutoff is read);
 * online, the service applies every accepted event through the same function. That is what keeps
 * training and serving features identical by construction.
 *
 * The built-in state is the user's history: per item the strength-weighted count, the number of
 * distinct baskets with a purchase and the last interaction time, plus the user's totals and a
 * sessioniser (baskets from `sessionId`, else a gap rule). Features may add their own user state
 * (`UserStateDefinition`); it is updated right after the history, with the history's view of the
 * event (strength, basket) so custom state never re-implements sessions.
 */
import { EVENT_STRENGTH, eventStrength, type InteractionEvent } from '../data/schema.js';

export { eventStrength } from '../data/schema.js';

/** SessionIds remembered per user (interleaved sessions beyond this many open new baskets). */
export const RECENT_SESSIONS = 8;

/** One item of a user's history. */
export interface HistoryItemState {
  /** Sum of EVENT_STRENGTH x weight of the user's events on the item. */
  weight: number;
  /** Distinct baskets in which the user bought the item. */
  purchases: number;
  /** Last interaction with the item, epoch ms. */
  lastTs: number;
  /** Basket of the last counted purchase (-1: none), so a basket counts once. */
  lastPurchaseBasket: number;
}

/** The built-in user state: what every built-in user and user x item feature reads. */
export interface UserHistory {
  /** Events with positive strength applied. */
  events: number;
  /** Baskets (sessions) opened. */
  sessions: number;
  /** First and last event time of the history (epoch ms). */
  firstTs: number;
  lastTs: number;
  /**
   * Sessioniser: the last few sessionIds with their baskets (most recent last, at most
   * RECENT_SESSIONS, so sessions that interleave in time still share a basket), and the current
   * gap basket for events without sessionId.
   */
  recentSessions: [sessionId: string, basket: number][];
  gapBasket: number;
  gapLastTs: number;
  /** Per item, in first-interaction order. */
  items: Map<string, HistoryItemState>;
}

/** How the history saw an event: what custom state updates receive besides the event. */
export interface EventStep {
  /** EVENT_STRENGTH[type] x (weight ?? 1); 0 for impressions (which leave the history unchanged). */
  strength: number;
  /** The basket the event fell into (-1 when strength is 0). */
  basket: number;
  /** True when this event opened its basket. */
  newBasket: boolean;
}

/**
 * A piece of per-user state a feature keeps, updated by every event of the user (impressions too),
 * in time order, offline and online alike.
 * @typeParam S - the state; JSON-serialisable unless `toJSON`/`fromJSON` are given.
 */
export interface UserStateDefinition<S = unknown> {
  /** Unique key (the state's name in snapshots and stores). */
  readonly key: string;
  /** Bump when the meaning or shape changes: snapshots of another version are not reused. */
  readonly version: number;
  readonly doc: string;
  /** The state of a user before any event. */
  init(): S;
  /** Returns the state after `event` (may mutate and return `state`). */
  update(state: S, event: Readonly<InteractionEvent>, step: Readonly<EventStep>): S;
  /** Snapshot form (default: the state itself, which must then be plain JSON). */
  toJSON?(state: S): unknown;
  /** Inverse of toJSON. */
  fromJSON?(value: unknown): S;
}

/** Everything kept per user: the history plus each custom state by key. */
export interface UserState {
  history: UserHistory;
  custom: Record<string, unknown>;
}

/** A user before any event. */
export function emptyUserState(defs: readonly UserStateDefinition[]): UserState {
  const custom: Record<string, unknown> = {};
  for (const d of defs) custom[d.key] = d.init();
  return {
    history: {
      events: 0,
      sessions: 0,
      firstTs: Number.POSITIVE_INFINITY,
      lastTs: Number.NEGATIVE_INFINITY,
      recentSessions: [],
      gapBasket: -1,
      gapLastTs: Number.NEGATIVE_INFINITY,
      items: new Map(),
    },
    custom,
  };
}

/** Why an event cannot be applied, or undefined when it can (the loader and schema checks, repeated for library callers). */
export function invalidEventReason(e: Readonly<InteractionEvent>): string | undefined {
  if (typeof e.userId !== 'string' || e.userId === '') return `userId ${JSON.stringify(e.userId)}`;
  if (typeof e.itemId !== 'string' || e.itemId === '') return `itemId ${JSON.stringify(e.itemId)}`;
  if (typeof e.ts !== 'number' || !Number.isFinite(e.ts)) return `ts ${String(e.ts)}`;
  if (!Object.hasOwn(EVENT_STRENGTH, e.type)) return `type ${JSON.stringify(e.type)}`;
  if (e.weight !== undefined && !Number.isFinite(e.weight)) return `weight ${String(e.weight)}`;
  return undefined;
}

/** Applies one event to the history; returns how it was seen. */
function applyToHistory(h: UserHistory, e: Readonly<InteractionEvent>, gapMs: number): EventStep {
  const strength = eventStrength(e);
  if (strength === 0) return { strength: 0, basket: -1, newBasket: false };
  let basket: number;
  let newBasket = false;
  if (e.sessionId !== undefined && e.sessionId !== '') {
    const recent = h.recentSessions;
    let k = recent.length - 1;
    while (k >= 0 && recent[k][0] !== e.sessionId) k--;
    if (k < 0) {
      basket = h.sessions++;
      newBasket = true;
      recent.push([e.sessionId, basket]);
      if (recent.length > RECENT_SESSIONS) recent.shift();
    } else {
      basket = recent[k][1];
      if (k !== recent.length - 1) recent.push(...recent.splice(k, 1));
    }
  } else {
    if (h.gapBasket < 0 || e.ts - h.gapLastTs > gapMs) {
      h.gapBasket = h.sessions++;
      newBasket = true;
    }
    h.gapLastTs = e.ts;
    basket = h.gapBasket;
  }
  h.events++;
  if (e.ts < h.firstTs) h.firstTs = e.ts;
  if (e.ts > h.lastTs) h.lastTs = e.ts;
  let it = h.items.get(e.itemId);
  if (!it) {
    it = { weight: 0, purchases: 0, lastTs: e.ts, lastPurchaseBasket: -1 };
    h.items.set(e.itemId, it);
  }
  it.weight += strength;
  if (e.ts > it.lastTs) it.lastTs = e.ts;
  if (e.type === 'purchase' && it.lastPurchaseBasket !== basket) {
    it.purchases++;
    it.lastPurchaseBasket = basket;
  }
  return { strength, basket, newBasket };
}

/**
 * Applies one (valid) event of the user to their state: the history first, then every custom state.
 * @param gapMs - the session gap for events without a sessionId.
 */
export function applyEvent(state: UserState, e: Readonly<InteractionEvent>, defs: readonly UserStateDefinition[], gapMs: number): void {
  const step = applyToHistory(state.history, e, gapMs);
  for (const d of defs) state.custom[d.key] = d.update(state.custom[d.key] ?? d.init(), e, step);
}
