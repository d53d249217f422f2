/**
 * The offline evaluation protocol, generic over `Ranker`: who the test users are, what counts as
 * relevant, and how every model is scored on the same users over the same FULL catalogue (no
 * sampled negatives, no filtering of previously bought items), with bootstrap intervals and a
 * paired comparison of each model against the best baseline.
 */
import type { EventType, InteractionEvent } from '../data/schema.js';
import { DataError, InvalidArgumentError, WorkbenchError } from '../errors.js';
import type { Ranker } from '../models/ranker.js';
import { bootstrapMeanCI, DEFAULT_BOOTSTRAP_SEED, type Interval, pairedBootstrap } from './bootstrap.js';
import { relevantRanks, topKIndices } from './ranking.js';
import {
  aucFromPositions,
  averagePrecisionFromPositions,
  hitRateFromPositions,
  ndcgFromPositions,
  type RelevantPositions,
  recallFromPositions,
  reciprocalRankFromPositions,
} from './ranking-metrics.js';
import { applyMask, type EvalCase, type Exclusions, prepareCases, scoreCase } from './scoring.js';

export type { EvalCase, Exclusions } from './scoring.js';

/** The metric every comparison and tuning decision is made on. */
export const PRIMARY_METRIC = 'ndcg@10';
/** Cut-offs used when none are given (10 is always included: it is the primary metric's). */
export const DEFAULT_KS: readonly number[] = [5, 10, 20];

/** Options of {@link buildEvalCases}. */
export interface BuildEvalCasesOptions {
  /** Event types that make an item relevant (default ['purchase']). */
  relevantTypes?: EventType[];
  /**
   * Refuse history events at or after the window's first event (default true): a temporal split
   * whose history reaches into the test window leaks the answer into the features.
   */
  requireTemporalOrder?: boolean;
}

/**
 * The test users of a window and what they bought in it. Test users have at least one event (any
 * type) in `history` and at least one relevant event in `window`; relevant = every distinct item
 * of their relevant events in the window, including items they had bought before (repeat
 * purchases count). Cases are sorted by user id; relevant items are in first-event order.
 * @throws DataError when a history event is not before the window (see `requireTemporalOrder`).
 */
export function buildEvalCases(
  history: readonly InteractionEvent[],
  window: readonly InteractionEvent[],
  opts: BuildEvalCasesOptions = {},
): EvalCase[] {
  const types = new Set<EventType>(opts.relevantTypes ?? ['purchase']);
  if (types.size === 0) throw new InvalidArgumentError('relevantTypes is empty: nothing would count as relevant');
  if ((opts.requireTemporalOrder ?? true) && history.length > 0 && window.length > 0) {
    let first = window[0];
    for (const e of window) if (e.ts < first.ts) first = e;
    for (const e of history) {
      if (e.ts >= first.ts) {
        throw new DataError(
          `history event of user "${e.userId}" on item "${e.itemId}" at ${new Date(e.ts).toISOString()} is not before the test window's first event at ${new Date(first.ts).toISOString()}; split the data in time (or pass requireTemporalOrder: false)`,
          { field: 'ts' },
        );
      }
    }
  }
  const known = new Set<string>();
  for (const e of history) known.add(e.userId);
  // Stable time order so "first bought" is well defined even if the window is not sorted.
  const ordered = window.map((e, i) => ({ e, i })).sort((a, b) => a.e.ts - b.e.ts || a.i - b.i);
  const bought = new Map<string, Set<string>>();
  for (const { e } of ordered) {
    if (!types.has(e.type) || !known.has(e.userId)) continue;
    const items = bought.get(e.userId) ?? new Set<string>();
    items.add(e.itemId);
    bought.set(e.userId, items);
  }
  return Array.from(bought, ([userId, items]) => ({ userId, relevant: Array.from(items) })).sort((a, b) =>
    a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0,
  );
}

/**
 * A protocol description in the report's house style, e.g. "temporal: train < 2011-11-09, test
 * [2011-11-09, 2011-12-10); users with history and >=1 purchase in test; ...".
 * @param window - test window bounds, epoch ms, [start, end).
 */
export function temporalProtocol(window: { start: number; end: number }, relevantTypes: readonly EventType[] = ['purchase']): string {
  const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);
  const what = relevantTypes.join('/');
  return (
    `temporal: train < ${day(window.start)}, test [${day(window.start)}, ${day(window.end)}); ` +
    `users with history and >=1 ${what} in test; relevant = all items with a ${what} in test incl. repeats; full-catalogue ranking`
  );
}

/** One model's results. */
export interface ModelResult {
  name: string;
  /** Named in `baselineNames`. */
  baseline: boolean;
  /** Users evaluated (the same for every model). */
  users: number;
  /** Mean over users and its bootstrap interval, by metric name (e.g. "ndcg@10", "mrr", "auc"). */
  metrics: Record<string, Interval>;
  /** Catalogue coverage by cut-off, e.g. { "coverage@10": 0.31 }. */
  coverage: Record<string, number>;
  /** Wall time of scoring one user's full catalogue, mean in milliseconds (not deterministic). */
  msPerUser: number;
}

/** A non-baseline model held against the best baseline on the primary metric (paired bootstrap). */
export interface ModelComparison {
  model: string;
  baseline: string;
  metric: string;
  modelMean: number;
  baselineMean: number;
  /** Relative lift in % and its interval; null when the baseline's mean is 0. */
  liftPercent: Interval | null;
  /** Mean per-user difference (model - baseline) and its interval. */
  diff: Interval;
  /** Share of resamples where the model did not beat the baseline (one-sided p-value). */
  pValue: number;
}

/** The evaluation report; it is plain JSON (the JSON form of a report is this object). */
export interface EvalReport {
  /** What was evaluated how: windows and rules. */
  protocol: string;
  catalogueSize: number;
  /** Users evaluated. */
  users: number;
  ks: number[];
  /** Metric names in display order. */
  metricNames: string[];
  bootstrap: { resamples: number; seed: number; level: number };
  /** Baseline model names, as given. */
  baselines: string[];
  /** The baseline with the highest mean on the primary metric, or null without baselines. */
  bestBaseline: string | null;
  models: ModelResult[];
  comparisons: ModelComparison[];
  excluded: Exclusions;
  /** What the reader should know that the table cannot say: degenerate sessions, a low repeat rate, a baseline skipped or meaningless, and why. */
  notes?: string[];
}

/** Options of {@link evaluateRankers}. */
export interface EvaluateOptions {
  rankers: Ranker[];
  cases: readonly EvalCase[];
  catalogue: readonly string[];
  /** Cut-offs (default 5, 10, 20; 10 is always added). */
  ks?: number[];
  bootstrap?: { resamples: number; seed: number };
  /** Description of windows and rules, copied into the report. */
  protocol: string;
  /** Names of the baseline rankers; every other model is compared with the best of them. */
  baselineNames?: string[];
  /** Called after each user of each model (done of total scorings). */
  onProgress?: (done: number, total: number) => void;
}

/** Metric names for cut-offs `ks`, grouped by metric: ndcg@k..., map@k..., recall@k..., hitrate@k..., mrr, auc. */
export function metricNamesFor(ks: readonly number[]): string[] {
  const names: string[] = [];
  for (const m of ['ndcg', 'map', 'recall', 'hitrate']) for (const k of ks) names.push(`${m}@${k}`);
  names.push('mrr', 'auc');
  return names;
}

function resolveKs(ks: readonly number[] | undefined): number[] {
  const given = ks ?? DEFAULT_KS;
  for (const k of given) if (!Number.isInteger(k) || k < 1) throw new InvalidArgumentError(`ks: ${k} is not a positive integer`);
  return Array.from(new Set([...given, 10])).sort((a, b) => a - b);
}

function userMetrics(p: RelevantPositions, ks: readonly number[], out: Float64Array[], user: number): void {
  let m = 0;
  for (const k of ks) out[m++][user] = ndcgFromPositions(p, k);
  for (const k of ks) out[m++][user] = averagePrecisionFromPositions(p, k);
  for (const k of ks) out[m++][user] = recallFromPositions(p, k);
  for (const k of ks) out[m++][user] = hitRateFromPositions(p, k);
  out[m++][user] = reciprocalRankFromPositions(p);
  out[m][user] = aucFromPositions(p);
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Scores every case with every ranker over the full catalogue and summarises: per model and metric
 * the mean with its bootstrap interval, coverage@k, users, and the paired comparison of each
 * non-baseline model against the best baseline on NDCG@10. Rankers are not disposed.
 * @throws WorkbenchError naming the ranker when one throws, returns the wrong number of scores or a
 * non-finite score; and on bad options (no rankers, repeated names, unknown baseline, no users).
 */
export async function evaluateRankers(opts: EvaluateOptions): Promise<EvalReport> {
  const { rankers, catalogue } = opts;
  if (rankers.length === 0) throw new InvalidArgumentError('evaluateRankers: no rankers given');
  const names = new Set<string>();
  for (const r of rankers) {
    if (names.has(r.name)) throw new InvalidArgumentError(`two rankers are named "${r.name}"; names key the report`);
    names.add(r.name);
  }
  const baselines = opts.baselineNames ?? [];
  for (const b of baselines) {
    if (!names.has(b)) throw new InvalidArgumentError(`baseline "${b}" is not among the rankers (${[...names].join(', ')})`);
  }
  const ks = resolveKs(opts.ks);
  const kMax = ks[ks.length - 1];
  const metricNames = metricNamesFor(ks);
  const boot = { resamples: opts.bootstrap?.resamples ?? 1000, seed: opts.bootstrap?.seed ?? DEFAULT_BOOTSTRAP_SEED, level: 0.95 };
  const prepared = prepareCases(opts.cases, catalogue);
  const users = prepared.cases.length;
  if (users === 0) {
    throw new WorkbenchError(
      'no_users',
      `no evaluable users among ${opts.cases.length} cases (excluded: ${JSON.stringify(prepared.excluded)})`,
    );
  }

  const total = rankers.length * users;
  let done = 0;
  const perUser: Float64Array[][] = [];
  const models: ModelResult[] = [];
  for (const ranker of rankers) {
    const values = metricNames.map(() => new Float64Array(users));
    const seen = ks.map(() => new Uint8Array(catalogue.length));
    let scoringMs = 0;
    for (let u = 0; u < users; u++) {
      const t0 = performance.now();
      const { scores, listLength } = applyMask(scoreCase(ranker, prepared.cases[u], catalogue), prepared.maskedIdx[u]);
      scoringMs += performance.now() - t0;
      const top = topKIndices(scores, kMax);
      ks.forEach((k, i) => {
        for (let j = 0; j < Math.min(k, top.length); j++) seen[i][top[j]] = 1;
      });
      const rel = prepared.relevantIdx[u];
      userMetrics({ ranks: relevantRanks(scores, rel), relevantCount: rel.length, listLength }, ks, values, u);
      opts.onProgress?.(++done, total);
      // Let progress output and other work through on long runs.
      if (u % 64 === 63) await nextTick();
    }
    perUser.push(values);
    const metrics: Record<string, Interval> = {};
    metricNames.forEach((m, i) => {
      metrics[m] = bootstrapMeanCI(values[i], boot);
    });
    const coverage: Record<string, number> = {};
    ks.forEach((k, i) => {
      coverage[`coverage@${k}`] = seen[i].reduce((s, x) => s + x, 0) / catalogue.length;
    });
    models.push({ name: ranker.name, baseline: baselines.includes(ranker.name), users, metrics, coverage, msPerUser: scoringMs / users });
  }

  const primary = metricNames.indexOf(PRIMARY_METRIC);
  let best = -1;
  models.forEach((m, i) => {
    if (m.baseline && (best < 0 || m.metrics[PRIMARY_METRIC].mean > models[best].metrics[PRIMARY_METRIC].mean)) best = i;
  });
  const comparisons: ModelComparison[] = [];
  if (best >= 0) {
    models.forEach((m, i) => {
      if (m.baseline) return;
      const c = pairedBootstrap(perUser[i][primary], perUser[best][primary], boot);
      comparisons.push({
        model: m.name,
        baseline: models[best].name,
        metric: PRIMARY_METRIC,
        modelMean: c.meanA,
        baselineMean: c.meanB,
        liftPercent: c.liftPercent,
        diff: c.diff,
        pValue: c.pValue,
      });
    });
  }
  return {
    protocol: opts.protocol,
    catalogueSize: catalogue.length,
    users,
    ks,
    metricNames,
    bootstrap: boot,
    baselines: [...baselines],
    bestBaseline: best >= 0 ? models[best].name : null,
    models,
    comparisons,
    excluded: prepared.excluded,
  };
}
