/**
 * What the baseline rankers share: item lookup, the popularity tie-break, knob validation and the
 * dispose guard. Baselines hold no tensors; they read a FeatureStore through its public API
 * (precomputing per-item vectors once) so they work on a store built from events or loaded from a
 * model directory alike.
 */

import { UsageError, WorkbenchError } from '../../errors.js';
import type { FeatureStore } from '../../features/store.js';
import type { Ranker, RankRequest } from '../ranker.js';

/** Score of candidates the store does not know: finite, below every known item. */
export const UNKNOWN_ITEM_SCORE = -1;

/**
 * Size of the popularity tie-break: small next to real score differences, large enough to survive
 * float32 rounding of scores up to ~100.
 */
export const TIE_WEIGHT = 1e-4;

/** Per-item lookups every baseline needs. */
export interface ItemLookup {
  index: Map<string, number>;
  /** TIE_WEIGHT x (1 - popularity rank / n): unique per item, so rankings never tie. */
  tie: Float32Array;
  /** log1p(recent popularity) / its maximum, in [0, 1]. */
  popNorm: Float32Array;
}

/** Builds the item lookup of a store (popularity order: recent desc, all-time desc, vocabulary order). */
export function itemLookup(store: FeatureStore): ItemLookup {
  const ids = store.itemIds;
  const n = ids.length;
  const recent = new Float64Array(n);
  const count = new Float64Array(n);
  ids.forEach((id, i) => {
    const p = store.popularity(id);
    recent[i] = p.recent;
    count[i] = p.count;
  });
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => recent[b] - recent[a] || count[b] - count[a] || a - b);
  const tie = new Float32Array(n);
  order.forEach((item, rank) => {
    tie[item] = TIE_WEIGHT * (1 - rank / n);
  });
  let max = 0;
  for (const r of recent) max = Math.max(max, Math.log1p(r));
  return {
    index: new Map(ids.map((id, i) => [id, i])),
    tie,
    popNorm: Float32Array.from(recent, (r) => (max > 0 ? Math.log1p(r) / max : 0)),
  };
}

/**
 * Validates a numeric knob.
 * @throws UsageError naming the ranker, the knob and the value.
 */
export function knob(
  ranker: string,
  name: string,
  value: number,
  opts: { min?: number; integer?: boolean; allowInfinity?: boolean } = {},
): number {
  const min = opts.min ?? 0;
  const ok =
    typeof value === 'number' &&
    !Number.isNaN(value) &&
    (Number.isFinite(value) || (opts.allowInfinity === true && value === Number.POSITIVE_INFINITY)) &&
    value >= min &&
    (!opts.integer || Number.isInteger(value) || value === Number.POSITIVE_INFINITY);
  if (!ok)
    throw new UsageError(`${ranker} ranker: ${name} must be ${opts.integer ? 'an integer' : 'a number'} >= ${min}, got ${String(value)}`);
  return value;
}

/** Base class: the dispose guard and the Ranker plumbing; subclasses fill scores. */
export abstract class BaselineRanker implements Ranker {
  abstract readonly name: string;
  /** The knobs this ranker was made with (for reports and manifests). */
  abstract readonly params: Readonly<Record<string, number>>;
  private disposed = false;

  protected constructor(
    protected readonly store: FeatureStore,
    protected readonly items: ItemLookup = itemLookup(store),
  ) {}

  /** Scores candidates: unknown items get UNKNOWN_ITEM_SCORE, others `scoreKnown`. */
  score(req: RankRequest): Float32Array {
    if (this.disposed) throw new WorkbenchError('disposed', `${this.name} ranker was disposed`);
    const out = new Float32Array(req.candidates.length);
    const idx = new Int32Array(req.candidates.length);
    for (let r = 0; r < idx.length; r++) idx[r] = this.items.index.get(req.candidates[r]) ?? -1;
    this.scoreKnown(req, idx, out);
    for (let r = 0; r < idx.length; r++) if (idx[r] < 0) out[r] = UNKNOWN_ITEM_SCORE;
    return out;
  }

  /** Writes scores of the known candidates (idx >= 0) into `out`. */
  protected abstract scoreKnown(req: RankRequest, idx: Int32Array, out: Float32Array): void;

  dispose(): void {
    this.disposed = true;
  }
}
