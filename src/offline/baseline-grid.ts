/**
 * The knobs each baseline is tuned over on the validation window, exactly as the ranker's early
 * stopping is, so the comparison is fair. The grids now live with the kinds (each HeuristicKind's
 * `grid`, src/models/baselines/baseline-kinds.ts); this view by baseline name is kept for existing callers.
 */
import {
  ATTRIBUTES,
  type BaselineKind,
  type BaselineParams,
  BPR,
  COOCCURRENCE,
  ITEM_KNN,
  POPULARITY,
  REPEAT,
} from '../models/baselines/index.js';

/** One setting to try. */
export interface BaselineSetting<K extends BaselineKind = BaselineKind> {
  kind: K;
  params: BaselineParams[K];
}

/** Every setting tried, by kind. */
export const BASELINE_GRID: { readonly [K in BaselineKind]: readonly BaselineParams[K][] } = {
  popularity: POPULARITY.grid,
  repeat: REPEAT.grid,
  cooccurrence: COOCCURRENCE.grid,
  attributes: ATTRIBUTES.grid,
  'item-knn': ITEM_KNN.grid,
  bpr: BPR.grid,
};

/** Human label of a setting, e.g. "popularity halfLifeDays=7". */
export function settingName(kind: string, params: object): string {
  const knobs = Object.entries(params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return knobs ? `${kind} ${knobs}` : kind;
}
