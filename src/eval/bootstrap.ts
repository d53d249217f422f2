/**
 * Bootstrap statistics over users: a percentile confidence interval of a mean, and a PAIRED
 * bootstrap for "model A beats model B" on the same users (resampling users, not items, because
 * users are the independent units). Seeded through Rng: the same seed draws the same resamples,
 * so two models evaluated with one seed are resampled identically and reports repeat exactly.
 */
import { InvalidArgumentError } from '../errors.js';
import { Rng } from '../util/random.js';

/** Knobs of the bootstrap. */
export interface BootstrapOptions {
  /** Number of resamples (default 1000). */
  resamples?: number;
  /** Seed of the resampling (default {@link DEFAULT_BOOTSTRAP_SEED}). */
  seed?: number;
  /** Coverage of the interval (default 0.95). */
  level?: number;
}

/** The seed used when none is given. */
export const DEFAULT_BOOTSTRAP_SEED = 20111209;

/** A point estimate and its percentile interval. */
export interface Interval {
  mean: number;
  lo: number;
  hi: number;
}

/** Paired bootstrap result of A against B on the same users. */
export interface PairedComparison {
  meanA: number;
  meanB: number;
  /** Mean of A - B and its interval. */
  diff: Interval;
  /** (mean A / mean B - 1) x 100 and its interval; null when B's mean is 0 in the data or a resample. */
  liftPercent: Interval | null;
  /** Share of resamples where mean A <= mean B: a one-sided p-value for "A beats B". */
  pValue: number;
  resamples: number;
}

interface Resolved {
  resamples: number;
  seed: number;
  level: number;
}

function resolve(opts: BootstrapOptions): Resolved {
  const resamples = opts.resamples ?? 1000;
  const seed = opts.seed ?? DEFAULT_BOOTSTRAP_SEED;
  const level = opts.level ?? 0.95;
  if (!Number.isInteger(resamples) || resamples < 1) {
    throw new InvalidArgumentError(`bootstrap resamples must be a positive integer, got ${resamples}`);
  }
  if (!Number.isFinite(seed)) throw new InvalidArgumentError(`bootstrap seed must be a finite number, got ${seed}`);
  if (!(level > 0 && level < 1)) throw new InvalidArgumentError(`bootstrap level must be in (0, 1), got ${level}`);
  return { resamples, seed, level };
}

function assertValues(values: ArrayLike<number>, what: string): void {
  if (values.length === 0) throw new InvalidArgumentError(`${what}: cannot bootstrap an empty sample`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) throw new InvalidArgumentError(`${what}: value ${i} is ${values[i]}, not a finite number`);
  }
}

// The last drawn plan: evaluating many metrics and models over the same users reuses one draw.
let cached: { n: number; resamples: number; seed: number; idx: Uint32Array } | undefined;

/** Resample r, position i is user `idx[r * n + i]`. */
function plan(n: number, resamples: number, seed: number): Uint32Array {
  if (cached && cached.n === n && cached.resamples === resamples && cached.seed === seed) return cached.idx;
  const rng = new Rng(seed);
  const idx = new Uint32Array(n * resamples);
  for (let i = 0; i < idx.length; i++) idx[i] = rng.int(n);
  cached = { n, resamples, seed, idx };
  return idx;
}

/** Percentile (linear interpolation between order statistics) of sorted values. */
function quantile(sorted: Float64Array, q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
}

function interval(mean: number, stats: Float64Array, level: number): Interval {
  stats.sort();
  const tail = (1 - level) / 2;
  return { mean, lo: quantile(stats, tail), hi: quantile(stats, 1 - tail) };
}

function meanOf(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return s / values.length;
}

/**
 * Percentile bootstrap interval of the mean of `values` (one value per user).
 * @throws WorkbenchError on an empty sample, a non-finite value or bad options.
 */
export function bootstrapMeanCI(values: ArrayLike<number>, opts: BootstrapOptions = {}): Interval {
  const { resamples, seed, level } = resolve(opts);
  assertValues(values, 'bootstrapMeanCI');
  const n = values.length;
  const idx = plan(n, resamples, seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    const base = r * n;
    for (let i = 0; i < n; i++) s += values[idx[base + i]];
    means[r] = s / n;
  }
  return interval(meanOf(values), means, level);
}

/**
 * Paired bootstrap of A against B: `a[i]` and `b[i]` belong to the same user, and each resample
 * draws users, keeping their pair together.
 * @throws WorkbenchError when the samples differ in length, are empty or hold non-finite values.
 */
export function pairedBootstrap(a: ArrayLike<number>, b: ArrayLike<number>, opts: BootstrapOptions = {}): PairedComparison {
  const { resamples, seed, level } = resolve(opts);
  if (a.length !== b.length) {
    throw new InvalidArgumentError(`pairedBootstrap: samples differ in length (${a.length} vs ${b.length}); pair them by user`);
  }
  assertValues(a, 'pairedBootstrap (A)');
  assertValues(b, 'pairedBootstrap (B)');
  const n = a.length;
  const idx = plan(n, resamples, seed);
  const diffs = new Float64Array(resamples);
  const lifts = new Float64Array(resamples);
  let liftDefined = true;
  let notBetter = 0;
  for (let r = 0; r < resamples; r++) {
    let sa = 0;
    let sb = 0;
    let sd = 0;
    const base = r * n;
    for (let i = 0; i < n; i++) {
      const u = idx[base + i];
      sa += a[u];
      sb += b[u];
      sd += a[u] - b[u];
    }
    diffs[r] = sd / n;
    if (sd <= 0) notBetter++;
    if (sb === 0) liftDefined = false;
    else lifts[r] = (sa / sb - 1) * 100;
  }
  const meanA = meanOf(a);
  const meanB = meanOf(b);
  let meanDiff = 0;
  for (let i = 0; i < n; i++) meanDiff += a[i] - b[i];
  meanDiff /= n;
  const liftPercent = liftDefined && meanB !== 0 ? interval((meanA / meanB - 1) * 100, lifts, level) : null;
  return { meanA, meanB, diff: interval(meanDiff, diffs, level), liftPercent, pValue: notBetter / resamples, resamples };
}

/**
 * Percentile bootstrap interval of a ratio of sums, sum(num) / sum(den), resampling units (e.g.
 * requests) with their numerator and denominator together: click-through rates and self-normalised
 * estimates, whose units contribute unequal weights. Resamples whose denominator sums to 0 count as 0.
 * @throws WorkbenchError when the samples differ in length, are empty, hold non-finite values, or sum(den) is 0.
 */
export function bootstrapRatioCI(num: ArrayLike<number>, den: ArrayLike<number>, opts: BootstrapOptions = {}): Interval {
  const { resamples, seed, level } = resolve(opts);
  if (num.length !== den.length) {
    throw new InvalidArgumentError(`bootstrapRatioCI: samples differ in length (${num.length} vs ${den.length})`);
  }
  assertValues(num, 'bootstrapRatioCI (numerator)');
  assertValues(den, 'bootstrapRatioCI (denominator)');
  const n = num.length;
  let sn = 0;
  let sd = 0;
  for (let i = 0; i < n; i++) {
    sn += num[i];
    sd += den[i];
  }
  if (sd === 0) throw new InvalidArgumentError('bootstrapRatioCI: the denominator sums to 0');
  const idx = plan(n, resamples, seed);
  const ratios = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let a = 0;
    let b = 0;
    const base = r * n;
    for (let i = 0; i < n; i++) {
      const j = idx[base + i];
      a += num[j];
      b += den[j];
    }
    ratios[r] = b === 0 ? 0 : a / b;
  }
  return interval(sn / sd, ratios, level);
}
