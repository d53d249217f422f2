/**
 * The statistics of an A/B test on ranking KPIs:
 * - Wilson score interval for one proportion (per-user conversion, CTR by position);
 * - the pooled two-proportion z-test with Newcombe's hybrid score interval for the difference;
 * - the delta method for a ratio metric such as CTR = Σclicks / Σimpressions with the USER as the
 *   unit of randomisation: a user's impressions are correlated, so treating impressions as
 *   independent understates the variance; the delta method gives the clustered variance;
 * - the sample-ratio-mismatch (SRM) check: chi-square goodness of fit of users per variant
 *   against the configured weights.
 * Distribution functions live in distributions.ts and are re-exported here.
 */
import { chiSquareSf, criticalZ, normalTwoSidedP } from './distributions.js';

export { chiSquareCdf, chiSquareSf, criticalZ, logGamma, normalCdf, normalQuantile, normalTwoSidedP } from './distributions.js';

/** A point estimate with a confidence interval. */
export interface Interval {
  estimate: number;
  lower: number;
  upper: number;
}

function checkCount(successes: number, trials: number, what: string): void {
  if (!Number.isInteger(trials) || trials < 0) throw new RangeError(`${what}: trials must be a non-negative integer, got ${trials}`);
  if (!Number.isInteger(successes) || successes < 0 || successes > trials) {
    throw new RangeError(`${what}: successes must be an integer in [0, ${trials}], got ${successes}`);
  }
}

/**
 * Wilson score interval for a binomial proportion (no continuity correction).
 * @returns estimate x/n and the interval; NaN everywhere when n = 0 (nothing observed).
 */
export function wilsonInterval(successes: number, trials: number, confidence = 0.95): Interval {
  checkCount(successes, trials, 'wilsonInterval');
  if (trials === 0) return { estimate: Number.NaN, lower: Number.NaN, upper: Number.NaN };
  const z = criticalZ(confidence);
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const denom = 1 + z2n;
  const centre = (p + z2n / 2) / denom;
  const half = (z * Math.sqrt((p * (1 - p)) / trials + z2n / (4 * trials))) / denom;
  return {
    estimate: p,
    // Exact bounds at the edges (floating point would give ±1e-17).
    lower: successes === 0 ? 0 : Math.max(0, centre - half),
    upper: successes === trials ? 1 : Math.min(1, centre + half),
  };
}

/** Result of comparing a treatment proportion with a control proportion. */
export interface ProportionComparison {
  control: number;
  treatment: number;
  /** treatment - control. */
  difference: number;
  /** Newcombe's hybrid score interval (his method 10) for the difference. */
  lower: number;
  upper: number;
  /** Pooled z statistic (positive when treatment is higher). */
  z: number;
  /** Two-sided p-value of the pooled z-test. */
  pValue: number;
  /** treatment / control - 1 (NaN when control is 0). */
  relativeLift: number;
}

/**
 * Pooled two-proportion z-test of H0: p_treatment = p_control, with Newcombe's hybrid score
 * interval for the difference (better coverage than Wald for small counts and rates near 0 or 1).
 * Assumes the trials are independent: right for users, optimistic for impressions (see deltaCompare).
 */
export function twoProportionTest(
  controlSuccesses: number,
  controlTrials: number,
  treatmentSuccesses: number,
  treatmentTrials: number,
  confidence = 0.95,
): ProportionComparison {
  checkCount(controlSuccesses, controlTrials, 'twoProportionTest control');
  checkCount(treatmentSuccesses, treatmentTrials, 'twoProportionTest treatment');
  if (controlTrials === 0 || treatmentTrials === 0) {
    const nan = Number.NaN;
    return { control: nan, treatment: nan, difference: nan, lower: nan, upper: nan, z: nan, pValue: nan, relativeLift: nan };
  }
  const p1 = controlSuccesses / controlTrials;
  const p2 = treatmentSuccesses / treatmentTrials;
  const pooled = (controlSuccesses + treatmentSuccesses) / (controlTrials + treatmentTrials);
  const se = Math.sqrt(pooled * (1 - pooled) * (1 / controlTrials + 1 / treatmentTrials));
  const diff = p2 - p1;
  // Both proportions 0 (or both 1): no evidence of a difference.
  const z = se > 0 ? diff / se : 0;
  const w1 = wilsonInterval(controlSuccesses, controlTrials, confidence);
  const w2 = wilsonInterval(treatmentSuccesses, treatmentTrials, confidence);
  return {
    control: p1,
    treatment: p2,
    difference: diff,
    lower: diff - Math.sqrt((p2 - w2.lower) ** 2 + (w1.upper - p1) ** 2),
    upper: diff + Math.sqrt((w2.upper - p2) ** 2 + (p1 - w1.lower) ** 2),
    z,
    pValue: normalTwoSidedP(z),
    relativeLift: p1 > 0 ? p2 / p1 - 1 : Number.NaN,
  };
}

/**
 * Sufficient statistics of a ratio metric Σx / Σy over independent units (users): the count and
 * the sums of x, y, x², y², xy. KPI queries compute these in SQL, so no per-user arrays travel.
 */
export interface RatioMoments {
  n: number;
  sumX: number;
  sumY: number;
  sumXX: number;
  sumYY: number;
  sumXY: number;
}

/** The moments of per-unit pairs (x = numerator, e.g. clicks; y = denominator, e.g. impressions). */
export function ratioMoments(pairs: Iterable<readonly [number, number]>): RatioMoments {
  const m: RatioMoments = { n: 0, sumX: 0, sumY: 0, sumXX: 0, sumYY: 0, sumXY: 0 };
  for (const [x, y] of pairs) {
    m.n++;
    m.sumX += x;
    m.sumY += y;
    m.sumXX += x * x;
    m.sumYY += y * y;
    m.sumXY += x * y;
  }
  return m;
}

/** A ratio estimate with its delta-method variance. */
export interface RatioEstimate extends Interval {
  /** Delta-method variance of the ratio. */
  variance: number;
  standardError: number;
}

/**
 * Delta method for R = Σx / Σy with units (users) as independent clusters:
 * Var(R) ≈ (σx² - 2R σxy + R² σy²) / (n μy²), with plug-in (1/n) moments. When every unit has
 * y = 1 this is exactly the binomial p(1 - p)/n.
 */
export function deltaRatio(m: RatioMoments, confidence = 0.95): RatioEstimate {
  if (m.n === 0 || m.sumY === 0) {
    const nan = Number.NaN;
    return { estimate: nan, lower: nan, upper: nan, variance: nan, standardError: nan };
  }
  const mx = m.sumX / m.n;
  const my = m.sumY / m.n;
  const r = m.sumX / m.sumY;
  const vx = m.sumXX / m.n - mx * mx;
  const vy = m.sumYY / m.n - my * my;
  const cxy = m.sumXY / m.n - mx * my;
  // Clamp the rounding residue of a true zero (e.g. identical units) at 0.
  const variance = Math.max(0, (vx - 2 * r * cxy + r * r * vy) / (m.n * my * my));
  const se = Math.sqrt(variance);
  const z = criticalZ(confidence);
  return { estimate: r, lower: r - z * se, upper: r + z * se, variance, standardError: se };
}

/** A clustered comparison of two ratio metrics. */
export interface RatioComparison {
  control: number;
  treatment: number;
  /** treatment - control, with its interval. */
  difference: number;
  lower: number;
  upper: number;
  standardError: number;
  z: number;
  pValue: number;
  /** treatment / control - 1, with a delta-method interval. */
  relativeLift: number;
  relativeLower: number;
  relativeUpper: number;
}

/**
 * Compares two independent groups' ratio metrics (user-level clustering) with the delta method:
 * Var(R_t - R_c) = Var(R_t) + Var(R_c); the relative lift uses Var(R_t/R_c) ≈ Var(R_t)/R_c² + R_t² Var(R_c)/R_c⁴.
 */
export function deltaCompare(control: RatioMoments, treatment: RatioMoments, confidence = 0.95): RatioComparison {
  const c = deltaRatio(control, confidence);
  const t = deltaRatio(treatment, confidence);
  const z95 = criticalZ(confidence);
  const diff = t.estimate - c.estimate;
  const se = Math.sqrt(c.variance + t.variance);
  const z = se > 0 ? diff / se : diff === 0 ? 0 : Number.NaN;
  const rel = c.estimate > 0 ? t.estimate / c.estimate : Number.NaN;
  const relSe = c.estimate > 0 ? Math.sqrt(t.variance / c.estimate ** 2 + (t.estimate ** 2 * c.variance) / c.estimate ** 4) : Number.NaN;
  return {
    control: c.estimate,
    treatment: t.estimate,
    difference: diff,
    lower: diff - z95 * se,
    upper: diff + z95 * se,
    standardError: se,
    z,
    pValue: normalTwoSidedP(z),
    relativeLift: rel - 1,
    relativeLower: rel - 1 - z95 * relSe,
    relativeUpper: rel - 1 + z95 * relSe,
  };
}

/** Sample-ratio-mismatch check result. */
export interface SrmResult {
  /** Units (users) observed per variant, in variant order. */
  observed: number[];
  /** Units expected per variant under the configured weights. */
  expected: number[];
  chiSquare: number;
  df: number;
  pValue: number;
  /** The p-value below which the split is flagged (default 0.001). */
  threshold: number;
  /** True when pValue < threshold: the assignment or the logging is broken; do not trust the results. */
  mismatch: boolean;
}

/**
 * Chi-square goodness-of-fit test of observed units per variant against the configured weights
 * (relative, need not sum to 1). Conventionally flagged at p < 0.001: with many experiments a
 * stricter threshold avoids false alarms, and a real SRM is usually far below it.
 */
export function sampleRatioMismatch(observed: readonly number[], weights: readonly number[], threshold = 0.001): SrmResult {
  if (observed.length !== weights.length) {
    throw new RangeError(`sampleRatioMismatch: ${observed.length} observed counts but ${weights.length} weights`);
  }
  if (observed.length < 2) throw new RangeError('sampleRatioMismatch needs at least 2 variants');
  for (const w of weights) if (!(w > 0)) throw new RangeError(`sampleRatioMismatch: weights must be > 0, got ${w}`);
  for (const o of observed)
    if (!Number.isInteger(o) || o < 0) throw new RangeError(`sampleRatioMismatch: counts must be integers >= 0, got ${o}`);
  const total = observed.reduce((s, o) => s + o, 0);
  const wsum = weights.reduce((s, w) => s + w, 0);
  const expected = weights.map((w) => (total * w) / wsum);
  const df = observed.length - 1;
  if (total === 0) return { observed: [...observed], expected, chiSquare: 0, df, pValue: 1, threshold, mismatch: false };
  const chiSquare = observed.reduce((s, o, i) => s + (o - expected[i]) ** 2 / expected[i], 0);
  const pValue = chiSquareSf(chiSquare, df);
  return { observed: [...observed], expected, chiSquare, df, pValue, threshold, mismatch: pValue < threshold };
}
