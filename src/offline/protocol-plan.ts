/**
 * The offline protocol of a run, as one plan: which events each model learns from (history) and is
 * judged on (labels) in the ranker's training folds, in validation (early stopping, baseline
 * tuning) and in the test. One plan drives all three, so training, tuning and the test cannot use
 * different rules.
 *
 * - `temporal` (default): time windows (windows.ts); history = everything before each cutoff.
 * - `leave-one-out`: per user, the last purchase is the test label, the one before it validation,
 *   the two before those the training folds' labels; history = the user's events before the label
 *   (other users' events may be later: leave-one-out mixes time across users, as published
 *   leave-one-out results do).
 * - `random`: per user, a seeded random 80/10/10 split of their events into train / validation /
 *   test (RecBole's `RS: [0.8, 0.1, 0.1]`); the training folds hold out another share of each
 *   user's train events as labels. Test history = train + validation, validation history = train.
 *
 * Non-temporal plans read features at the data's end (cutoff = the UTC midnight after the last
 * event), since their held-out events are spread over the whole time range.
 */
import { RELEVANT_TYPES } from '../data/relevance.js';
import type { InteractionEvent } from '../data/schema.js';
import { UsageError } from '../errors.js';
import { Rng } from '../util/random.js';
import { eventsBetween, type ProtocolWindows, protocolWindows, type WindowOptions } from './protocol-windows.js';

/** The protocols `--protocol` accepts. */
export const PROTOCOLS = ['temporal', 'leave-one-out', 'random'] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];

/** One history / labels pair: features from `history` (ts < cutoff), labels from `labels`. */
export interface ProtocolFold {
  /** The events features are built from (all events for temporal plans: the cutoff selects). */
  history: readonly InteractionEvent[];
  labels: readonly InteractionEvent[];
  cutoff: number;
}

/** A run's protocol. */
export interface ProtocolPlan {
  name: ProtocolName;
  /** Time windows: the temporal plan's boundaries; for the others only `end` is meaningful. */
  windows: ProtocolWindows;
  /** The ranker's training folds, oldest (temporal) or deepest (leave-one-out) first. */
  train: ProtocolFold[];
  valid: ProtocolFold;
  test: ProtocolFold;
  /** Whether labels are held out by time (history strictly before the labels). */
  temporal: boolean;
  /** One line for the report: the split and its rules. */
  description: string;
  /** Events no part uses (leave-one-out: a user's events after their test purchase). */
  unused: number;
}

/** Knobs of {@link protocolPlan}. */
export interface ProtocolOptions {
  protocol?: ProtocolName;
  windows?: WindowOptions;
  /** Seed of the random split (default 42). */
  seed?: number;
  /** Training folds for non-temporal plans (default 2, like the temporal label windows). */
  folds?: number;
}

/** Whether a string names a protocol. */
export function isProtocol(value: string): value is ProtocolName {
  return (PROTOCOLS as readonly string[]).includes(value);
}

const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);

function endOf(events: readonly InteractionEvent[]): number {
  let last = Number.NEGATIVE_INFINITY;
  for (const e of events) if (e.ts > last) last = e.ts;
  return Math.floor(last / 86_400_000) * 86_400_000 + 86_400_000;
}

/** Windows of a non-temporal plan: every boundary at the end, no label windows. */
function endWindows(end: number): ProtocolWindows {
  return { labelStarts: [end], labelDays: 0, validStart: end, testStart: end, end };
}

/** Each user's event indices in time order (ties: input order). */
function byUserInTime(events: readonly InteractionEvent[]): Map<string, number[]> {
  const byUser = new Map<string, number[]>();
  events.forEach((e, i) => {
    const list = byUser.get(e.userId);
    if (list) list.push(i);
    else byUser.set(e.userId, [i]);
  });
  for (const list of byUser.values()) list.sort((a, b) => events[a].ts - events[b].ts || a - b);
  return byUser;
}

function temporalPlan(events: readonly InteractionEvent[], opts: ProtocolOptions): ProtocolPlan {
  const w = protocolWindows(events, opts.windows);
  const fold = (start: number, end: number): ProtocolFold => ({
    history: events,
    labels: eventsBetween(events, start, end),
    cutoff: start,
  });
  return {
    name: 'temporal',
    windows: w,
    train: w.labelStarts.map((s) => fold(s, s + w.labelDays * 86_400_000)),
    valid: fold(w.validStart, w.testStart),
    test: fold(w.testStart, w.end),
    temporal: true,
    description: `temporal: train < ${day(w.testStart)}, test [${day(w.testStart)}, ${day(w.end)}); features before ${day(w.testStart)}; baselines tuned and the ranker early-stopped on [${day(w.validStart)}, ${day(w.testStart)})`,
    unused: 0,
  };
}

/**
 * Leave-one-out over relevant events: level 0 = test, 1 = validation, 2.. = training folds. A
 * user's history at level L is their events before their cut at L, or before the deepest cut they
 * have above L when they have too few purchases for L (so no held-out event is ever in a history).
 */
function leaveOneOutPlan(events: readonly InteractionEvent[], opts: ProtocolOptions): ProtocolPlan {
  const folds = opts.folds ?? 2;
  const levels = 2 + folds;
  const end = endOf(events);
  const histories: InteractionEvent[][] = Array.from({ length: levels }, () => []);
  const labels: InteractionEvent[][] = Array.from({ length: levels }, () => []);
  let unused = 0;
  for (const list of byUserInTime(events).values()) {
    const relevant = list.flatMap((i, pos) => (RELEVANT_TYPES.includes(events[i].type) ? [pos] : []));
    // cuts[L] = position (in `list`) of the held-out event at level L, from the last purchase back.
    const cuts = relevant.slice(-levels).reverse();
    if (cuts.length > 0) unused += list.length - 1 - cuts[0];
    let limit = cuts.length > 0 ? cuts[0] : list.length;
    for (let L = 0; L < levels; L++) {
      if (L < cuts.length) {
        limit = cuts[L];
        labels[L].push(events[list[limit]]);
      }
      for (let p = 0; p < limit; p++) histories[L].push(events[list[p]]);
    }
  }
  const fold = (L: number): ProtocolFold => ({ history: inTimeOrder(histories[L]), labels: labels[L], cutoff: end });
  return {
    name: 'leave-one-out',
    windows: endWindows(end),
    train: Array.from({ length: folds }, (_, k) => fold(levels - 1 - k)),
    valid: fold(1),
    test: fold(0),
    temporal: false,
    description: `leave-one-out: each user's last ${RELEVANT_TYPES.join('/')} is the test, the one before it validation (baselines tuned, the ranker early-stopped), ${folds} earlier one(s) the ranker's training labels; history = the user's events before the held-out one`,
    unused,
  };
}

/** RecBole's split counts: each share at least one event when its ratio gives some, train keeps >= 1. */
function splitCounts(n: number, ratios: readonly number[]): number[] {
  const cnt = ratios.map((r) => Math.floor(r * n));
  cnt[0] = n - cnt.slice(1).reduce((s, x) => s + x, 0);
  for (let i = 1; i < ratios.length; i++) {
    if (cnt[0] <= 1) break;
    const want = ratios[ratios.length - i] * n;
    if (want > 0 && want < 1) {
      cnt[ratios.length - i]++;
      cnt[0]--;
    }
  }
  return cnt;
}

function randomPlan(events: readonly InteractionEvent[], opts: ProtocolOptions): ProtocolPlan {
  const folds = opts.folds ?? 2;
  const seed = opts.seed ?? 42;
  const end = endOf(events);
  const rng = new Rng(seed);
  // part[i]: 0 train, 1 validation, 2 test; fold[i]: the training fold whose label it is (-1: none).
  const part = new Uint8Array(events.length);
  const foldOf = new Int8Array(events.length).fill(-1);
  const users = [...byUserInTime(events).entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  for (const [, list] of users) {
    const order = rng.shuffle([...list]);
    const [nTrain, nValid] = splitCounts(order.length, [0.8, 0.1, 0.1]);
    order.forEach((i, k) => {
      part[i] = k < nTrain ? 0 : k < nTrain + nValid ? 1 : 2;
    });
    // Each training fold holds out its own eighth of the train part (a tenth of all events).
    const train = rng.shuffle(order.slice(0, nTrain));
    for (let f = 0; f < folds; f++) {
      const [, nHeld] = splitCounts(train.length, [0.875, 0.125]);
      for (const i of rng.shuffle([...train]).slice(0, train.length > 1 ? nHeld : 0)) if (foldOf[i] < 0) foldOf[i] = f;
    }
  }
  const pick = (keep: (i: number) => boolean) => events.filter((_, i) => keep(i));
  const trainFold = (f: number): ProtocolFold => ({
    history: pick((i) => part[i] === 0 && foldOf[i] !== f),
    labels: pick((i) => part[i] === 0 && foldOf[i] === f),
    cutoff: end,
  });
  return {
    name: 'random',
    windows: endWindows(end),
    train: Array.from({ length: folds }, (_, f) => trainFold(f)),
    valid: { history: pick((i) => part[i] === 0), labels: pick((i) => part[i] === 1), cutoff: end },
    test: { history: pick((i) => part[i] !== 2), labels: pick((i) => part[i] === 2), cutoff: end },
    temporal: false,
    description: `random: each user's events split 80/10/10 at random (seed ${seed}) into train, validation (baselines tuned, the ranker early-stopped) and test; test history = train + validation; features at ${day(end)}`,
    unused: 0,
  };
}

function inTimeOrder(events: InteractionEvent[]): InteractionEvent[] {
  return events.sort((a, b) => a.ts - b.ts);
}

/**
 * The plan of a protocol on a dataset's events (sorted by ts, as loaders give them).
 * @throws UsageError for an unknown protocol; DataError (temporal) when the data is too short.
 */
export function protocolPlan(events: readonly InteractionEvent[], opts: ProtocolOptions = {}): ProtocolPlan {
  const name = opts.protocol ?? 'temporal';
  if (!isProtocol(name)) throw new UsageError(`protocol "${String(name)}" is not one of ${PROTOCOLS.join(', ')}`);
  if (name === 'temporal') return temporalPlan(events, opts);
  if (name === 'leave-one-out') return leaveOneOutPlan(events, opts);
  return randomPlan(events, opts);
}
