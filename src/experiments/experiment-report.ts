/**
 * The experiment report: per-variant KPIs with intervals, every variant compared with the control
 * (the first variant), the sample-ratio-mismatch check and warnings. JSON-serialisable (undefined
 * statistics are null), so the CLI prints it and the service returns it at GET /v1/experiments/{id}.
 *
 * Which test answers what:
 * - CTR and cart/purchase per impression: the delta method with users as clusters is the primary
 *   comparison (users are what was randomised); the pooled two-proportion test over impressions is
 *   shown beside it for reference and is optimistic when users see several recommendations.
 * - Per-user conversion (share of users with a click / cart / purchase): users are independent,
 *   so the two-proportion test with Newcombe's interval is the right one.
 */
import { errorMessage, InvalidArgumentError } from '../errors.js';
import { deltaCompare, deltaRatio, type SrmResult, sampleRatioMismatch, twoProportionTest, wilsonInterval } from './ab-statistics.js';
import type { Experiment } from './assignment.js';
import { checkConfigDrift, defaultStateFile } from './config.js';
import { computeKpis, emptyVariantKpis, type FeedbackType, type KpiQuality, type KpiResult, type VariantKpis } from './kpi.js';

export { reportToText } from './report-text.js';

/** A rate with its interval; null when nothing was observed. */
export interface RateEstimate {
  value: number | null;
  lower: number | null;
  upper: number | null;
}

/** One variant's KPIs. */
export interface VariantReport {
  name: string;
  /** Configured share of traffic (null when unknown, e.g. a client-side tally without config). */
  share: number | null;
  /** What the variant serves ("alias champion", "version 3"), when configured. */
  target: string | null;
  users: number;
  requests: number;
  impressions: number;
  clicks: number;
  clickEvents: number;
  carts: number;
  purchases: number;
  /** Clicked impressions / impressions, Wilson interval (impressions as independent trials). */
  ctr: RateEstimate;
  /** Same CTR, delta-method interval with users as clusters (the one to trust). */
  ctrClustered: RateEstimate;
  /** Carted / purchased impressions per impression (delta-method interval). */
  cartPerImpression: RateEstimate;
  purchasePerImpression: RateEstimate;
  /** Share of users with at least one click / cart / purchase (Wilson interval). */
  clickConversion: RateEstimate;
  cartConversion: RateEstimate;
  purchaseConversion: RateEstimate;
  byPosition: { position: number; impressions: number; clicks: number; ctr: RateEstimate }[];
}

/** Names of the compared metrics. */
export type MetricName =
  | 'ctr'
  | 'cart_per_impression'
  | 'purchase_per_impression'
  | 'click_conversion'
  | 'cart_conversion'
  | 'purchase_conversion';

/** One metric of one variant against the control. */
export interface MetricComparison {
  metric: MetricName;
  /** 'delta' (user-clustered ratio) or 'two-proportion' (pooled z-test, Newcombe interval). */
  method: 'delta' | 'two-proportion';
  /** The independent unit the test assumes. */
  unit: 'user' | 'impression';
  control: number | null;
  treatment: number | null;
  /** treatment - control, with its interval. */
  difference: number | null;
  lower: number | null;
  upper: number | null;
  /** treatment / control - 1. */
  relativeLift: number | null;
  z: number | null;
  pValue: number | null;
  /** pValue < 1 - confidence. */
  significant: boolean;
}

/** A variant compared with the control. */
export interface VariantComparison {
  variant: string;
  control: string;
  metrics: MetricComparison[];
}

/** The SRM check, by variant name. */
export interface SrmReport extends Omit<SrmResult, 'observed' | 'expected'> {
  observed: Record<string, number>;
  expected: Record<string, number>;
}

/** The whole report. */
export interface ExperimentReport {
  experimentId: string;
  generatedAt: string;
  source: { kind: 'event-log'; eventsDir: string } | { kind: 'client-tally' };
  window: { since: string | null; until: string | null };
  confidence: number;
  control: string;
  variants: VariantReport[];
  comparisons: VariantComparison[];
  /** null when weights are unknown or fewer than 2 variants. */
  srm: SrmReport | null;
  quality: KpiQuality;
  warnings: string[];
}

/** What a report is about: the experiment's variants in order (control first). */
export interface ReportSpec {
  id: string;
  variants: { name: string; weight?: number; target?: string }[];
}

/** Options shared by report builders. */
export interface ReportOptions {
  since?: number;
  until?: number;
  /** Confidence level of every interval (default 0.95). */
  confidence?: number;
  /** SRM p-value threshold (default 0.001). */
  srmThreshold?: number;
  now?: number;
}

const fin = (x: number): number | null => (Number.isFinite(x) ? x : null);
const rate = (i: { estimate: number; lower: number; upper: number }): RateEstimate => ({
  value: fin(i.estimate),
  lower: fin(i.lower),
  upper: fin(i.upper),
});

/** The fields a test result shares, whichever test made it. */
type TestResult = Record<'control' | 'treatment' | 'difference' | 'lower' | 'upper' | 'relativeLift' | 'z' | 'pValue', number>;

/** One metric's comparison from a test's result (non-finite figures become null). */
function comparisonOf(
  metric: MetricName,
  method: MetricComparison['method'],
  unit: MetricComparison['unit'],
  r: TestResult,
  alpha: number,
): MetricComparison {
  return {
    metric,
    method,
    unit,
    control: fin(r.control),
    treatment: fin(r.treatment),
    difference: fin(r.difference),
    lower: fin(r.lower),
    upper: fin(r.upper),
    relativeLift: fin(r.relativeLift),
    z: fin(r.z),
    pValue: fin(r.pValue),
    significant: r.pValue < alpha,
  };
}

function variantReport(k: VariantKpis, share: number | null, target: string | null, confidence: number): VariantReport {
  const delta = (t: FeedbackType) => rate(deltaRatio(k.moments[t], confidence));
  return {
    name: k.variant,
    share,
    target,
    users: k.users,
    requests: k.requests,
    impressions: k.impressions,
    clicks: k.clicks,
    clickEvents: k.clickEvents,
    carts: k.carts,
    purchases: k.purchases,
    ctr: rate(wilsonInterval(k.clicks, k.impressions, confidence)),
    ctrClustered: delta('click'),
    cartPerImpression: delta('cart'),
    purchasePerImpression: delta('purchase'),
    clickConversion: rate(wilsonInterval(k.clickUsers, k.users, confidence)),
    cartConversion: rate(wilsonInterval(k.cartUsers, k.users, confidence)),
    purchaseConversion: rate(wilsonInterval(k.purchaseUsers, k.users, confidence)),
    byPosition: k.byPosition.map((p) => ({ ...p, ctr: rate(wilsonInterval(p.clicks, p.impressions, confidence)) })),
  };
}

function compare(c: VariantKpis, t: VariantKpis, confidence: number): MetricComparison[] {
  const alpha = 1 - confidence;
  const out: MetricComparison[] = [];
  const byDelta = (metric: MetricName, type: FeedbackType) => {
    out.push(comparisonOf(metric, 'delta', 'user', deltaCompare(c.moments[type], t.moments[type], confidence), alpha));
  };
  const byProportion = (metric: MetricName, unit: 'user' | 'impression', xc: number, nc: number, xt: number, nt: number) => {
    out.push(comparisonOf(metric, 'two-proportion', unit, twoProportionTest(xc, nc, xt, nt, confidence), alpha));
  };
  byDelta('ctr', 'click');
  byProportion('ctr', 'impression', c.clicks, c.impressions, t.clicks, t.impressions);
  byDelta('cart_per_impression', 'cart');
  byDelta('purchase_per_impression', 'purchase');
  byProportion('click_conversion', 'user', c.clickUsers, c.users, t.clickUsers, t.users);
  byProportion('cart_conversion', 'user', c.cartUsers, c.users, t.cartUsers, t.users);
  byProportion('purchase_conversion', 'user', c.purchaseUsers, c.users, t.purchaseUsers, t.users);
  return out;
}

function qualityWarnings(q: KpiQuality): string[] {
  const w: string[] = [];
  const skipped = q.log.malformed + q.log.invalid;
  if (skipped > 0) {
    const eg = q.log.examples[0];
    w.push(
      `${skipped} event-log lines were skipped (${q.log.malformed} malformed, ${q.log.invalid} not valid events)${eg ? `, e.g. ${eg.file}:${eg.line} ${eg.detail}` : ''}`,
    );
  }
  if (q.impressionsWithoutPosition > 0)
    w.push(`${q.impressionsWithoutPosition} impressions have no position (left out of CTR by position)`);
  if (q.usersInSeveralVariants > 0)
    w.push(`${q.usersInSeveralVariants} users were seen in more than one variant (assignment changed or is not sticky)`);
  if (q.inconsistentRequests > 0) w.push(`${q.inconsistentRequests} requests have impressions with different variants or users`);
  const orphans = q.orphans.click + q.orphans.cart + q.orphans.purchase;
  if (orphans > 0) {
    w.push(
      `${orphans} feedback events name a requestId/itemId with no logged impression (click ${q.orphans.click}, cart ${q.orphans.cart}, purchase ${q.orphans.purchase}); not attributed`,
    );
  }
  if (q.variantMismatches > 0)
    w.push(`${q.variantMismatches} feedback events posted a variant different from their request's; the request's variant was used`);
  if (q.userMismatches > 0) w.push(`${q.userMismatches} feedback events came from a different user than their request's`);
  if (q.impressionsWithoutRequest > 0) w.push(`${q.impressionsWithoutRequest} impressions have no requestId and cannot be attributed`);
  const others = Object.entries(q.otherVariants);
  if (others.length)
    w.push(`impressions of variants outside this experiment were ignored: ${others.map(([n, c]) => `${n} (${c})`).join(', ')}`);
  return w;
}

/**
 * Builds the report from KPIs (from the event log or a client-side tally).
 * @param spec - variant order decides the control (the first); weights enable the SRM check.
 */
export function reportFromKpis(
  kpis: KpiResult,
  spec: ReportSpec,
  opts: ReportOptions & { source?: ExperimentReport['source']; warnings?: string[] } = {},
): ExperimentReport {
  if (spec.variants.length === 0) throw new InvalidArgumentError(`experiment "${spec.id}" has no variants to report`);
  const confidence = opts.confidence ?? 0.95;
  const byName = new Map(kpis.variants.map((v) => [v.variant, v]));
  const known = spec.variants.every((v) => v.weight !== undefined && v.weight > 0);
  const total = known ? spec.variants.reduce((s, v) => s + (v.weight ?? 0), 0) : 0;
  const kOf = (name: string) => byName.get(name) ?? emptyVariantKpis(name);
  const variants = spec.variants.map((v) =>
    variantReport(kOf(v.name), known ? (v.weight ?? 0) / total : null, v.target ?? null, confidence),
  );
  const warnings: string[] = [...(opts.warnings ?? [])];
  const [control, ...rest] = spec.variants;
  const comparisons = rest.map((v) => ({
    variant: v.name,
    control: control.name,
    metrics: compare(kOf(control.name), kOf(v.name), confidence),
  }));

  let srm: SrmReport | null = null;
  if (known && spec.variants.length >= 2) {
    const r = sampleRatioMismatch(
      spec.variants.map((v) => kOf(v.name).users),
      spec.variants.map((v) => v.weight ?? 0),
      opts.srmThreshold ?? 0.001,
    );
    srm = {
      ...r,
      observed: Object.fromEntries(spec.variants.map((v, i) => [v.name, r.observed[i]])),
      expected: Object.fromEntries(spec.variants.map((v, i) => [v.name, r.expected[i]])),
    };
    if (r.mismatch) {
      const obs = spec.variants.map((v, i) => `${v.name} ${r.observed[i]} (expected ${r.expected[i].toFixed(0)})`).join(', ');
      warnings.unshift(
        `SAMPLE RATIO MISMATCH: users per variant ${obs}, chi-square ${r.chiSquare.toFixed(2)}, p=${r.pValue.toExponential(2)} < ${r.threshold}: assignment or logging is broken; do not trust the comparisons`,
      );
    }
  }
  for (const v of variants) if (v.impressions === 0) warnings.push(`variant ${v.name} has no impressions yet`);
  warnings.push(...qualityWarnings(kpis.quality));
  const iso = (t: number | undefined) => (t === undefined ? null : new Date(t).toISOString());
  return {
    experimentId: spec.id,
    generatedAt: new Date(opts.now ?? Date.now()).toISOString(),
    source: opts.source ?? { kind: 'client-tally' },
    window: { since: iso(opts.since), until: iso(opts.until) },
    confidence,
    control: control.name,
    variants,
    comparisons,
    srm,
    quality: kpis.quality,
    warnings,
  };
}

/** The spec of a configured experiment (variant order, weights, targets). */
export function specOf(experiment: Experiment): ReportSpec {
  return {
    id: experiment.id,
    variants: experiment.variants.map((v) => ({
      name: v.name,
      weight: v.weight,
      target: v.alias !== undefined ? `alias ${v.alias}` : `version ${v.version}`,
    })),
  };
}

/**
 * The report of a configured experiment, computed from the event log through DuckDB.
 * Also checks config drift against the first-seen config (state file next to the log, see
 * config.ts; pass `stateFile: false` to skip, e.g. on a read-only disk).
 */
export async function experimentReport(
  eventsDir: string,
  experiment: Experiment,
  opts: ReportOptions & { stateFile?: string | false } = {},
): Promise<ExperimentReport> {
  const kpis = await computeKpis(eventsDir, { variants: experiment.variants.map((v) => v.name), since: opts.since, until: opts.until });
  const warnings: string[] = [];
  if (opts.stateFile !== false) {
    const file = opts.stateFile ?? defaultStateFile(eventsDir, experiment.id);
    try {
      warnings.push(...(await checkConfigDrift(experiment, file, { now: opts.now })));
    } catch (err) {
      warnings.push(`could not check config drift: ${errorMessage(err)}`);
    }
  }
  return reportFromKpis(kpis, specOf(experiment), { ...opts, warnings, source: { kind: 'event-log', eventsDir } });
}
