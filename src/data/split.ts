/**
 * Train / validation / test splits that cannot leak the future into training. A temporal split
 * uses fixed time boundaries, so what is in train depends only on events before the first
 * boundary. Every split keeps the input order of events within each part.
 */
import { InvalidArgumentError } from '../errors.js';
import type { InteractionEvent } from './schema.js';

/** One day in milliseconds. */
export const DAY_MS = 86_400_000;

/** The boundaries of a temporal split (epoch ms): train < validStart <= valid < testStart <= test < end. */
export interface SplitBoundaries {
  /** Start of validation (equal to testStart when there is no validation window). */
  validStart: number;
  testStart: number;
  /** End of test, exclusive (Infinity when open). */
  end: number;
}

/** A split: the three parts and the boundaries that made them. */
export interface Split {
  train: InteractionEvent[];
  valid: InteractionEvent[];
  test: InteractionEvent[];
  boundaries: SplitBoundaries;
}

function check(ok: boolean, message: string): void {
  if (!ok) throw new InvalidArgumentError(message);
}

/**
 * Splits by time: train `ts < validStart` (or `< testStart` without validation), valid
 * `[validStart, testStart)`, test `[testStart, end)`; events at or after `end` are in no part.
 * @throws WorkbenchError `invalid_argument` unless validStart <= testStart <= end.
 */
export function temporalSplit(events: readonly InteractionEvent[], opts: { testStart: number; validStart?: number; end?: number }): Split {
  const testStart = opts.testStart;
  const validStart = opts.validStart ?? testStart;
  const end = opts.end ?? Number.POSITIVE_INFINITY;
  check(Number.isFinite(testStart), `testStart must be epoch ms, got ${testStart}`);
  check(Number.isFinite(validStart) && validStart <= testStart, `validStart (${validStart}) must be <= testStart (${testStart})`);
  check(!Number.isNaN(end) && end >= testStart, `end (${end}) must be >= testStart (${testStart})`);
  const train: InteractionEvent[] = [];
  const valid: InteractionEvent[] = [];
  const test: InteractionEvent[] = [];
  for (const e of events) {
    if (e.ts < validStart) train.push(e);
    else if (e.ts < testStart) valid.push(e);
    else if (e.ts < end) test.push(e);
  }
  return { train, valid, test, boundaries: { validStart, testStart, end } };
}

/**
 * Holds out the last `testDays` (and before them `validDays`) whole UTC days of the data: `end`
 * is the UTC midnight after the last event, `testStart = end - testDays`, `validStart =
 * testStart - validDays`. Boundaries fall on midnights so windows are calendar days.
 * @throws WorkbenchError for no events or non-positive testDays / negative validDays.
 */
export function splitByLastDays(events: readonly InteractionEvent[], opts: { testDays: number; validDays?: number }): Split {
  const validDays = opts.validDays ?? 0;
  check(opts.testDays > 0, `testDays must be > 0, got ${opts.testDays}`);
  check(validDays >= 0, `validDays must be >= 0, got ${validDays}`);
  check(events.length > 0, 'cannot split an empty event list');
  let last = Number.NEGATIVE_INFINITY;
  for (const e of events) if (e.ts > last) last = e.ts;
  const end = Math.floor(last / DAY_MS) * DAY_MS + DAY_MS;
  const testStart = end - opts.testDays * DAY_MS;
  return temporalSplit(events, { testStart, validStart: testStart - validDays * DAY_MS, end });
}

/**
 * Leave-last-N-out: for each user with more than `n` events, their last `n` events (by ts; ties
 * keep input order) go to test, the rest to train; users with `n` or fewer events stay wholly in
 * train. Within a user nothing later is trained on; across users it does mix time (prefer a
 * temporal split for evaluation that must mimic production).
 */
export function leaveLastNOut(events: readonly InteractionEvent[], n: number): { train: InteractionEvent[]; test: InteractionEvent[] } {
  check(Number.isInteger(n) && n > 0, `n must be a positive integer, got ${n}`);
  const byUser = new Map<string, number[]>();
  events.forEach((e, i) => {
    const idx = byUser.get(e.userId);
    if (idx) idx.push(i);
    else byUser.set(e.userId, [i]);
  });
  const inTest = new Uint8Array(events.length);
  for (const idx of byUser.values()) {
    if (idx.length <= n) continue;
    idx.sort((a, b) => events[a].ts - events[b].ts || a - b);
    for (const i of idx.slice(idx.length - n)) inTest[i] = 1;
  }
  const train: InteractionEvent[] = [];
  const test: InteractionEvent[] = [];
  events.forEach((e, i) => {
    (inTest[i] ? test : train).push(e);
  });
  return { train, test };
}
