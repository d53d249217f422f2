/**
 * POST /v1/events: the storefront's feedback (impressions it showed itself, clicks, carts,
 * purchases). Answers 202 only after the events are durably appended (written and fsync'ed) to the
 * partitioned event log. A request is all or nothing: a 503 means none of its events were kept
 * (the writer rolls a failed batch back), so retrying it cannot duplicate. A 504 (timeout) means
 * the append may still complete: a retry can then duplicate events, which the KPI queries tolerate
 * better than losing them.
 *
 * Event times must fall in a window around now (default 7 days back, 1 hour ahead): each distinct
 * day is a partition, and a client must not be able to make the service open thousands of them.
 */
import { createRoute } from '@hono/zod-openapi';
import type { InteractionEvent } from '../../src/data/schema.js';
import { readBody } from '../body.js';
import type { EventTimeWindow } from '../event-time.js';
import { ApiError } from '../http-errors.js';
import { eventsRequestSchema, eventsResponseSchema, type PostedEvent } from '../schemas.js';
import { type App, errorResponses, jsonBody, jsonResponse, mount, type Resolved } from './shared.js';

const eventsRoute = createRoute({
  method: 'post',
  path: '/v1/events',
  summary: 'Append interaction events durably (<= 500 per request)',
  request: { body: jsonBody(eventsRequestSchema) },
  responses: {
    202: jsonResponse(eventsResponseSchema, 'all events are on disk'),
    ...errorResponses(400, 413, 415, 503, 504),
  },
});

/** Throws a 400 naming the first event whose `ts` lies outside the window. */
export function checkEventTimes(events: readonly PostedEvent[], now: number, window: EventTimeWindow): void {
  const from = now - window.maxAgeMs;
  const to = now + window.maxFutureMs;
  events.forEach((e, i) => {
    if (e.ts === undefined || (e.ts >= from && e.ts <= to)) return;
    const field = `events[${i}].ts`;
    const message = `${field}: ${e.ts} (${new Date(e.ts).toISOString()}) is outside the accepted window ${new Date(from).toISOString()} .. ${new Date(to).toISOString()}`;
    throw new ApiError(400, 'invalid_request', `request body: ${message}`, { field, issues: [{ field, message }] });
  });
}

/** Maps a posted event to the event log's record (default time: now). */
export function toInteraction(e: PostedEvent, now: number): InteractionEvent {
  const out: InteractionEvent = { userId: e.userId, itemId: e.itemId, ts: e.ts ?? now, type: e.type };
  if (e.requestId !== undefined) out.requestId = e.requestId;
  if (e.position !== undefined) out.position = e.position;
  if (e.variant !== undefined) out.variant = e.variant;
  return out;
}

/** Mounts POST /v1/events. */
export function mountEventRoutes(app: App, d: Resolved): void {
  mount(app, eventsRoute, async (c) => {
    const sink = d.events;
    if (!sink) throw new ApiError(503, 'events_disabled', 'this service has no event log configured (--events DIR)');
    const body = await readBody(c, eventsRequestSchema, d.body);
    const now = Date.now();
    checkEventTimes(body.events, now, d.eventTimeWindow);
    const events = body.events.map((e) => toInteraction(e, now));
    try {
      await sink.append(events);
    } catch (err) {
      // The cause (with server paths) goes to the log only; the client learns what it can act on.
      throw new ApiError(503, 'event_log_unavailable', 'event log append failed; nothing was written, retry later', {
        headers: { 'Retry-After': '1' },
        cause: err,
      });
    }
    const byType = new Map<string, number>();
    for (const e of events) byType.set(e.type, (byType.get(e.type) ?? 0) + 1);
    for (const [type, n] of byType) d.metrics.eventsAccepted.inc({ type }, n);
    c.get('log').events = events.length;
    return c.json({ accepted: events.length }, 202);
  });
}
