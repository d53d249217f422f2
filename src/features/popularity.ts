/**
 * Item popularity from the training window: the all-time strength-weighted count, and a recent
 * count with exponential time decay (an event `d` days before the cutoff weighs 2^(-d / halfLife)).
 * A ladder of half-lives is kept too, so a popularity baseline can tune its decay on a validation
 * window without rebuilding the store.
 */
import type { TrainingWindow } from './training-window.js';

/** Milliseconds per day. */
export const DAY_MS = 86_400_000;

/** Default half-life of recent popularity, in days. */
export const DEFAULT_HALF_LIFE_DAYS = 14;

/**
 * Default half-life of the recency features, in days: longer than popularity's, because a user's
 * purchase cycle (weeks to months) is slower than an item's demand trend.
 */
export const DEFAULT_RECENCY_HALF_LIFE_DAYS = 30;

/** Half-lives (days) kept for every item, so decay can be tuned without rebuilding the store. */
export const POPULARITY_HALF_LIVES_DAYS: readonly number[] = [1, 3, 7, 14, 30, 60, 120, 365];

/** Popularity of every vocabulary item (arrays aligned with the item vocabulary). */
export interface PopularityTable {
  /** All-time weighted count. */
  count: Float32Array;
  /** Decayed weighted count at the store's half-life. */
  recent: Float32Array;
  /** Row h (POPULARITY_HALF_LIVES_DAYS[h]) x item: decayed weighted counts. */
  ladder: Float32Array;
  /** First event time of each item in the window (NaN if never seen). */
  firstTs: Float64Array;
}

/** 2^(-ageMs / halfLife): the weight of something `ageMs` old. */
export function decay(ageMs: number, halfLifeDays: number): number {
  return 2 ** (-ageMs / (halfLifeDays * DAY_MS));
}

/** Computes popularity in one pass over the window. */
export function computePopularity(w: TrainingWindow, halfLifeDays: number): PopularityTable {
  const nItems = w.itemIds.length;
  const L = POPULARITY_HALF_LIVES_DAYS.length;
  const count = new Float64Array(nItems);
  const recent = new Float64Array(nItems);
  const ladder = new Float64Array(L * nItems);
  const firstTs = new Float64Array(nItems).fill(Number.NaN);
  for (let k = 0; k < w.item.length; k++) {
    const i = w.item[k];
    const wt = w.weight[k];
    const age = w.cutoff - w.ts[k];
    count[i] += wt;
    recent[i] += wt * decay(age, halfLifeDays);
    for (let h = 0; h < L; h++) ladder[h * nItems + i] += wt * decay(age, POPULARITY_HALF_LIVES_DAYS[h]);
    if (!(w.ts[k] >= firstTs[i])) firstTs[i] = w.ts[k];
  }
  return { count: Float32Array.from(count), recent: Float32Array.from(recent), ladder: Float32Array.from(ladder), firstTs };
}
