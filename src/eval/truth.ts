/**
 * Evaluation against known preferences. On a store whose true user-item affinities are known (the
 * synthetic store keeps them), a model can be judged on what users actually like rather than on
 * the purchases that happened to follow, which are a noisy, exposure-biased sample of it. Every
 * model ranks the full catalogue for the same users; we report NDCG@k against two gain schemes
 * (each user's top items by true affinity, and the affinity itself as a graded gain) with
 * bootstrap intervals, and a paired bootstrap of each non-baseline model against EVERY baseline.
 */
import type { GroundTruth } from '../data/schema.js';
import { InvalidArgumentError } from '../errors.js';
import type { Ranker } from '../models/ranker.js';
import {
  type BootstrapOptions,
  bootstrapMeanCI,
  DEFAULT_BOOTSTRAP_SEED,
  type Interval,
  type PairedComparison,
  pairedBootstrap,
} from './bootstrap.js';
import { dcgOf, idealDcg, ndcgOfScores } from './ndcg.js';
import { assertFiniteScores, type Scores, topKIndices } from './ranking.js';

/**
 * NDCG@k of the ranking by `scores` (score desc, then index asc) against per-item `gains`: DCG of
 * the top k over the DCG of the k largest gains. 0 when every gain is 0.
 * @throws WorkbenchError when the lengths differ, k is not a positive integer, or a gain is negative or not finite.
 */
export function gradedNdcgAtK(scores: Scores, gains: ArrayLike<number>, k: number): number {
  if (scores.length !== gains.length) {
    throw new InvalidArgumentError(`gradedNdcgAtK: ${scores.length} scores for ${gains.length} gains`);
  }
  assertGains(gains, 'gradedNdcgAtK');
  return ndcgOfScores(scores, gains, k);
}

function assertGains(gains: ArrayLike<number>, what: string): void {
  for (let i = 0; i < gains.length; i++) {
    if (!(gains[i] >= 0) || !Number.isFinite(gains[i])) {
      throw new InvalidArgumentError(`${what}: gain at index ${i} is ${gains[i]}; gains must be finite and >= 0`);
    }
  }
}

/**
 * Binary gains: 1 for the `top` items of highest value (items tied with the top-th value too), 0
 * for the rest. Ties are kept in so the gain never depends on item order.
 */
export function topItemGains(values: ArrayLike<number>, top: number): Float64Array {
  if (!Number.isInteger(top) || top < 1) throw new InvalidArgumentError(`top must be a positive integer, got ${top}`);
  const sorted = Float64Array.from(values).sort();
  const cut = sorted[Math.max(0, sorted.length - top)];
  return Float64Array.from(values, (v) => (v >= cut ? 1 : 0));
}

/** Options of {@link evaluateAgainstTruth}. */
export interface TruthEvalOptions {
  truth: GroundTruth;
  /** Models to score; the ones named in `baselineNames` are the baselines. */
  rankers: readonly Ranker[];
  baselineNames: readonly string[];
  /** Users to evaluate (every model scores the full catalogue for each). */
  users: readonly string[];
  catalogue: readonly string[];
  /** Cut-off (default 10). */
  k?: number;
  /** Size of each user's relevant set for the top-items gains (default 20). */
  top?: number;
  bootstrap?: BootstrapOptions;
  /** Who the users are, for the report (e.g. "users with history before 2025-03-03"). */
  usersDescription?: string;
}

/** One model's NDCG@k against the true affinities. */
export interface TruthModelResult {
  name: string;
  baseline: boolean;
  /** Relevant = the user's `top` items by true affinity (binary gains). */
  topNdcg: Interval;
  /** Gain = the true affinity of each item (graded). */
  gradedNdcg: Interval;
}

/** A non-baseline model against one baseline, paired by user. */
export interface TruthComparison {
  model: string;
  baseline: string;
  top: PairedComparison;
  graded: PairedComparison;
}

/** What {@link evaluateAgainstTruth} returns (JSON-safe). */
export interface TruthReport {
  k: number;
  top: number;
  users: number;
  usersDescription: string;
  catalogueSize: number;
  bootstrap: { resamples: number; seed: number; level: number };
  models: TruthModelResult[];
  /** Every non-baseline model against every baseline. */
  comparisons: TruthComparison[];
}

/**
 * Scores every model on every user over the full catalogue and measures NDCG@k against the true
 * affinities (see the module comment).
 * @throws WorkbenchError when there are no users, no items, or a baseline name matches no model.
 */
export function evaluateAgainstTruth(opts: TruthEvalOptions): TruthReport {
  const k = opts.k ?? 10;
  const top = opts.top ?? 20;
  const { users, catalogue, rankers } = opts;
  if (users.length === 0) throw new InvalidArgumentError('evaluateAgainstTruth: no users to evaluate');
  if (catalogue.length === 0) throw new InvalidArgumentError('evaluateAgainstTruth: the catalogue is empty');
  for (const b of opts.baselineNames) {
    if (!rankers.some((r) => r.name === b)) {
      throw new InvalidArgumentError(
        `evaluateAgainstTruth: baseline "${b}" is not among the models (${rankers.map((r) => r.name).join(', ')})`,
      );
    }
  }
  const topScores = rankers.map(() => new Float64Array(users.length));
  const gradedScores = rankers.map(() => new Float64Array(users.length));
  const candidates = [...catalogue];
  for (const [u, userId] of users.entries()) {
    const affinity = Float64Array.from(candidates, (itemId) => opts.truth.affinity(userId, itemId));
    assertGains(affinity, `true affinities of user "${userId}"`);
    const binary = topItemGains(affinity, top);
    // The ideal DCGs are the user's, the same for every model.
    const idealTop = idealDcg(binary, k);
    const idealGraded = idealDcg(affinity, k);
    for (const [m, ranker] of rankers.entries()) {
      const scores = ranker.score({ userId, candidates });
      assertFiniteScores(scores, candidates, `${ranker.name} scores for user "${userId}"`);
      const ranked = topKIndices(scores, k);
      topScores[m][u] = idealTop > 0 ? dcgOf(ranked, binary) / idealTop : 0;
      gradedScores[m][u] = idealGraded > 0 ? dcgOf(ranked, affinity) / idealGraded : 0;
    }
  }
  const boot = {
    resamples: opts.bootstrap?.resamples ?? 1000,
    seed: opts.bootstrap?.seed ?? DEFAULT_BOOTSTRAP_SEED,
    level: opts.bootstrap?.level ?? 0.95,
  };
  const baselines = new Set(opts.baselineNames);
  const models = rankers.map((r, m) => ({
    name: r.name,
    baseline: baselines.has(r.name),
    topNdcg: bootstrapMeanCI(topScores[m], boot),
    gradedNdcg: bootstrapMeanCI(gradedScores[m], boot),
  }));
  const comparisons: TruthComparison[] = [];
  for (const [m, model] of models.entries()) {
    if (model.baseline) continue;
    for (const [b, base] of models.entries()) {
      if (!base.baseline) continue;
      comparisons.push({
        model: model.name,
        baseline: base.name,
        top: pairedBootstrap(topScores[m], topScores[b], boot),
        graded: pairedBootstrap(gradedScores[m], gradedScores[b], boot),
      });
    }
  }
  return {
    k,
    top,
    users: users.length,
    usersDescription: opts.usersDescription ?? `${users.length} users`,
    catalogueSize: catalogue.length,
    bootstrap: boot,
    models,
    comparisons,
  };
}

const signed = (x: number, digits = 3): string => `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
const interval = (i: Interval): string => `${i.mean.toFixed(3)} [${i.lo.toFixed(3)}, ${i.hi.toFixed(3)}]`;
const diff = (c: PairedComparison): string =>
  `${signed(c.diff.mean)} [${signed(c.diff.lo)}, ${signed(c.diff.hi)}]${c.liftPercent ? ` (${signed(c.liftPercent.mean, 1)}%)` : ''}`;

/** The truth report as Markdown: a table per model and one line per comparison. */
export function truthReportToMarkdown(report: TruthReport): string {
  const level = Math.round(report.bootstrap.level * 100);
  const lines = [
    `Against the TRUE affinities (${report.usersDescription}, ${report.catalogueSize} items, full catalogue):`,
    '',
    `| model | NDCG@${report.k}, top-${report.top} items relevant | NDCG@${report.k}, graded by affinity |`,
    '| --- | ---: | ---: |',
    ...report.models.map((m) => `| ${m.baseline ? `${m.name} (baseline)` : m.name} | ${interval(m.topNdcg)} | ${interval(m.gradedNdcg)} |`),
    '',
    `Paired bootstrap differences (${level}% intervals, ${report.bootstrap.resamples} resamples):`,
    ...report.comparisons.map((c) => `- ${c.model} vs ${c.baseline}: top-${report.top} ${diff(c.top)}; graded ${diff(c.graded)}`),
  ];
  return lines.join('\n');
}
