/**
 * What the Experiments pages show: the configs found (the service's own and `*.json` in the
 * experiments folder), and for one experiment the report of src/experiments (KPIs with
 * intervals, comparisons, SRM), its CTR per time window, and each arm's offline NDCG@10 (the
 * manifest of the version its alias names) and off-policy CTR estimate (the latest `experiments
 * ope` record of that version, with when it was made against when the test started), so the
 * online result sits beside what was predicted offline.
 */
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../../src/errors.js';
import { type ArmOpe, recordedOpe } from '../../src/experiments/arms.js';
import type { Experiment } from '../../src/experiments/assignment.js';
import { defaultStateFile, experimentStartedAt, loadExperiment } from '../../src/experiments/config.js';
import {
  type ExperimentReport,
  experimentReport,
  type RateEstimate,
  reportFromKpis,
  specOf,
} from '../../src/experiments/experiment-report.js';
import { computeKpisOverTime } from '../../src/experiments/kpi.js';
import { readAliasesFile } from '../../src/registry/aliases-store.js';
import { readManifest } from '../../src/registry/load-version.js';
import { type Estimate, versionNdcg } from './models-data.js';

/** A config found, or the file that could not be read and why. */
export type FoundExperiment = { experiment: Experiment; file: string } | { file: string; problem: string };

/** Experiments to show: `pinned` first (the service's), then every `*.json` in `dir` with another id. */
export async function findExperiments(dir: string | undefined, pinned: readonly Experiment[] = []): Promise<FoundExperiment[]> {
  const found: FoundExperiment[] = pinned.map((experiment) => ({ experiment, file: '(this service)' }));
  let files: string[] = [];
  try {
    // `<id>.state.json` is an experiment's first-seen record (when the event log sits beside this folder).
    files = dir ? (await readdir(dir)).filter((f) => f.endsWith('.json') && !f.endsWith('.state.json')).sort() : [];
  } catch {
    /* no experiments folder: only the pinned ones */
  }
  for (const f of files) {
    const file = path.join(dir as string, f);
    try {
      const experiment = await loadExperiment(file);
      if (!found.some((x) => 'experiment' in x && x.experiment.id === experiment.id)) found.push({ experiment, file });
    } catch (err) {
      found.push({ file, problem: errorMessage(err) });
    }
  }
  return found;
}

/** CTR of every variant in one time window. */
export interface CtrPoint {
  start: number;
  variant: string;
  impressions: number;
  ctr: RateEstimate;
}

/** One arm's offline result: the version its target names, that version's NDCG@10 and its recorded off-policy CTR estimate. */
export interface ArmOffline {
  variant: string;
  version: number | null;
  ndcg10?: Estimate;
  ope?: ArmOpe;
  problem?: string;
}

/** Everything the experiment page shows. */
export interface ExperimentView {
  experiment: Experiment;
  report: ExperimentReport;
  overTime: CtrPoint[];
  offline: ArmOffline[];
  /** When the test started (its config's first-seen time, epoch ms), when recorded. */
  startedAt?: number;
}

async function armOffline(
  dirs: { modelsDir: string; eventsDir: string; startedAt?: number },
  model: string | undefined,
  v: Experiment['variants'][number],
): Promise<ArmOffline> {
  const { modelsDir } = dirs;
  if (!model) return { variant: v.name, version: null, problem: 'the config names no model' };
  try {
    let version = v.version ?? null;
    if (v.alias !== undefined) {
      const aliases = await readAliasesFile(modelsDir, model);
      version = Object.hasOwn(aliases.aliases, v.alias) ? aliases.aliases[v.alias].version : null;
      if (version === null) return { variant: v.name, version: null, problem: `model ${model} has no alias ${v.alias}` };
    }
    if (version === null) return { variant: v.name, version: null, problem: 'no version' };
    const ndcg10 = versionNdcg(await readManifest(modelsDir, model, version));
    const ope = (await recordedOpe(dirs.eventsDir, model, version, dirs.startedAt)) ?? undefined;
    return { variant: v.name, version, ndcg10, ...(ope ? { ope } : {}) };
  } catch (err) {
    return { variant: v.name, version: null, problem: errorMessage(err) };
  }
}

/**
 * The experiment page's data, from the event log and the models folder.
 * @param buckets - time windows of the CTR-over-time chart.
 */
export async function experimentView(
  experiment: Experiment,
  dirs: { eventsDir: string; modelsDir: string; defaultModel?: string },
  buckets = 8,
): Promise<ExperimentView> {
  const variants = experiment.variants.map((v) => v.name);
  // Two DuckDB sessions side by side. stateFile false: looking at a report must not record a first-seen config.
  const [report, windows, startedAt] = await Promise.all([
    experimentReport(dirs.eventsDir, experiment, { stateFile: false }),
    computeKpisOverTime(dirs.eventsDir, { variants, buckets }),
    experimentStartedAt(defaultStateFile(dirs.eventsDir, experiment.id)),
  ]);
  const overTime: CtrPoint[] = windows.flatMap((w) =>
    reportFromKpis(w.kpis, specOf(experiment)).variants.map((v) => ({
      start: w.start,
      variant: v.name,
      impressions: v.impressions,
      ctr: v.ctr,
    })),
  );
  const model = experiment.model ?? dirs.defaultModel;
  const offline = await Promise.all(experiment.variants.map((v) => armOffline({ ...dirs, startedAt }, model, v)));
  return { experiment, report, overTime, offline, ...(startedAt === undefined ? {} : { startedAt }) };
}
