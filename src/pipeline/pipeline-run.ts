/**
 * One run of the continuous pipeline: base data + the events the service logged since the last
 * successful run of this model -> features -> train -> evaluate on the most recent window -> gate
 * against the champion on the same test cases -> publish (manifest linked to the run record) ->
 * aliases by policy. One run per model at a time (lock file); a failed run changes nothing in the
 * registry and its record says why.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { scanEventLog } from '../data/eventlog.js';
import { type DatasetSpec, loadDataset } from '../data/load.js';
import type { Dataset } from '../data/schema.js';
import { errorMessage, InvalidArgumentError, WorkbenchError } from '../errors.js';
import { registeredUserStates } from '../features/index.js';
import { LTR_KIND } from '../models/ltr/index.js';
import type { Ranker } from '../models/ranker.js';
import { shuffleLabelWindows } from '../offline/label-shuffle.js';
import {
  type ServedFeaturesReport,
  type ServedGroups,
  servedFeaturesDiffer,
  servedGroups,
  type TrainFrom,
} from '../offline/served-groups.js';
import { disposeTrainedRun, servingStore, type TrainedRun, type TrainRunOptions, trainAndEvaluate } from '../offline/train-evaluate.js';
import { setAlias } from '../registry/aliases.js';
import { modelDir } from '../registry/layout.js';
import { listVersions } from '../registry/load-version.js';
import { type Progress, type ProgressSink, silentSink, startProgress } from '../util/progress.js';
import { stageTimer, type TimedStage } from '../util/stage-timer.js';
import { alignmentShiftDays, type FreshEvents, mergeEvents, type PositionCtr, readFreshEvents } from './fresh-events.js';
import { CHAMPION_RANKER, type ChampionStatus, championRanker, championWeights, checkGateMetric, decideGate } from './gate.js';
import { type OpeGateDecision, type OpeGateOptions, offPolicyGate } from './ope-gate.js';
import { publishRun } from './publish-model.js';
import { acquireLock, type Lock } from './run-lock.js';
import { type GateDecision, listRunRecords, newRunId, type RunRecord, writeRunRecord } from './run-record.js';
import { seedUserState, snapshotCovers } from './seed-state.js';

/** Where new versions' aliases go: `challenger` (default) or straight to `champion`; both only past the gate. */
export type AliasPolicy = 'challenger' | 'champion';
export const ALIAS_POLICIES: readonly AliasPolicy[] = ['challenger', 'champion'];

/** Options of {@link runPipeline}. */
export interface RunPipelineOptions {
  /** The model to retrain. */
  name: string;
  modelsDir: string;
  /** Run records go to `<runsDir>/pipeline/`. */
  runsDir: string;
  /** The service's event log. */
  eventsDir: string;
  /**
   * The service's user state folder: seeded from the base data when its snapshot is missing or
   * lacks a user state the registered features keep (e.g. a newly promoted feature).
   */
  stateDir?: string;
  /** The base data (default the synthetic store); ignored when `dataset` is given. */
  data?: DatasetSpec;
  /** An already loaded base dataset (notebooks, tests, benchmarks). */
  dataset?: Dataset;
  /** Gate metric (default "ndcg@10"). */
  gateMetric?: string;
  /** Relative improvement over the champion required to pass (default 0.01 = 1%). */
  minImprovement?: number;
  policy?: AliasPolicy;
  /**
   * Off-policy gate (src/pipeline/ope-gate.ts): past the offline gate, the candidate's CTR
   * estimated from the exploring logs in `eventsDir` must not fall below the champion's by more
   * than `margin` (relative). Default off.
   */
  opeGate?: OpeGateOptions;
  training?: TrainRunOptions;
  /**
   * What the TF.js ranker learns from (default `recomputed`: label windows, features recomputed
   * from the log at each cutoff). `served` trains on the served requests logged with feature
   * vectors since the last run (their vectors, click and purchase labels), `both` on the two
   * together; the logged vectors are first recomputed by the version that served them and must be
   * equal (served-groups.ts), else the run fails naming the first differences.
   */
  trainFrom?: TrainFrom;
  /** TEST HOOK: shuffle label-window item ids (see label-shuffle.ts) so the candidate learns nothing. */
  shuffleLabels?: boolean;
  /** Start training from the champion's weights when it is a TF.js ranker (default true). */
  warmStart?: boolean;
  /** Clock (ms) for the end of the fresh-event range (default Date.now). */
  now?: () => number;
  /**
   * Train and publish even when nothing is new: no fresh training events since the last successful
   * run, on the same base data and parameters (default false: such a run is `skipped`).
   */
  force?: boolean;
  log?: (line: string) => void;
  /** Stage progress (default silent; the CLI passes stderr). */
  progress?: ProgressSink;
}

/** A pipeline run record: the registry's RunRecord plus what this pipeline measures. */
export type PipelineRunRecord = RunRecord & {
  /** Impressions and clicks of the fresh events: CTR by position, so position bias is measured. */
  positionBias?: { impressions: number; clicks: number; unmatchedClicks: number; byPosition: PositionCtr[] };
  champion?: ChampionStatus;
  /** Training from served features: what the log held, the consistency check, the groups trained on. */
  servedFeatures?: ServedFeaturesReport & { trained?: { groups: number; inValidationOrTest: number } };
  /** The off-policy gate's decision, when asked for. */
  opeGate?: OpeGateDecision;
  /** The event log read: part files, lines, malformed and invalid lines (with examples). */
  eventLog?: FreshEvents['log'];
  durationMs?: number;
  warnings: string[];
  /** The ranker's learning curve (one point per epoch: pairwise loss, validation NDCG@10) and the epoch kept. */
  learningCurve?: { epoch: number; loss: number; valid: number | null }[];
  bestEpoch?: number;
};

/** What a successful run returns. */
export interface PipelineResult {
  record: PipelineRunRecord;
  recordPath: string;
}

/** A failed run: the message says why; `record` (status failed) is already written. */
export class PipelineRunError extends WorkbenchError {
  readonly record: PipelineRunRecord;
  readonly recordPath: string;
  constructor(record: PipelineRunRecord, recordPath: string, cause: unknown) {
    const code = cause instanceof WorkbenchError ? cause.code : 'pipeline_failed';
    super(code, `pipeline run ${record.runId} for model "${record.model}" failed: ${record.error} (record ${recordPath})`, { cause });
    this.name = 'PipelineRunError';
    this.record = record;
    this.recordPath = recordPath;
  }
}

/** Stages in order, for the progress line. */
const STAGES = [
  'lock',
  'load-base',
  'load-events',
  'served-features',
  'train-evaluate',
  'gate',
  'serving-features',
  'publish',
  'aliases',
] as const;

/** Runs of this process (the lock file sees one pid: alive), so a second run here fails at once with a clear message. */
const HELD = new Set<string>();

async function takeLock(file: string, name: string): Promise<Lock> {
  const what = `the pipeline for model "${name}"`;
  if (HELD.has(file)) throw new WorkbenchError('locked', `${what} is already running in this process (lock ${file})`);
  HELD.add(file);
  try {
    const lock = await acquireLock(file, what);
    return {
      path: lock.path,
      release() {
        HELD.delete(file);
        return lock.release();
      },
    };
  } catch (err) {
    HELD.delete(file);
    throw err;
  }
}

/** The last successful run of `name`, if any. */
function lastSuccessfulRun(runsDir: string, name: string): PipelineRunRecord | undefined {
  return listRunRecords(runsDir, name)
    .records.filter((r) => r.status === 'succeeded')
    .at(-1) as PipelineRunRecord | undefined;
}

/** Start of the fresh-event range: where the last successful run of `name` stopped reading (null: from the start). */
export function lastSuccessfulUntil(runsDir: string, name: string): number | null {
  const last = lastSuccessfulRun(runsDir, name);
  return last ? Date.parse(last.newEvents.until) : null;
}

/** sha256 of what a run trains on besides fresh events: the base data (as loaded) and the parameters. */
function inputsFingerprint(record: PipelineRunRecord, spec: DatasetSpec | undefined): string {
  return createHash('sha256')
    .update(JSON.stringify({ data: record.data, spec: spec ?? null, params: record.params }))
    .digest('hex');
}

/**
 * Runs the pipeline once for model `opts.name`: lock, load the base data and the fresh events,
 * (skip when nothing is new), train and evaluate, gate, publish, move aliases.
 * @returns the succeeded run record and its path.
 * @throws PipelineRunError (record written, status failed) when any stage fails, including when
 *   another run of the same model holds the lock; UsageError for a bad gate metric or policy.
 */
export async function runPipeline(opts: RunPipelineOptions): Promise<PipelineResult> {
  const settings = checkedSettings(opts);
  const started = new Date();
  const record = newRunRecord(opts, settings, started);
  const recordPath = writeRunRecord(opts.runsDir, record);
  const fromServed = opts.trainFrom === 'served' || opts.trainFrom === 'both';
  const progress = startProgress(opts.progress ?? silentSink, `pipeline ${opts.name}`, STAGES.length - (fromServed ? 0 : 1), 'stages');
  let done = 0;
  const run: RunContext = {
    opts,
    settings,
    record,
    recordPath,
    log: opts.log ?? (() => {}),
    timed: stageTimer((timing) => {
      record.stages.push(timing);
      progress.update(++done);
    }),
  };
  let lock: Lock | undefined;
  let trained: TrainedRun | undefined;
  let createdDir: string | undefined;
  try {
    lock = await run.timed('lock', () => {
      const dir = modelDir(opts.modelsDir, opts.name);
      if (!existsSync(dir)) createdDir = dir;
      mkdirSync(dir, { recursive: true });
      return takeLock(path.join(dir, '.pipeline.lock'), opts.name);
    });
    const inputs = await loadInputs(run);
    const previous = await unchangedSince(run, inputs.fresh);
    if (previous) {
      // Retraining on exactly what the last run saw would publish a copy of it (and churn aliases).
      record.status = 'skipped';
      record.skipped = `nothing new since run ${previous.runId}: no fresh training events, same base data and parameters; not publishing (force to publish anyway)`;
      run.log(record.skipped);
      progress.finish('skipped');
      return { record: finishRecord(opts.runsDir, record, started), recordPath };
    }
    const result = await trainAndGate(run, inputs, fromServed);
    trained = result.trained;
    const published = await publishAndAlias(run, inputs, result);
    progress.finish(`v${published.version}${published.aliases.length ? ` -> ${published.aliases.join(', ')}` : ''}`);
  } catch (err) {
    record.status = 'failed';
    record.error = errorMessage(err);
    progress.finish('failed');
    finishRecord(opts.runsDir, record, started);
    throw new PipelineRunError(record, recordPath, err);
  } finally {
    disposeTrainedRun(trained);
    await lock?.release();
    if (createdDir && record.status === 'failed') removeIfEmpty(createdDir);
  }
  return { record: finishRecord(opts.runsDir, record, started), recordPath };
}

/** What every stage of one run shares. */
interface RunContext {
  opts: RunPipelineOptions;
  settings: RunSettings;
  record: PipelineRunRecord;
  recordPath: string;
  log: (line: string) => void;
  timed: TimedStage;
}

/** The gate and alias settings, checked before any work. */
interface RunSettings {
  metric: string;
  minImprovement: number;
  policy: AliasPolicy;
}

function checkedSettings(opts: RunPipelineOptions): RunSettings {
  const metric = checkGateMetric(opts.gateMetric ?? 'ndcg@10');
  const minImprovement = opts.minImprovement ?? 0.01;
  const policy = opts.policy ?? 'challenger';
  if (!ALIAS_POLICIES.includes(policy)) throw new InvalidArgumentError(`policy "${policy}" is not challenger or champion`);
  if (!Number.isFinite(minImprovement)) throw new InvalidArgumentError(`minImprovement must be a number, got ${minImprovement}`);
  return { metric, minImprovement, policy };
}

/** The record a run starts with (status running), parameters as JSON would keep them. */
function newRunRecord(opts: RunPipelineOptions, s: RunSettings, started: Date): PipelineRunRecord {
  const until = (opts.now ?? Date.now)();
  return {
    runId: newRunId(started),
    model: opts.name,
    status: 'running',
    startedAt: started.toISOString(),
    params: JSON.parse(
      JSON.stringify({
        gateMetric: s.metric,
        minImprovement: s.minImprovement,
        policy: s.policy,
        eventsDir: opts.eventsDir,
        training: opts.training ?? {},
        shuffleLabels: opts.shuffleLabels ?? false,
        warmStart: opts.warmStart !== false && !opts.shuffleLabels,
        ...(opts.trainFrom && opts.trainFrom !== 'recomputed' ? { trainFrom: opts.trainFrom } : {}),
      }),
    ) as Record<string, unknown>,
    data: { source: opts.dataset?.source ?? opts.data?.source ?? 'synthetic', path: opts.data?.path },
    newEvents: { since: null, until: new Date(until).toISOString(), byType: {}, total: 0 },
    counts: {},
    stages: [],
    warnings: [],
  };
}

/** What a run trains on: the base data, the fresh events since the last successful run, and the two merged. */
interface RunInputs {
  base: Dataset;
  fresh: FreshEvents;
  /** Start of the fresh-event range (null: from the beginning). */
  since: number | null;
  until: number;
  dataset: Dataset;
}

/** Loads the base data and the fresh events, merges them, and records what was read. */
async function loadInputs(run: RunContext): Promise<RunInputs> {
  const { opts, record, timed, log } = run;
  const base = await timed('load-base', async () => opts.dataset ?? (await loadDataset(opts.data ?? { source: 'synthetic' })));
  const r = base.report;
  record.data = { source: base.source, path: r.path, sha256: r.sha256, rowsRead: r.rowsRead, rowsKept: r.rowsKept };
  log(`base data ${base.source}: ${base.events.length} events, ${base.items.length} items`);
  const since = lastSuccessfulUntil(opts.runsDir, opts.name);
  const until = Date.parse(record.newEvents.until);
  const fresh = await timed('load-events', () => readFreshEvents(opts.eventsDir, { since, until }));
  recordFreshEvents(record, fresh, since);
  const shiftDays = alignmentShiftDays(base.events, fresh.training);
  if (shiftDays > 0) {
    record.warnings.push(
      `base data ends ${shiftDays} day(s) before the fresh events; moved forward by ${shiftDays} day(s) to continue them`,
    );
  }
  let events = mergeEvents(base.events, fresh.training, shiftDays);
  if (opts.shuffleLabels) {
    const shuffled = shuffleLabelWindows(events, opts.training?.windows, opts.training?.seed ?? 42);
    events = shuffled.events;
    record.counts.shuffledLabelEvents = shuffled.shuffled;
    record.warnings.push(`TEST HOOK: item ids of ${shuffled.shuffled} label-window events were shuffled`);
  }
  Object.assign(record.counts, {
    baseEvents: base.events.length,
    freshEvents: fresh.total,
    freshTrainingEvents: fresh.training.length,
    impressions: fresh.impressions,
    trainingEvents: events.length,
    baseShiftDays: shiftDays,
    eventLogMalformed: fresh.log.malformed,
    eventLogInvalid: fresh.log.invalid,
  });
  log(
    `fresh events since ${record.newEvents.since ?? 'the beginning'}: ${fresh.total} (${fresh.training.length} for training, ${fresh.impressions} impressions)`,
  );
  record.inputs = inputsFingerprint(record, opts.dataset ? undefined : opts.data);
  return { base, fresh, since, until, dataset: { ...base, events } };
}

/** The fresh-event range, counts, event-log health and position CTR, into the record. */
function recordFreshEvents(record: PipelineRunRecord, fresh: FreshEvents, since: number | null): void {
  record.newEvents = {
    since: since === null ? null : new Date(since).toISOString(),
    until: record.newEvents.until,
    byType: fresh.byType as Record<string, number>,
    total: fresh.total,
  };
  record.eventLog = fresh.log;
  const clicks = fresh.positionCtr.reduce((n, p) => n + p.clicks, 0);
  record.positionBias = { impressions: fresh.impressions, clicks, unmatchedClicks: fresh.unmatchedClicks, byPosition: fresh.positionCtr };
  if (fresh.log.malformed + fresh.log.invalid > 0) {
    const where = fresh.log.examples.map((x) => `${x.file}:${x.line}`).join(', ');
    record.warnings.push(`event log: skipped ${fresh.log.malformed} malformed and ${fresh.log.invalid} invalid line(s) (e.g. ${where})`);
  }
}

/** The last successful run when this one would see exactly its inputs and nothing new (and not forced). */
async function unchangedSince(run: RunContext, fresh: FreshEvents): Promise<PipelineRunRecord | undefined> {
  const { opts, record } = run;
  if (opts.force || fresh.training.length > 0) return undefined;
  const previous = lastSuccessfulRun(opts.runsDir, opts.name);
  if (previous?.inputs !== record.inputs) return undefined;
  return (await listVersions(opts.modelsDir, opts.name)).length > 0 ? previous : undefined;
}

/** A trained, evaluated run, the champion it was compared with, and the offline gate's decision. */
interface GatedRun {
  trained: TrainedRun;
  champion: ChampionStatus;
  gate: GateDecision;
}

/** Trains and evaluates next to the champion (from served features too when asked), then gates. */
async function trainAndGate(run: RunContext, inputs: RunInputs, fromServed: boolean): Promise<GatedRun> {
  const { opts, record, timed, log } = run;
  let champion: ChampionStatus = { version: null, comparable: false };
  const extraRankers = async (testStore: Parameters<NonNullable<TrainRunOptions['extraRankers']>>[0]): Promise<Ranker[]> => {
    const found = await championRanker(opts.modelsDir, opts.name, testStore);
    champion = found.status;
    if (found.status.note) log(`champion: ${found.status.note}`);
    return found.ranker ? [found.ranker] : [];
  };
  const served = fromServed ? await timed('served-features', () => servedTrainingGroups(run, inputs)) : undefined;
  const reporting = opts.progress ? trainingProgress(opts.progress, log) : {};
  // Continuous training: start from the champion's weights (a shuffled-label test run starts cold).
  const warmStart = opts.warmStart === false || opts.shuffleLabels ? undefined : () => championWeights(opts.modelsDir, opts.name);
  const trained = await timed('train-evaluate', () =>
    trainAndEvaluate(inputs.dataset, { ...opts.training, served, extraRankers, warmStart, log, ...reporting }),
  );
  try {
    if (record.servedFeatures && trained.served) record.servedFeatures.trained = trained.served;
    record.stages.push(...trained.timings.map((t) => ({ stage: `train-evaluate/${t.stage}`, ms: t.ms })));
    record.champion = champion;
    if (trained.ranker) {
      record.learningCurve = trained.ranker.train.curve.map((p) => ({ epoch: p.epoch, loss: p.loss, valid: p.valid ?? null }));
      record.bestEpoch = trained.ranker.train.bestEpoch;
    }
    const gate = await timed('gate', () => offlineGate(run, trained, champion));
    return { trained, champion, gate };
  } catch (err) {
    disposeTrainedRun(trained);
    throw err;
  }
}

/** The served requests' groups to train on, after checking their logged vectors equal the recomputed ones. */
async function servedTrainingGroups(run: RunContext, inputs: RunInputs): Promise<ServedGroups> {
  const { opts, record, log } = run;
  const { events: logged } = await scanEventLog(opts.eventsDir);
  const where = { modelsDir: opts.modelsDir, name: opts.name, stateDir: opts.stateDir };
  const found = await servedGroups(where, logged, { since: inputs.since, until: inputs.until });
  record.servedFeatures = found.report;
  if (found.report.mismatched > 0) throw servedFeaturesDiffer(opts.name, found.report);
  log(
    `served features: ${found.report.vectors} logged vectors of ${found.report.requests} requests equal the recomputed ones; ${found.groups.length} training groups (${found.report.withoutPairs} requests without a pair to learn from)`,
  );
  return { names: found.names, groups: found.groups, only: opts.trainFrom === 'served' };
}

/** The candidate against the comparable champion on the gate metric; the report's figures go into the record. */
function offlineGate(run: RunContext, trained: TrainedRun, champion: ChampionStatus): GateDecision {
  const { metric, minImprovement } = run.settings;
  const mean = (name: string) => trained.report.models.find((m) => m.name === name)?.metrics[metric]?.mean;
  const candidate = mean(LTR_KIND);
  if (candidate === undefined) throw new WorkbenchError('no_candidate', `the run produced no ${LTR_KIND} result for ${metric}`);
  const championMean = champion.comparable ? (mean(CHAMPION_RANKER) ?? null) : null;
  const gate = decideGate({
    metric,
    candidate,
    champion: championMean,
    championVersion: champion.version,
    minImprovement,
    note: champion.note,
  });
  run.record.gate = gate;
  run.record.metrics = {
    testUsers: trained.report.users,
    catalogue: trained.report.catalogueSize,
    byModel: Object.fromEntries(trained.report.models.map((m) => [m.name, m.metrics[metric]?.mean ?? null])),
    comparisons: trained.report.comparisons,
  };
  run.log(`gate: ${gate.reason}`);
  return gate;
}

/** Publishes the run, moves the policy's alias when the gates allow, and seeds user state if missing. */
async function publishAndAlias(run: RunContext, inputs: RunInputs, gated: GatedRun): Promise<{ version: number; aliases: string[] }> {
  const { opts, record, timed, log } = run;
  const { trained, champion, gate } = gated;
  const serving = await timed('serving-features', () => servingStore(inputs.dataset, trained.windows, opts.training));
  const published = await timed('publish', () =>
    publishRun(trained, {
      modelsDir: opts.modelsDir,
      name: opts.name,
      kind: LTR_KIND,
      dataset: inputs.dataset,
      serving,
      producer: `workbench pipeline run ${record.runId}`,
      run: { id: record.runId, path: run.recordPath },
    }),
  );
  const aliases = await timed('aliases', async () => {
    // No comparable champion: the new version is the champion. Past the gate(s): the policy's alias.
    let promoted = gate.promoted;
    if (promoted && opts.opeGate && champion.comparable && champion.version !== null) {
      const ope = await offPolicyGate(
        { modelsDir: opts.modelsDir, name: opts.name, eventsDir: opts.eventsDir, stateDir: opts.stateDir },
        { candidate: published.version, champion: champion.version },
        opts.opeGate,
      );
      record.opeGate = ope;
      promoted = ope.promoted;
      log(`off-policy gate: ${ope.reason}`);
    }
    const alias = champion.comparable ? (promoted ? run.settings.policy : undefined) : 'champion';
    if (alias) await setAlias(opts.modelsDir, opts.name, alias, published.version);
    return alias ? [alias] : [];
  });
  if (opts.stateDir && !snapshotCovers(opts.stateDir, registeredUserStates())) {
    const seeded = seedUserState(opts.stateDir, inputs.base, Number.POSITIVE_INFINITY, opts.training?.features?.sessionGapMinutes);
    log(`user state: ${seeded.users} users seeded from the base data into ${seeded.file}`);
  }
  record.published = { version: published.version, aliases };
  log(`published ${opts.name} v${published.version}${aliases.length ? ` as ${aliases.join(', ')}` : ' (no alias: refused by the gate)'}`);
  record.status = 'succeeded';
  return { version: published.version, aliases };
}

/**
 * Training's progress on the sink: a bar over the ranker's epochs (with time left) whose final line
 * is the train-ranker stage's one timing line; the other inner stages' times go to the log.
 */
function trainingProgress(sink: ProgressSink, log: (line: string) => void): Pick<TrainRunOptions, 'onEpoch' | 'onStage'> {
  let bar: Progress | undefined;
  return {
    onEpoch(epoch, total) {
      bar ??= startProgress(sink, 'train-ranker', total, 'epochs');
      bar.update(epoch);
    },
    onStage(timing) {
      if (timing.stage === 'train-ranker' && bar) {
        bar.finish();
        bar = undefined;
      } else log(`${timing.stage}: ${(timing.ms / 1000).toFixed(1)} s`);
    },
  };
}

/** A model folder this run created and left empty (it failed before publishing) is removed again. */
function removeIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    /* not empty: someone published meanwhile */
  }
}

/** Stamps the end time and duration and writes the record; returns it. */
function finishRecord(runsDir: string, record: PipelineRunRecord, started: Date): PipelineRunRecord {
  const end = new Date();
  record.finishedAt = end.toISOString();
  record.durationMs = end.getTime() - started.getTime();
  writeRunRecord(runsDir, record);
  return record;
}
