/**
 * Off-policy estimators of a candidate policy's click (or purchase) rate from impressions logged
 * under another policy, one row per shown (request, position, item): inverse propensity scoring
 * (IPS), self-normalised IPS (SNIPS) and doubly robust (DR), under the position-based click model
 * (a click depends on the item and its position, not on the rest of the list), with bootstrap
 * intervals that resample requests and the effective sample size of the importance weights
 * (Open Bandit Pipeline's estimators; Li et al. 2011 for replay on randomised logs).
 */
import { InvalidArgumentError, WorkbenchError } from '../errors.js';
import { type BootstrapOptions, bootstrapRatioCI, type Interval } from '../eval/bootstrap.js';

/** One logged impression with what the estimators need. */
export interface LoggedImpression {
  /** The request it was shown in (the bootstrap resamples requests). */
  requestId: string;
  /** Probability that the logging policy showed this item at this position (0, 1]. */
  propensity: number;
  /** Probability that the candidate policy shows this item at this position [0, 1]. */
  target: number;
  /** Observed reward (1 clicked / purchased, 0 not). */
  reward: number;
  /** DR only: the reward model's prediction for this item at this position. */
  predicted?: number;
  /**
   * DR only: the reward model's expected reward at this position under the candidate policy,
   * sum over items a of target(a) x predicted(a).
   */
  targetExpected?: number;
}

/** The estimates with their intervals. */
export interface OffPolicyEstimate {
  impressions: number;
  requests: number;
  /** Mean reward of the logging policy (the observed rate). */
  logged: Interval;
  ips: Interval;
  snips: Interval;
  /** Present when every row carries `predicted` and `targetExpected`. */
  dr?: Interval;
  /** (sum w)^2 / sum w^2 of the importance weights w = target / propensity. */
  effectiveSampleSize: number;
  /** Largest importance weight (a few huge weights make IPS unreliable). */
  maxWeight: number;
}

function check(rows: readonly LoggedImpression[]): void {
  if (rows.length === 0) throw new InvalidArgumentError('off-policy estimate: no logged impressions');
  rows.forEach((r, i) => {
    if (r.propensity === undefined || r.propensity === null || Number.isNaN(r.propensity)) {
      throw new WorkbenchError(
        'no_propensities',
        `impression ${i} (request "${r.requestId}") carries no propensity: the logs must come from a policy with exploration on`,
      );
    }
    if (!(r.propensity > 0 && r.propensity <= 1)) {
      throw new InvalidArgumentError(`impression ${i}: propensity ${r.propensity} is not in (0, 1]`);
    }
    if (!(r.target >= 0 && r.target <= 1)) throw new InvalidArgumentError(`impression ${i}: target ${r.target} is not in [0, 1]`);
    if (!Number.isFinite(r.reward)) throw new InvalidArgumentError(`impression ${i}: reward ${r.reward} is not finite`);
  });
}

/** Importance weight target / propensity of each row. */
export function importanceWeights(rows: readonly LoggedImpression[]): Float64Array {
  check(rows);
  return Float64Array.from(rows, (r) => r.target / r.propensity);
}

/** IPS: mean over impressions of w x reward. */
export function ipsEstimate(rows: readonly LoggedImpression[]): number {
  const w = importanceWeights(rows);
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += w[i] * rows[i].reward;
  return s / rows.length;
}

/** SNIPS: sum of w x reward over the sum of w (0 when every weight is 0). */
export function snipsEstimate(rows: readonly LoggedImpression[]): number {
  const w = importanceWeights(rows);
  let s = 0;
  let sw = 0;
  for (let i = 0; i < rows.length; i++) {
    s += w[i] * rows[i].reward;
    sw += w[i];
  }
  return sw === 0 ? 0 : s / sw;
}

function drTerm(r: LoggedImpression, w: number): number {
  if (r.predicted === undefined || r.targetExpected === undefined) {
    throw new InvalidArgumentError(`doubly robust needs predicted and targetExpected on every impression (request "${r.requestId}")`);
  }
  return r.targetExpected + w * (r.reward - r.predicted);
}

/** DR: mean over impressions of targetExpected + w x (reward - predicted). */
export function doublyRobustEstimate(rows: readonly LoggedImpression[]): number {
  const w = importanceWeights(rows);
  let s = 0;
  for (let i = 0; i < rows.length; i++) s += drTerm(rows[i], w[i]);
  return s / rows.length;
}

/** Effective sample size of the importance weights: (sum w)^2 / sum w^2 (0 when all are 0). */
export function effectiveSampleSize(rows: readonly LoggedImpression[]): number {
  const w = importanceWeights(rows);
  let s = 0;
  let s2 = 0;
  for (const x of w) {
    s += x;
    s2 += x * x;
  }
  return s2 === 0 ? 0 : (s * s) / s2;
}

/**
 * All estimates with percentile bootstrap intervals over requests (a request's impressions stay
 * together: their rewards are not independent).
 * @throws WorkbenchError `no_propensities` when the logs carry none; `invalid_argument` on bad rows.
 */
export function offPolicyEstimate(rows: readonly LoggedImpression[], opts: BootstrapOptions = {}): OffPolicyEstimate {
  const w = importanceWeights(rows);
  const withDr = rows.every((r) => r.predicted !== undefined && r.targetExpected !== undefined);
  const byRequest = new Map<string, number>();
  for (const r of rows) if (!byRequest.has(r.requestId)) byRequest.set(r.requestId, byRequest.size);
  const m = byRequest.size;
  const count = new Float64Array(m);
  const reward = new Float64Array(m);
  const weighted = new Float64Array(m);
  const weights = new Float64Array(m);
  const dr = new Float64Array(m);
  let maxWeight = 0;
  rows.forEach((r, i) => {
    const q = byRequest.get(r.requestId) as number;
    count[q]++;
    reward[q] += r.reward;
    weighted[q] += w[i] * r.reward;
    weights[q] += w[i];
    if (withDr) dr[q] += drTerm(r, w[i]);
    if (w[i] > maxWeight) maxWeight = w[i];
  });
  const anyWeight = weights.some((x) => x > 0);
  return {
    impressions: rows.length,
    requests: m,
    logged: bootstrapRatioCI(reward, count, opts),
    ips: bootstrapRatioCI(weighted, count, opts),
    snips: anyWeight ? bootstrapRatioCI(weighted, weights, opts) : { mean: 0, lo: 0, hi: 0 },
    ...(withDr ? { dr: bootstrapRatioCI(dr, count, opts) } : {}),
    effectiveSampleSize: effectiveSampleSize(rows),
    maxWeight,
  };
}
