/**
 * The public facade of the workbench library: what notebooks, the pipeline and the service import.
 * Deeper modules stay importable for specialised use; this file names the supported surface.
 */

export { toDataFrame } from './data/dataframe.js';
export { Duck } from './data/duckdb.js';
export { readEventLog, scanEventLog, withEventLog } from './data/eventlog.js';
export { EventLogWriter, partitionOf } from './data/eventlog-writer.js';
export { loadEventFile } from './data/file.js';
export { DATA_SOURCES, type DataSource, type DatasetSpec, isDataSource, loadDataset } from './data/load.js';
export { type ColumnMapping, parseColumnMapping } from './data/mapping.js';
export { loadOnlineRetail } from './data/online-retail.js';
// Data: schemas, loaders, the event log, splits.
export * from './data/schema.js';
export { leaveLastNOut, splitByLastDays, temporalSplit } from './data/split.js';
export { datasetStats } from './data/stats.js';
export { generateSyntheticStore, SYNTHETIC_DEFAULTS, syntheticUserId } from './data/synthetic-store.js';
// Errors.
export * from './errors.js';
// Offline evaluation.
export * from './eval/index.js';
export { sampleRatioMismatch, twoProportionTest, wilsonInterval } from './experiments/ab-statistics.js';
// Experiments.
export { assignVariant, bucketOf, type Experiment, experimentSchema, type Variant } from './experiments/assignment.js';
export { checkConfigDrift, loadExperiment } from './experiments/config.js';
export { experimentReport } from './experiments/experiment-report.js';
export { teamDraftInterleave } from './experiments/interleaving.js';
export { reportToText } from './experiments/report-text.js';
export { simulate } from './experiments/simulator.js';
// Features.
export * from './features/index.js';
// Models: backend, the Ranker contract, model kinds, baselines, the TF.js ranker.
export { BACKEND_PREFERENCE, type BackendName, type BackendReport, initBackend, tf } from './models/backend.js';
export * from './models/baselines/index.js';
export {
  createScorerModel,
  type HeuristicKind,
  hasModelKind,
  importModelKinds,
  kindParams,
  MODEL_KINDS_ENV,
  type ModelKind,
  type ModelKindBase,
  type ModelKindFamily,
  modelKind,
  modelKinds,
  type RegisterModelKindOptions,
  registerModelKind,
  type ScorerBuild,
  type ScorerKind,
  type ScorerTrainingOptions,
  scorerRanker,
} from './models/kinds.js';
export * from './models/ltr/index.js';
export { type Ranker, type RankRequest, topK } from './models/ranker.js';
// Notebook helpers.
export { barChart, histogram, lineChart, show, showChart, showMarkdown, showTable } from './notebook/display.js';
export { reimport } from './notebook/reimport.js';
export { runNotebook } from './notebook/run.js';
export { type ProtocolWindows, protocolWindows } from './offline/protocol-windows.js';
// Training runs and the pipeline.
export {
  disposeTrainedRun,
  servingStore,
  type TrainedRun,
  type TrainedScorer,
  type TrainRunOptions,
  trainAndEvaluate,
} from './offline/train-evaluate.js';
export { publishRun } from './pipeline/publish-model.js';
export { trainAndPublish } from './pipeline/train-publish.js';
export { rollbackAlias, setAlias } from './registry/aliases.js';
export { readAliases } from './registry/aliases-store.js';
export { fileLoadHandler, fileSaveHandler, layersModelFiles } from './registry/io-handlers.js';
export { type LoadedVersion, listModels, listVersions, loadVersion } from './registry/load-version.js';
export type { Manifest } from './registry/manifest.js';
export { prune } from './registry/prune.js';
// Model directory.
export { gitCommit, publishVersion } from './registry/publish.js';
export type { PredictInstance, RecommendQuery, ScoredItem, ServableModel } from './serving/servable.js';
export { openServable, servableKinds } from './serving/servable-factory.js';
