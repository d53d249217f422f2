/** Summary figures of a loaded dataset, for `workbench data stats` and notebooks. */
import { type Dataset, EVENT_TYPES, type EventType } from './schema.js';
import { type SessionProfile, sessionProfile } from './sessions.js';

/** The session gap figures use by default (the feature window's). */
const DEFAULT_GAP_MINUTES = 30;

/** Figures describing a dataset's events and catalogue. */
export interface DatasetStats {
  source: string;
  events: number;
  users: number;
  /** Catalogue size. */
  items: number;
  /** Distinct items that occur in events. */
  itemsWithEvents: number;
  /** Distinct session ids. */
  sessions: number;
  /** The baskets the session rule makes (what co-occurrence learns from). */
  baskets: SessionProfile;
  eventsByType: Partial<Record<EventType, number>>;
  /** First and last event time (ISO, UTC); null without events. */
  firstEvent: string | null;
  lastEvent: string | null;
  days: number;
}

/** Computes the summary figures of a dataset (one pass over the events, and one to profile baskets). */
export function datasetStats(ds: Dataset, sessionGapMinutes = DEFAULT_GAP_MINUTES): DatasetStats {
  const users = new Set<string>();
  const items = new Set<string>();
  const sessions = new Set<string>();
  const byType: Partial<Record<EventType, number>> = {};
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const e of ds.events) {
    users.add(e.userId);
    items.add(e.itemId);
    if (e.sessionId !== undefined) sessions.add(e.sessionId);
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    if (e.ts < first) first = e.ts;
    if (e.ts > last) last = e.ts;
  }
  const eventsByType: Partial<Record<EventType, number>> = {};
  for (const t of EVENT_TYPES) if (byType[t]) eventsByType[t] = byType[t];
  const has = ds.events.length > 0;
  return {
    source: ds.source,
    events: ds.events.length,
    users: users.size,
    items: ds.items.length,
    itemsWithEvents: items.size,
    sessions: sessions.size,
    baskets: sessionProfile(ds.events, sessionGapMinutes),
    eventsByType,
    firstEvent: has ? new Date(first).toISOString() : null,
    lastEvent: has ? new Date(last).toISOString() : null,
    days: has ? Math.round(((last - first) / 86_400_000) * 10) / 10 : 0,
  };
}
