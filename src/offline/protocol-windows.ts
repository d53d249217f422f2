/**
 * The time windows of one training run, as they will be at serving time: features always come
 * from before a cutoff and labels from after it.
 *
 *   ... features ...| label window(s) | validation | test |
 *                   labelStart        validStart   testStart  end
 *
 * - the ranker trains on labels in [labelStart, validStart), features before each label window;
 * - early stopping and baseline knobs use [validStart, testStart), features before validStart;
 * - the reported evaluation uses [testStart, end), features before testStart;
 * - the published version's feature tables use every event (cutoff = end).
 */

import type { InteractionEvent } from '../data/schema.js';
import { DataError } from '../errors.js';
import { DAY_MS } from '../features/popularity.js';

/** Boundaries in epoch ms (UTC midnights). */
export interface ProtocolWindows {
  /** Start of each label window, oldest first; the last one ends at validStart. */
  labelStarts: number[];
  labelDays: number;
  validStart: number;
  testStart: number;
  end: number;
}

/** Window lengths; unset ones default to a sixth of the data's span, between 1 and 28 days. */
export interface WindowOptions {
  testDays?: number;
  validDays?: number;
  labelDays?: number;
  /** Consecutive label windows stacked for training (more examples). Default 2. */
  labelWindows?: number;
}

/** Computes the windows from the data's time range. */
export function protocolWindows(events: readonly InteractionEvent[], opts: WindowOptions = {}): ProtocolWindows {
  if (events.length === 0) throw new DataError('no events to train on');
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const e of events) {
    if (e.ts < first) first = e.ts;
    if (e.ts > last) last = e.ts;
  }
  const end = Math.floor(last / DAY_MS) * DAY_MS + DAY_MS;
  const spanDays = Math.max(1, Math.round((end - first) / DAY_MS));
  const auto = Math.min(28, Math.max(1, Math.floor(spanDays / 6)));
  const testDays = opts.testDays ?? auto;
  const validDays = opts.validDays ?? auto;
  const labelDays = opts.labelDays ?? auto;
  const labelWindows = opts.labelWindows ?? 2;
  for (const [name, v] of Object.entries({ testDays, validDays, labelDays, labelWindows })) {
    if (!Number.isInteger(v) || v <= 0) throw new DataError(`${name} must be a positive whole number, got ${v}`);
  }
  const testStart = end - testDays * DAY_MS;
  const validStart = testStart - validDays * DAY_MS;
  const labelStarts = Array.from({ length: labelWindows }, (_, i) => validStart - (labelWindows - i) * labelDays * DAY_MS);
  if (labelStarts[0] <= first) {
    throw new DataError(
      `the data spans ${spanDays} days, too short for ${labelWindows} label window(s) of ${labelDays} days plus ${validDays} validation and ${testDays} test days`,
    );
  }
  return { labelStarts, labelDays, validStart, testStart, end };
}

/** ISO dates of the boundaries, for manifests and reports. */
export function describeWindows(w: ProtocolWindows): Record<string, string> {
  const d = (ms: number) => new Date(ms).toISOString().slice(0, 10);
  return {
    labelStart: d(w.labelStarts[0]),
    validStart: d(w.validStart),
    testStart: d(w.testStart),
    end: d(w.end),
    labelDays: String(w.labelDays),
    labelWindows: String(w.labelStarts.length),
  };
}

/** Events with start <= ts < end. */
export function eventsBetween(events: readonly InteractionEvent[], start: number, end: number): InteractionEvent[] {
  return events.filter((e) => e.ts >= start && e.ts < end);
}
