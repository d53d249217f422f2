/**
 * Publishes a trained run as a model version of one registered kind (src/models/kinds.ts): a TF.js
 * scorer kind's model.json + weights (and its ONNX export, see src/models/scoring), or a heuristic kind's tuned knobs; the item tables built on
 * every event (with the item states its ranker or features fitted on them), warm-up requests, and a manifest with the feature contract (names, versions,
 * normalisation), the feature set, offline metrics and lineage. User state does not travel with a
 * version: it lives in the service's UserStateStore (seeded by `workbench train`).
 */
import type { Dataset } from '../data/schema.js';
import type { EvalReport } from '../eval/protocol.js';
import { featureStoreToTables, type TableFeatureStore, withNormalisation } from '../features/index.js';
import { kindParams, modelKind } from '../models/kinds.js';
import { ONNX_FILE } from '../models/scoring/onnx-export.js';
import { type OnnxScoringRecord, onnxScoring } from '../models/scoring/publish-check.js';
import { warmupRows } from '../models/scoring/warmup-rows.js';
import { describeWindows } from '../offline/protocol-windows.js';
import type { TrainedRun } from '../offline/train-evaluate.js';
import { layersModelFiles } from '../registry/io-handlers.js';
import { type PublishResult, publishVersion } from '../registry/publish.js';
import type { RecommendQuery } from '../serving/servable.js';
import { FEATURES_FILE } from '../serving/servable-factory.js';

/**
 * What to publish from a run: the name of a registered kind, i.e. one of its trained scorers
 * (`ltr-mlp`, or any scorer kind it trained) or one of its tuned baselines.
 */
export type PublishKind = string;

/** Options of `publishRun`. */
export interface PublishRunOptions {
  modelsDir: string;
  name: string;
  kind: PublishKind;
  dataset: Dataset;
  /** The store over every event (pipeline/train-model.ts `servingStore`). */
  serving: TableFeatureStore;
  /** Who produced it: a notebook and cell, a pipeline run id, or "workbench train". */
  producer: string;
  run?: { id: string; path?: string };
}

/** A few representative requests: active users, a product page, an unknown user. */
export function warmupRequests(store: TableFeatureStore, count = 4): RecommendQuery[] {
  const users = store.userIds;
  const out: RecommendQuery[] = [];
  for (let i = 0; i < Math.min(count, users.length); i++) out.push({ userId: users[Math.floor((i * users.length) / count)], k: 10 });
  if (store.itemIds.length > 0) out.push({ userId: users[0] ?? 'warmup-user', itemId: store.itemIds[0], k: 10 });
  out.push({ userId: '__warmup_unknown_user__', k: 10 });
  return out;
}

/** The offline metrics worth keeping in a manifest: each model's means and the comparisons. */
export function manifestMetrics(report: EvalReport, kind: string): Record<string, unknown> {
  const mine = report.models.find((m) => m.name === kind);
  return {
    protocol: report.protocol,
    users: report.users,
    model: mine ? Object.fromEntries(Object.entries(mine.metrics).map(([k, v]) => [k, v.mean])) : null,
    byModel: Object.fromEntries(report.models.map((m) => [m.name, m.metrics['ndcg@10']])),
    comparisons: report.comparisons,
  };
}

/** Writes the version atomically; returns the registry's result. */
export async function publishRun(run: TrainedRun, opts: PublishRunOptions): Promise<PublishResult> {
  const files: Record<string, Uint8Array | string> = {};
  let contract: object = opts.serving.contract;
  let rankerParams: Record<string, unknown> = {};
  let scoring: OnnxScoringRecord | undefined;
  // A cache of fitted item states of its own: the version carries its own ranker's, not those of
  // other versions published from the same store.
  let serving = opts.serving.withOwnItemStates();
  const kind = modelKind(opts.kind);
  if (kind.family === 'scorer') {
    const trained = run.scorers.find((s) => s.kind === kind.name);
    if (!trained) {
      const had = run.scorers.map((s) => s.kind).join(', ') || 'none (skipRanker)';
      throw new Error(`the run trained no "${kind.name}" scorer (trained: ${had}); train it with kinds: ["${kind.name}"]`);
    }
    const { normalisation } = trained.contract;
    if (normalisation) serving = withNormalisation(serving, normalisation);
    contract = trained.contract;
    Object.assign(files, await layersModelFiles(trained.model));
    // The ONNX export native serving scores with, checked against TF.js on the warm-up requests.
    const onnx = onnxScoring(trained.model, warmupRows(serving, trained.contract, warmupRequests(serving)));
    if (onnx.file) files[ONNX_FILE] = onnx.file;
    scoring = onnx.record;
    // The kind's hyper-parameters (ltr-mlp: hidden), the early stopping, and the kind's own training knobs.
    rankerParams = {
      ...trained.params,
      bestEpoch: trained.train.bestEpoch,
      epochsRun: trained.train.epochsRun,
      ...(kind.training ? { training: trained.training } : {}),
    };
  } else {
    const tuned = run.baselines.find((b) => b.kind === kind.name);
    if (!tuned) {
      const skipped = run.skipped.find((x) => x.kind === kind.name);
      throw new Error(`the run has no baseline "${kind.name}"${skipped ? `: it was skipped (${skipped.reason})` : ''}`);
    }
    rankerParams = tuned.params;
    // A kind that learns item state (item-knn, bpr) fits it on the serving store here, so the
    // version's tables carry it and serving reads it instead of refitting.
    kind.create(serving, kindParams(kind, tuned.params)).dispose();
  }
  files[FEATURES_FILE] = JSON.stringify(featureStoreToTables(serving));
  files['warmup.json'] = JSON.stringify(warmupRequests(serving), null, 2);
  const report = opts.dataset.report;
  return publishVersion(opts.modelsDir, opts.name, {
    files,
    manifest: {
      kind: opts.kind,
      featureContract: contract as Record<string, unknown>,
      // The feature set the version was trained and is served with (what `resolveContract` checks on load).
      featureSet: {
        name: typeof run.params.featureSet === 'string' ? run.params.featureSet : null,
        id: serving.contract.featureSet ?? null,
        features: serving.definitions.map((d) => ({ name: d.name, version: d.version, scope: d.scope, doc: d.doc })),
      },
      metrics: manifestMetrics(run.report, opts.kind) as Record<string, never>,
      warmup: 'warmup.json',
      rankerParams,
      ...(scoring ? { scoring: JSON.parse(JSON.stringify(scoring)) as Record<string, never> } : {}),
      run: opts.run,
      lineage: {
        data: { source: report.source, path: report.path, sha256: report.sha256 },
        split: describeWindows(run.windows),
        params: JSON.parse(JSON.stringify(run.params)) as Record<string, never>,
        seed: typeof run.params.seed === 'number' ? run.params.seed : null,
        producer: opts.producer,
        tfjsBackend: kind.family === 'scorer' ? run.tfjsBackend : null,
      },
    },
  });
}
