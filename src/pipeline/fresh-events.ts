/**
 * The service's feedback as pipeline input: the events it logged in a time range, split into
 * training events (clicks, carts, purchases: real interactions with a user-item pair) and
 * impressions (shown, not chosen: never positives, kept to measure position bias), the CTR by
 * position, and the alignment of a static base dataset with live events.
 */

import { type EventLogReport, scanEventLog } from '../data/eventlog.js';
import type { EventType, InteractionEvent } from '../data/schema.js';
import { DAY_MS } from '../features/popularity.js';

/** Click-through rate at one 0-based position of a response. */
export interface PositionCtr {
  position: number;
  impressions: number;
  /** Clicks on an impression shown at this position (joined on requestId + itemId). */
  clicks: number;
  /** clicks / impressions (0 without impressions). */
  ctr: number;
}

/** What the log held in the range. */
export interface FreshEvents {
  /** Events that join the training data (every logged type but impressions), sorted by ts. */
  training: InteractionEvent[];
  /** Impressions (position-bias measurement only). */
  impressions: number;
  byType: Partial<Record<EventType, number>>;
  total: number;
  /** CTR by position (positions with at least one impression), ascending. */
  positionCtr: PositionCtr[];
  /** Clicks that name no impression in the range (no requestId, or one we did not see). */
  unmatchedClicks: number;
  log: EventLogReport;
}

/**
 * CTR by position: each click is credited to the position its impression (same requestId and
 * itemId) was shown at. A click without a matching impression is counted in `unmatched`, never
 * guessed from the click's own position field.
 */
export function ctrByPosition(events: readonly InteractionEvent[]): { rows: PositionCtr[]; unmatched: number } {
  const shownAt = new Map<string, number>();
  const impressions = new Map<number, number>();
  for (const e of events) {
    if (e.type !== 'impression' || e.position === undefined || e.requestId === undefined) continue;
    shownAt.set(`${e.requestId}\u0000${e.itemId}`, e.position);
    impressions.set(e.position, (impressions.get(e.position) ?? 0) + 1);
  }
  const clicks = new Map<number, number>();
  let unmatched = 0;
  for (const e of events) {
    if (e.type !== 'click') continue;
    const p = e.requestId === undefined ? undefined : shownAt.get(`${e.requestId}\u0000${e.itemId}`);
    if (p === undefined) unmatched++;
    else clicks.set(p, (clicks.get(p) ?? 0) + 1);
  }
  const rows = [...impressions.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([position, n]) => {
      const c = clicks.get(position) ?? 0;
      return { position, impressions: n, clicks: c, ctr: n > 0 ? c / n : 0 };
    });
  return { rows, unmatched };
}

/**
 * Reads the event log in `dir` for `since <= ts < until` (since null = from the beginning). Malformed
 * and invalid lines are counted in `log`, not hidden.
 */
export async function readFreshEvents(dir: string, range: { since: number | null; until: number }): Promise<FreshEvents> {
  const { events, report } = await scanEventLog(dir, { since: range.since ?? undefined, until: range.until });
  const byType: Partial<Record<EventType, number>> = {};
  for (const e of events) byType[e.type] = (byType[e.type] ?? 0) + 1;
  const { rows, unmatched } = ctrByPosition(events);
  return {
    training: events.filter((e) => e.type !== 'impression'),
    impressions: byType.impression ?? 0,
    byType,
    total: events.length,
    positionCtr: rows,
    unmatchedClicks: unmatched,
    log: report,
  };
}

/**
 * Whole days to move a static base dataset forward so that it ends the day before the first live
 * event. A snapshot (the synthetic store, a 2011 export) otherwise leaves a gap of months before
 * the live events, and every training window would fall into it. Shifting by whole days keeps
 * windows on UTC midnights and every feature (all relative to a cutoff) unchanged. 0 when the
 * live events continue the base (or there are none).
 */
export function alignmentShiftDays(base: readonly InteractionEvent[], live: readonly InteractionEvent[]): number {
  if (base.length === 0 || live.length === 0) return 0;
  let baseLast = Number.NEGATIVE_INFINITY;
  for (const e of base) if (e.ts > baseLast) baseLast = e.ts;
  let liveFirst = Number.POSITIVE_INFINITY;
  for (const e of live) if (e.ts < liveFirst) liveFirst = e.ts;
  const days = Math.floor(liveFirst / DAY_MS) - Math.floor(baseLast / DAY_MS) - 1;
  return Math.max(0, days);
}

/** Base events moved `days` forward, merged with the live ones, sorted by ts (stable). */
export function mergeEvents(base: readonly InteractionEvent[], live: readonly InteractionEvent[], days: number): InteractionEvent[] {
  const shift = days * DAY_MS;
  const moved = shift === 0 ? [...base] : base.map((e) => ({ ...e, ts: e.ts + shift }));
  return [...moved, ...live].sort((a, b) => a.ts - b.ts);
}
