/**
 * The window of event times POST /v1/events accepts. Each distinct day of `ts` is a partition of
 * the event log, so an unbounded `ts` lets a client make the service create folders and files
 * without limit. Kept free of service imports: the CLI reads the default without loading Hono.
 */

/** How far event times may lie from now. */
export interface EventTimeWindow {
  /** Oldest accepted event: now minus this (ms). */
  maxAgeMs: number;
  /** Newest accepted event: now plus this (ms). */
  maxFutureMs: number;
}

/** Default event time window: a week back (late mobile clients), an hour ahead (clock skew). */
export const DEFAULT_EVENT_TIME_WINDOW: EventTimeWindow = { maxAgeMs: 7 * 86_400_000, maxFutureMs: 3_600_000 };
