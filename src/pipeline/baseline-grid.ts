/**
 * The knobs each baseline is tuned over on the validation window, exactly as the ranker's early
 * stopping is, so the comparison is fair. Values are JSON-safe (they go into manifests).
 */
import type { BaselineKind, BaselineParams } from '../models/baselines/index.js';

/** One setting to try. */
export interface BaselineSetting<K extends BaselineKind = BaselineKind> {
  kind: K;
  params: BaselineParams[K];
}

/** Every setting tried, by kind. */
export const BASELINE_GRID: { [K in BaselineKind]: BaselineParams[K][] } = {
  popularity: [{ halfLifeDays: 7 }, { halfLifeDays: 30 }, { halfLifeDays: 120 }, { halfLifeDays: 365 }],
  repeat: [{ recencyHalfLifeDays: 7 }, { recencyHalfLifeDays: 30 }, { recencyHalfLifeDays: 365 }],
  cooccurrence: [
    { recencyHalfLifeDays: 30, popularityWeight: 0 },
    { recencyHalfLifeDays: 365, popularityWeight: 0 },
    { recencyHalfLifeDays: 30, popularityWeight: 0.1 },
  ],
  attributes: [{ popularityWeight: 0 }, { popularityWeight: 0.3 }],
};

/** Human label of a setting, e.g. "popularity halfLifeDays=7". */
export function settingName(kind: string, params: object): string {
  const knobs = Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return knobs ? `${kind} ${knobs}` : kind;
}
