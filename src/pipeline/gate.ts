/**
 * The promotion gate: the current champion is scored on the SAME test cases and catalogue as the
 * candidate (its ranker is rebuilt over the run's test FeatureStore), and the candidate passes only
 * if `candidate >= champion * (1 + minImprovement)` on the gate metric.
 */

import { errorMessage, UsageError } from '../errors.js';
import { DEFAULT_KS, metricNamesFor } from '../eval/protocol.js';
import { type FeatureContract, featureContractSchema, type TableFeatureStore } from '../features/index.js';
import type { tf } from '../models/backend.js';
import { LTR_KIND } from '../models/ltr/index.js';
import type { Ranker } from '../models/ranker.js';
import { readAliases } from '../registry/aliases-store.js';
import { listVersions, loadVersion } from '../registry/load-version.js';
import { rankerFromVersion } from '../serving/servable-factory.js';
import type { GateDecision } from './run-record.js';

/** The name the champion carries in the run's evaluation report. */
export const CHAMPION_RANKER = 'champion';

/** Metrics the gate can use (the evaluation report's names). */
export const GATE_METRICS: readonly string[] = metricNamesFor(DEFAULT_KS);

/** Checks a gate metric name; UsageError naming the choices otherwise. */
export function checkGateMetric(metric: string): string {
  if (!GATE_METRICS.includes(metric)) throw new UsageError(`gate metric "${metric}" is not one of ${GATE_METRICS.join(', ')}`);
  return metric;
}

/** The champion as the gate found it. */
export interface ChampionStatus {
  /** Its version, when the model has a champion alias. */
  version: number | null;
  kind?: string;
  /** Whether it could be scored on the run's test cases. */
  comparable: boolean;
  /** Why not (an LTR contract with other features, a corrupt version...). */
  note?: string;
}

/**
 * Loads the champion of `name` and builds its ranker over `store` (named {@link CHAMPION_RANKER}).
 * A champion that cannot be compared (missing, unreadable, other feature names) gives no ranker
 * and a status that says why; it never fails the run.
 */
export async function championRanker(
  modelsDir: string,
  name: string,
  store: TableFeatureStore,
): Promise<{ ranker?: Ranker; status: ChampionStatus }> {
  if ((await listVersions(modelsDir, name)).length === 0) return { status: { version: null, comparable: false, note: 'no version yet' } };
  const version = (await readAliases(modelsDir, name)).champion;
  if (version === undefined) return { status: { version: null, comparable: false, note: 'no champion alias' } };
  let kind: string | undefined;
  try {
    const loaded = await loadVersion(modelsDir, name, version);
    kind = loaded.manifest.kind;
    const inner = await rankerFromVersion(loaded, store);
    const ranker: Ranker = { name: CHAMPION_RANKER, score: (req) => inner.score(req), dispose: () => inner.dispose() };
    return { ranker, status: { version, kind, comparable: true } };
  } catch (err) {
    const note = `champion v${version} cannot be compared on this run's features: ${errorMessage(err)}`;
    return { status: { version, kind, comparable: false, note } };
  }
}

/**
 * The champion's TF.js weights and contract, for warm-starting the next training run; undefined
 * when there is no champion, it is not a TF.js ranker, or it cannot be loaded (training starts cold).
 */
export async function championWeights(
  modelsDir: string,
  name: string,
): Promise<{ model: tf.LayersModel; contract: FeatureContract; version: number } | undefined> {
  const version = (await readAliases(modelsDir, name).catch(() => ({}) as Record<string, number>)).champion;
  if (version === undefined) return undefined;
  try {
    const loaded = await loadVersion(modelsDir, name, version);
    if (loaded.manifest.kind !== LTR_KIND) return undefined;
    const contract = featureContractSchema.parse(loaded.manifest.featureContract);
    return { model: await loaded.loadLayersModel(), contract, version };
  } catch {
    return undefined;
  }
}

const f4 = (x: number) => x.toFixed(4);

/**
 * The gate's verdict.
 * @param champion - the champion's metric on the same cases, or null when there is none to compare.
 */
export function decideGate(input: {
  metric: string;
  candidate: number;
  champion: number | null;
  championVersion: number | null;
  minImprovement: number;
  note?: string;
}): GateDecision {
  const { metric, candidate, champion, minImprovement } = input;
  const base = { metric, candidate, champion, minImprovement };
  if (champion === null) {
    const why = input.note ? ` (${input.note})` : '';
    return { ...base, promoted: true, reason: `no champion to compare with${why}: the candidate becomes champion` };
  }
  const required = champion * (1 + minImprovement);
  const rule = `champion v${input.championVersion} ${f4(champion)} x (1 + ${minImprovement}) = ${f4(required)}`;
  if (candidate >= required) return { ...base, promoted: true, reason: `candidate ${metric} ${f4(candidate)} >= ${rule}` };
  return { ...base, promoted: false, reason: `refused: candidate ${metric} ${f4(candidate)} < ${rule}; champion unchanged` };
}
