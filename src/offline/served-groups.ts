/**
 * Training from served features (`workbench pipeline run --train-from served|both`): every logged
 * request whose impressions carry the feature vectors the service scored them with becomes one
 * training group, the logged vectors as inputs and what the user did with each shown item as its
 * label (purchase and click strengths, 0 when shown and ignored). Before anything trains on them,
 * the vectors are recomputed by the version that served them on the user state it had then
 * (src/ope/served-features.ts) and must be equal: a difference means training would learn from
 * inputs the feature code does not produce, so the run stops and names the first differences.
 */
import { EVENT_STRENGTH, type InteractionEvent } from '../data/schema.js';
import { WorkbenchError } from '../errors.js';
import { type LoggedRequest, loggedRequests } from '../ope/logged-requests.js';
import { checkServedFeatures, type ServedFeatureCheck } from '../ope/served-features.js';

/** Where training data comes from: features recomputed from the log, the served vectors, or both. */
export type TrainFrom = 'recomputed' | 'served' | 'both';
export const TRAIN_FROM: readonly TrainFrom[] = ['recomputed', 'served', 'both'];

/** One served request as a training group: raw (unnormalised) rows, row-major. */
export interface ServedGroup {
  requestId: string;
  userId: string;
  ts: number;
  rows: Float32Array;
  labels: Float32Array;
}

/** Served groups and the feature names of their vectors (training normalises and checks them). */
export interface ServedGroups {
  names: readonly string[];
  groups: ServedGroup[];
  /** Use only these groups (`served`), or add them to the label-window groups (`both`). */
  only: boolean;
}

/** What the served log held and what the check found (kept in the run record). */
export interface ServedFeaturesReport {
  /** Requests of this model in the range whose every impression carries a feature vector. */
  requests: number;
  /** Of those, requests without a click or purchase, or where every shown item was chosen (no pair to learn from). */
  withoutPairs: number;
  groups: number;
  /** The consistency check per serving version. */
  checks: ServedFeatureCheck[];
  /** Vectors that differ from the recomputed ones, over every version. */
  mismatched: number;
  vectors: number;
}

const versionOf = (policy: string | undefined, name: string): number | undefined => {
  const m = policy === undefined ? null : /^(.+)@(\d+)(?: |$)/.exec(policy);
  return m && m[1] === name ? Number(m[2]) : undefined;
};

/**
 * The served requests of model `name` logged in `[since, until)`, checked against the feature
 * code, as training groups.
 * @param events - the whole event log (the check replays it into point-in-time user state).
 * @throws WorkbenchError `no_features` when no such request carries feature vectors (feature logging off).
 */
export async function servedGroups(
  where: { modelsDir: string; name: string; stateDir?: string },
  events: readonly InteractionEvent[],
  range: { since: number | null; until: number },
): Promise<{ groups: ServedGroup[]; names: readonly string[]; report: ServedFeaturesReport }> {
  const inRange = (r: LoggedRequest) => r.ts >= (range.since ?? Number.NEGATIVE_INFINITY) && r.ts < range.until;
  const requests = loggedRequests(events).all.filter(
    (r) => inRange(r) && versionOf(r.policy, where.name) !== undefined && r.slots.length > 0 && r.slots.every((s) => s.features),
  );
  if (requests.length === 0) {
    throw new WorkbenchError(
      'no_features',
      `no impression of model "${where.name}" logged since ${range.since === null ? 'the beginning' : new Date(range.since).toISOString()} carries a feature vector: serve it with "logFeatures" (a sample rate) in the experiment file to train from served features`,
    );
  }
  const versions = [...new Set(requests.map((r) => versionOf(r.policy, where.name) as number))].sort((a, b) => a - b);
  const checks: ServedFeaturesReport['checks'] = [];
  let names: readonly string[] | undefined;
  for (const version of versions) {
    const check = await checkServedFeatures({ ...where, version }, events);
    checks.push(check);
    if (names && check.names.join() !== names.join()) {
      throw new WorkbenchError(
        'feature_mismatch',
        `versions ${versions.join(', ')} of "${where.name}" served different features (${names.length} and ${check.names.length} names): train from one version's logs (--since)`,
      );
    }
    names = check.names;
  }
  const groups: ServedGroup[] = [];
  let withoutPairs = 0;
  for (const r of requests) {
    const labels = Float32Array.from(r.slots, (s) => (s.purchased ? EVENT_STRENGTH.purchase : s.clicked ? EVENT_STRENGTH.click : 0));
    const positives = labels.filter((x) => x > 0).length;
    if (positives === 0 || positives === labels.length) {
      withoutPairs++;
      continue;
    }
    groups.push({
      requestId: r.requestId,
      userId: r.userId,
      ts: r.ts,
      rows: Float32Array.from(r.slots.flatMap((s) => s.features as number[])),
      labels,
    });
  }
  const report: ServedFeaturesReport = {
    requests: requests.length,
    withoutPairs,
    groups: groups.length,
    checks,
    mismatched: checks.reduce((n, c) => n + c.mismatched, 0),
    vectors: checks.reduce((n, c) => n + c.vectors, 0),
  };
  return { groups, names: names ?? [], report };
}

/** The run-stopping error of a check that found differences, naming the first few. */
export function servedFeaturesDiffer(name: string, report: ServedFeaturesReport): WorkbenchError {
  const examples = report.checks
    .flatMap((c) => c.examples.map((x) => ({ ...x, version: c.version })))
    .slice(0, 5)
    .map((x) => `request ${x.requestId} item ${x.itemId} (v${x.version}): ${x.feature} logged ${x.logged}, recomputed ${x.recomputed}`);
  const notes = [...new Set(report.checks.flatMap((c) => c.notes))];
  return new WorkbenchError(
    'served_features_differ',
    `${report.mismatched} of ${report.vectors} logged feature vectors of "${name}" differ from what the feature code recomputes for the same requests; not training on them. First: ${examples.join('; ')}${notes.length ? ` (note: ${notes.join('; ')})` : ''}`,
  );
}
