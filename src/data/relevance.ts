/**
 * What counts as relevant: evaluation and ranker labels are purchases. A log whose events are all
 * views (no type column and no `defaultType`) cannot be evaluated, and must say so in words that
 * name the fix, not fail later with "no evaluable validation users".
 */
import { DataError } from '../errors.js';
import { EVENT_TYPES, type EventType, type InteractionEvent } from './schema.js';

/** The event types that make an item relevant in training labels and evaluation. */
export const RELEVANT_TYPES: readonly EventType[] = ['purchase'];

/** Events per type, in EVENT_TYPES order (types with no event are left out). */
export function countTypes(events: readonly InteractionEvent[]): Partial<Record<EventType, number>> {
  const counts = new Map<EventType, number>();
  for (const e of events) counts.set(e.type, (counts.get(e.type) ?? 0) + 1);
  return Object.fromEntries(EVENT_TYPES.flatMap((t) => (counts.has(t) ? [[t, counts.get(t) as number]] : [])));
}

function describeTypes(events: readonly InteractionEvent[]): string {
  const counts = countTypes(events);
  return (
    Object.entries(counts)
      .map(([t, n]) => `${t} ${n}`)
      .join(', ') || 'none'
  );
}

/** The message for a log without relevant events, or undefined when it has some. */
export function relevanceWarning(events: readonly InteractionEvent[]): string | undefined {
  if (events.length === 0 || events.some((e) => RELEVANT_TYPES.includes(e.type))) return undefined;
  return (
    `no event counts as relevant: training and evaluation count ${RELEVANT_TYPES.join('/')} events, and this log has ${describeTypes(events)}. ` +
    'Map a type column whose values include "purchase" (--map ...,type=COL) or, for a log of purchases only, add defaultType=purchase to --map'
  );
}

/**
 * Refuses a dataset no model can be trained or evaluated on.
 * @throws DataError `no_relevant_events`-style message naming the types found and the mapping fix.
 */
export function assertRelevantEvents(events: readonly InteractionEvent[]): void {
  const message = relevanceWarning(events);
  if (message) throw new DataError(message, { field: 'type' });
}
