/**
 * Known-answer training data: groups whose positives differ from their negatives in ONE planted
 * feature, so a model that learns must recover it (tests, benchmarks, notebook demos).
 */
import { Rng } from '../../util/random.js';
import type { TrainingGroup } from './batches.js';

/** Shape of the planted data. */
export interface PlantedOptions {
  groups: number;
  /** Features per row. */
  dim: number;
  /** Positives per group. Default 2. */
  positives?: number;
  /** Negatives per group. Default 20. */
  negatives?: number;
  /** The feature that is higher for positives. Default 3. */
  signalFeature?: number;
  /** How much higher, in standard deviations. Default 3. */
  shift?: number;
  /** Item vocabulary size for `itemIndex` (rows get random items 1..vocab). Default: no item indices. */
  vocab?: number;
  seed: number;
}

/** Positive strengths drawn for planted positives (view, wishlist, cart, purchase). */
const STRENGTHS = [1, 2, 3, 5];

/**
 * Groups of standard-normal rows where positives (label = a random strength) have
 * `signalFeature` shifted by `shift`; `ts` is random so one-pass mode must sort.
 */
export function plantedGroups(opts: PlantedOptions): TrainingGroup[] {
  const rng = new Rng(opts.seed);
  const pos = opts.positives ?? 2;
  const neg = opts.negatives ?? 20;
  const signal = opts.signalFeature ?? 3;
  const shift = opts.shift ?? 3;
  if (signal < 0 || signal >= opts.dim) throw new RangeError(`signalFeature ${signal} is outside 0..${opts.dim - 1}`);
  const out: TrainingGroup[] = [];
  for (let g = 0; g < opts.groups; g++) {
    const n = pos + neg;
    const features = new Float32Array(n * opts.dim);
    const labels = new Float32Array(n);
    for (let r = 0; r < n; r++) {
      for (let d = 0; d < opts.dim; d++) features[r * opts.dim + d] = rng.normal();
      if (r < pos) {
        labels[r] = rng.pick(STRENGTHS);
        features[r * opts.dim + signal] += shift;
      }
    }
    const group: TrainingGroup = { features, labels, ts: rng.int(1e9), userId: `u${g}` };
    if (opts.vocab) group.itemIndex = Int32Array.from({ length: n }, () => 1 + rng.int(opts.vocab as number));
    out.push(group);
  }
  return out;
}
