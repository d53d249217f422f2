/**
 * Offline, off-policy and online side by side, per arm of an experiment: the offline NDCG@10 of
 * the model version the arm serves (its manifest), the off-policy CTR estimated before the test
 * (the latest `workbench experiments ope` record of that version), and the CTR the test measured.
 * This is where the offline evaluation is held against the live result.
 */
import type { Interval } from '../eval/bootstrap.js';
import { readOpeRecord } from '../ope/records.js';
import { readManifest, resolveVersion } from '../registry/load-version.js';
import type { Experiment } from './assignment.js';
import type { ExperimentReport, RateEstimate } from './experiment-report.js';

/** One arm's three numbers. */
export interface ArmSummary {
  variant: string;
  version: number | null;
  kind: string | null;
  /** Offline NDCG@10 on the version's test window (null when unknown). */
  offlineNdcg10: number | null;
  /** The off-policy CTR estimate (DR, else SNIPS) recorded for this version, and when. */
  ope: ArmOpe | null;
  /** Online CTR measured by the experiment. */
  online: RateEstimate | null;
  /** Whether the online CTR lies in the off-policy interval. */
  covered: boolean | null;
}

/** An arm's recorded off-policy CTR estimate. */
export interface ArmOpe {
  /** When the estimate was made (ISO 8601). */
  at: string;
  /**
   * Whether it was made before the test's first impression (null: the test's start is unknown).
   * An estimate made later may have seen the test's own traffic, so it predicts nothing.
   */
  beforeTest: boolean | null;
  estimator: 'dr' | 'snips';
  ctr: Interval;
  requests: number;
}

/**
 * The latest `experiments ope` record of `name@version` for the event log `eventsDir`, if any.
 * @param testStart - the test's first impression (epoch ms), to say whether the estimate came before it.
 */
export async function recordedOpe(eventsDir: string, name: string, version: number, testStart?: number): Promise<ArmOpe | null> {
  const rec = await readOpeRecord(eventsDir, name, version);
  if (!rec) return null;
  const estimator = rec.report.ctr.dr ? 'dr' : 'snips';
  const beforeTest = testStart === undefined ? null : Date.parse(rec.at) < testStart;
  return { at: rec.at, beforeTest, estimator, ctr: rec.report.ctr.dr ?? rec.report.ctr.snips, requests: rec.report.requests };
}

/**
 * Per arm summaries (versions as the aliases name them now).
 * @param where.testStart - the test's first impression (epoch ms), when known.
 */
export async function armSummaries(
  experiment: Experiment,
  report: ExperimentReport,
  where: { modelsDir: string; eventsDir: string; testStart?: number },
): Promise<ArmSummary[]> {
  const out: ArmSummary[] = [];
  for (const v of experiment.variants) {
    const name = experiment.model;
    let version: number | null = null;
    let kind: string | null = null;
    let offlineNdcg10: number | null = null;
    let ope: ArmSummary['ope'] = null;
    if (name) {
      try {
        version = await resolveVersion(where.modelsDir, name, v.version ?? { alias: v.alias ?? 'champion' });
        const manifest = await readManifest(where.modelsDir, name, version);
        kind = manifest.kind;
        const m = (manifest.metrics as { model?: Record<string, number> | null }).model;
        offlineNdcg10 = typeof m?.['ndcg@10'] === 'number' ? m['ndcg@10'] : null;
        ope = await recordedOpe(where.eventsDir, name, version, where.testStart);
      } catch {
        // A variant whose version is gone still has its online result.
      }
    }
    const online = report.variants.find((x) => x.name === v.name)?.ctr ?? null;
    const covered = ope && online && online.value !== null ? online.value >= ope.ctr.lo && online.value <= ope.ctr.hi : null;
    out.push({ variant: v.name, version, kind, offlineNdcg10, ope, online, covered });
  }
  return out;
}

const pct = (x: number) => `${(x * 100).toFixed(2)}%`;

/** The arms as a text table. */
export function armsToText(arms: readonly ArmSummary[]): string {
  const lines = ['Offline, off-policy (before the test) and online, per arm:'];
  for (const a of arms) {
    const offline = a.offlineNdcg10 === null ? '-' : a.offlineNdcg10.toFixed(4);
    const ope = a.ope
      ? `${pct(a.ope.ctr.mean)} [${pct(a.ope.ctr.lo)}, ${pct(a.ope.ctr.hi)}] (${a.ope.estimator}, ${a.ope.at.slice(0, 16)}${a.ope.beforeTest === false ? ', AFTER the test began' : ''})`
      : '-';
    const online =
      a.online?.value != null ? `${pct(a.online.value)}${a.covered === null ? '' : a.covered ? ' (inside)' : ' (outside)'}` : '-';
    const model = a.version === null ? '' : ` v${a.version}${a.kind ? ` ${a.kind}` : ''}`;
    lines.push(`  ${`${a.variant}${model}`.padEnd(28)} NDCG@10 ${offline.padEnd(8)} OPE CTR ${ope.padEnd(48)} online CTR ${online}`);
  }
  return lines.join('\n');
}
