/**
 * One training run on a dataset: feature stores per window, training groups, the TF.js scorer
 * kinds (src/models/kinds.ts; `ltr-mlp` by default) each early-stopped on validation NDCG@10 (full
 * catalogue), every heuristic kind (the baselines) tuned on the same validation window, and the
 * reported evaluation of everything on the test window.
 * The CLI (`workbench train`, `workbench eval`), the pipeline and the notebooks all call this.
 */
import { assertRelevantEvents, RELEVANT_TYPES } from '../data/relevance.js';
import type { Dataset } from '../data/schema.js';
import { type SessionProfile, sessionProfile } from '../data/sessions.js';
import { DataError } from '../errors.js';
import {
  buildEvalCases,
  type EvalCase,
  type EvalReport,
  evaluateAgainstTruth,
  evaluateRankers,
  maskHistory,
  type TruthReport,
  temporalProtocol,
  tuneOnValidation,
} from '../eval/index.js';
import {
  type BuildFeatureStoreOptions,
  buildFeatureStore,
  CATALOGUE_FEATURE_SET,
  DEFAULT_FEATURE_SET,
  DEFAULT_SESSION_GAP_MINUTES,
  type FeatureContract,
  featureSetByName,
  fitNormalisation,
  normalise,
  type TableFeatureStore,
} from '../features/index.js';
import { initBackend, type tf } from '../models/backend.js';
import {
  createScorerModel,
  kindParams,
  modelKind,
  modelKinds,
  type ScorerKind,
  type ScorerTrainingOptions,
  scorerRanker,
} from '../models/kinds.js';
import {
  buildTrainingGroups,
  type GroupsReport,
  LTR_KIND,
  type TrainingGroup,
  type TrainResult,
  trainRanker,
} from '../models/ltr/index.js';
import type { Ranker } from '../models/ranker.js';
import { Rng } from '../util/random.js';
import { type StageTiming, stageTimer } from '../util/stage-timer.js';
import { settingName } from './baseline-grid.js';
import { type ProtocolFold, type ProtocolName, type ProtocolPlan, protocolPlan } from './protocol-plan.js';
import type { ServedGroup, ServedGroups } from './served-groups.js';
import type { TrainingWindows, WindowOptions } from './windows.js';

/** Knobs of a training run (every one has a default). */
export interface TrainRunOptions {
  seed?: number;
  windows?: WindowOptions;
  /** How events are split into history and labels for training, tuning and the test (default temporal). */
  protocol?: ProtocolName;
  /**
   * Take each user's history items out of their ranking and relevant set, in evaluation, tuning
   * and the ranker's labels (default false; what published leave-one-out / random-split results do).
   */
  maskSeen?: boolean;
  /** Feature store knobs (neighbours, half-lives...). */
  features?: Omit<BuildFeatureStoreOptions, 'cutoff' | 'featureSet'>;
  /** The registered feature set the ranker trains on (default "default": the 23 built-ins). */
  featureSet?: string;
  /** `epochs` (early stopping on validation NDCG@10) or `one-pass`. */
  mode?: 'epochs' | 'one-pass';
  epochs?: number;
  patience?: number;
  /**
   * The TF.js scorer kinds to train, by registered name (default ["ltr-mlp"]); each is evaluated in
   * the same report under its name. Heuristic kinds may be named too (no-op: every registered
   * heuristic kind is tuned anyway, as the report's baselines). Unknown names throw.
   */
  kinds?: string[];
  /** Hyper-parameters per scorer kind, merged over the kind's defaults, e.g. { 'ltr-linear': { activation: 'tanh' } }. */
  kindParams?: Record<string, object>;
  /** Hidden widths of `ltr-mlp` (default [64, 32]); kindParams['ltr-mlp'].hidden wins over it. */
  hidden?: number[];
  learningRate?: number;
  l1?: number;
  l2?: number;
  lambdaWeights?: boolean;
  negativesHard?: number;
  negativesRandom?: number;
  /** Negatives per group from the user's own items not bought again (see BuildGroupsOptions). */
  negativesOwn?: number;
  /** Weight sampled negatives by their stratum size (see BuildGroupsOptions.importanceWeights). */
  importanceWeights?: boolean;
  /** Size of the candidate list hard negatives come from. */
  candidatesLimit?: number;
  /** Share of training groups built in the context of the user's latest item. */
  contextShare?: number;
  /** Cap on training users per label window. */
  maxTrainUsers?: number;
  /** Cap on validation users (early stopping and baseline tuning score the full catalogue). */
  maxValidUsers?: number;
  bootstrapResamples?: number;
  /** Skip every scorer kind (baselines only). */
  skipRanker?: boolean;
  /**
   * Continue training from these weights (the champion's, in the pipeline) instead of a fresh
   * initialisation, for the scorer kind `kind` (default "ltr-mlp"); its contract's normalisation is
   * reused so inputs mean the same. Ignored (with a log line) when its features differ from the
   * store's or that kind is not trained. The model is consumed (trained in place, or disposed).
   */
  warmStart?: () => Promise<{ model: tf.LayersModel; contract: FeatureContract; version: number; kind?: string } | undefined>;
  /**
   * Groups of served requests (their logged feature vectors, click and purchase labels;
   * served-groups.ts) for the TF.js scorers, added to the label-window groups or instead of them.
   * Only requests before the validation window are used, so neither early stopping nor the test
   * sees a label the ranker trained on (the later ones are counted in `served`).
   */
  served?: ServedGroups;
  /** Extra models to evaluate on the test window next to ours (e.g. the current champion). */
  extraRankers?: (testStore: TableFeatureStore) => Promise<Ranker[]>;
  /** Progress lines (stderr in the CLI). */
  log?: (line: string) => void;
}

/** A tuned baseline (a heuristic kind and its best grid setting). */
export interface TunedBaseline {
  /** The heuristic kind's name. */
  kind: string;
  params: Record<string, unknown>;
  validNdcg10: number;
}

/** A heuristic kind the run left out, and why (HeuristicKind.unavailable). */
export interface SkippedBaseline {
  kind: string;
  reason: string;
}

/** A trained TF.js scorer of one kind, with its contract (with the fitted normalisation). */
export interface TrainedScorer {
  /** The scorer kind's name (the ranker's name in the report). */
  kind: string;
  model: tf.LayersModel;
  contract: FeatureContract;
  train: TrainResult;
  groups: GroupsReport[];
  /** The kind's hyper-parameters in effect (its defaults merged with the run's), JSON-safe. */
  params: Record<string, unknown>;
  /** The training knobs in effect for this kind (what the run, the kind or the defaults chose). */
  training: ScorerTrainingOptions;
}

/** Everything a run produced. The caller owns the scorers' models (`disposeTrainedRun`). */
export interface TrainedRun {
  windows: TrainingWindows;
  /** The first trained scorer (`ltr-mlp` by default), i.e. `scorers[0]`. */
  ranker?: TrainedScorer;
  /** Every trained scorer, in `kinds` order. */
  scorers: TrainedScorer[];
  baselines: TunedBaseline[];
  /** Heuristic kinds that cannot rank this data (also listed in `report.notes`). */
  skipped: SkippedBaseline[];
  report: EvalReport;
  /**
   * Every model against the dataset's TRUE affinities (synthetic store only): the same test-window
   * models scored for every user with history before the test window.
   */
  truth?: TruthReport;
  /** The store of the test window (features before testStart), for inspection in notebooks. */
  testStore: TableFeatureStore;
  /** The baskets the session rule made (co-occurrence is learnt from them). */
  sessions: SessionProfile;
  /** Parameters in effect (defaults filled in), for lineage. */
  params: Record<string, string | number | boolean | number[] | null>;
  timings: StageTiming[];
  tfjsBackend: string;
  /** With `served`: served groups trained on, and those left out for lying in the validation or test window. */
  served?: { groups: number; inValidationOrTest: number };
}

const DEFAULTS = {
  seed: 42,
  mode: 'epochs' as const,
  epochs: 20,
  patience: 3,
  hidden: [64, 32],
  learningRate: 0.003,
  l1: 1e-6,
  l2: 1e-5,
  lambdaWeights: false,
  // Own items, candidates and the rest of the catalogue, each negative weighted by its stratum's
  // size: the sampled loss then estimates the full-catalogue ranking the evaluation measures
  // (unweighted hard negatives gave NDCG@10 0.219 on Online Retail, weighted 0.371).
  negativesHard: 50,
  negativesRandom: 100,
  negativesOwn: 100,
  importanceWeights: true,
  candidatesLimit: 200,
  contextShare: 0.5,
  maxTrainUsers: 6000,
  maxValidUsers: 600,
  bootstrapResamples: 1000,
};

function sampleCases(cases: EvalCase[], max: number, seed: number): EvalCase[] {
  if (cases.length <= max) return cases;
  return new Rng(seed).shuffle([...cases]).slice(0, max);
}

/** A copy of `value` without its undefined fields. */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

/** Frees every trained scorer of a run (the caller owns them). */
export function disposeTrainedRun(run: Pick<TrainedRun, 'scorers'> | undefined): void {
  for (const s of run?.scorers ?? []) s.model.dispose();
}

/** The scorer kinds a run trains: `kinds` (default ltr-mlp) minus heuristic kinds; none with skipRanker. */
function scorerKindsOf(options: TrainRunOptions): ScorerKind[] {
  const named = (options.kinds ?? [LTR_KIND]).map((name) => modelKind(name));
  const scorers = [...new Set(named)].flatMap((k) => (k.family === 'scorer' ? [k] : []));
  return options.skipRanker ? [] : scorers;
}

/**
 * The feature set a run uses: the one named, else `catalogue` when some item carries attributes of
 * a team's own catalogue (`Item.attributes`), else `default`.
 */
export function featureSetNameFor(dataset: Pick<Dataset, 'items'>, named?: string): string {
  if (named) return named;
  const own = dataset.items.some((it) => it.attributes && Object.keys(it.attributes).length > 0);
  return own ? CATALOGUE_FEATURE_SET : DEFAULT_FEATURE_SET;
}

/**
 * What the data says about the protocol: degenerate sessions, a repeat rate so low that masking is
 * the fair comparison, and baselines that mean nothing on this data.
 */
function protocolNotes(x: {
  sessions: SessionProfile;
  testCases: readonly EvalCase[];
  testStore: TableFeatureStore;
  maskSeen: boolean;
  baselines: readonly string[];
}): string[] {
  const notes: string[] = [];
  if (x.sessions.warning) notes.push(x.sessions.warning);
  let relevant = 0;
  let repeats = 0;
  for (const c of x.testCases) {
    const had = new Set((x.testStore.user(c.userId)?.history ?? []).map((h) => h.itemId));
    for (const id of c.relevant) {
      relevant++;
      if (had.has(id)) repeats++;
    }
  }
  const rate = relevant ? repeats / relevant : 0;
  if (!x.maskSeen && relevant > 0 && rate < 0.1) {
    notes.push(
      `only ${(rate * 100).toFixed(1)}% of test purchases are items the user already had: much of a model's lift can be learning not to re-recommend them; run with --mask-seen to compare as published results do`,
    );
  }
  if (x.baselines.includes('repeat') && (x.maskSeen || repeats === 0)) {
    notes.push(
      x.maskSeen
        ? 'the repeat baseline is meaningless with --mask-seen: it ranks the items a user already has, which are masked'
        : 'the repeat baseline is meaningless on this data: no test purchase re-buys an item the user had',
    );
  }
  return notes;
}

/** The report with its notes (none: no `notes` field). */
function withNotes(report: EvalReport, notes: string[]): EvalReport {
  return notes.length ? { ...report, notes } : report;
}

/** The report's protocol line. */
function protocolText(plan: ProtocolPlan, maskSeen: boolean): string {
  const w = plan.windows;
  const day = (ts: number) => new Date(ts).toISOString().slice(0, 10);
  const rules = plan.temporal
    ? `${temporalProtocol({ start: w.testStart, end: w.end })}; features before ${day(w.testStart)}; baselines tuned and the ranker early-stopped on [${day(w.validStart)}, ${day(w.testStart)})`
    : `${plan.description}; users with history and >=1 held-out ${RELEVANT_TYPES.join('/')}; full-catalogue ranking`;
  return maskSeen ? `${rules}; each user's history items masked (out of the ranking and the relevant set)` : rules;
}

/** Runs the whole offline protocol on a dataset. */
export async function trainAndEvaluate(dataset: Dataset, options: TrainRunOptions = {}): Promise<TrainedRun> {
  const o = { ...DEFAULTS, ...options };
  const log = options.log ?? (() => {});
  const scorerKinds = scorerKindsOf(options); // unknown kinds fail before any work
  let heuristicKinds = modelKinds('heuristic');
  const timings: StageTiming[] = [];
  const timed = stageTimer((timing) => {
    timings.push(timing);
    log(`${timing.stage}: ${(timing.ms / 1000).toFixed(1)} s`);
  });
  const backend = await initBackend();
  const events = dataset.events;
  assertRelevantEvents(events);
  const plan = protocolPlan(events, { protocol: options.protocol, windows: options.windows, seed: o.seed });
  const windows = plan.windows;
  const maskSeen = options.maskSeen ?? false;
  const featureSet = featureSetByName(featureSetNameFor(dataset, options.featureSet));
  if (!options.featureSet && featureSet.name !== DEFAULT_FEATURE_SET)
    log(`feature set "${featureSet.name}": the catalogue has its own attributes`);
  const build = (fold: ProtocolFold) =>
    buildFeatureStore(fold.history, dataset.items, { ...options.features, cutoff: fold.cutoff, featureSet });
  const casesOf = (fold: ProtocolFold): EvalCase[] => {
    const history = fold.history.filter((e) => e.ts < fold.cutoff);
    const cases = buildEvalCases(history, fold.labels, { requireTemporalOrder: plan.temporal });
    return maskSeen ? maskHistory(cases, history) : cases;
  };

  const [validStore, testStore] = await timed('features', async () => [await build(plan.valid), await build(plan.test)]);
  const validCases = sampleCases(casesOf(plan.valid), o.maxValidUsers, o.seed);
  const testCases = casesOf(plan.test);
  log(`protocol: ${plan.name}${maskSeen ? ', training items masked' : ''}`);
  log(`validation users: ${validCases.length}, test users: ${testCases.length}, catalogue: ${testStore.itemIds.length}`);

  // A kind that cannot rank this data (attributes without any attribute) is left out, saying why.
  const skipped: SkippedBaseline[] = heuristicKinds.flatMap((k) => {
    const reason = k.unavailable?.(validStore);
    return reason ? [{ kind: k.name, reason }] : [];
  });
  for (const s of skipped) log(`baseline ${s.kind} skipped: ${s.reason}`);
  heuristicKinds = heuristicKinds.filter((k) => !skipped.some((s) => s.kind === k.name));

  // Baselines: every heuristic kind, its knobs tuned on the validation window.
  const baselines = await timed('tune-baselines', async () => {
    const tuned: TunedBaseline[] = [];
    for (const kind of heuristicKinds) {
      const grid = kind.grid as readonly Record<string, unknown>[];
      const result = await tuneOnValidation(
        grid.map((params) => ({
          name: settingName(kind.name, params),
          params,
          make: () => kind.create(validStore, kindParams(kind, params)),
        })),
        validCases,
        validStore.itemIds,
      );
      result.best.ranker.dispose();
      tuned.push({ kind: kind.name, params: result.best.params, validNdcg10: result.best.ndcg10 });
      log(`baseline ${result.best.name}: validation NDCG@10 ${result.best.ndcg10.toFixed(4)}`);
    }
    return tuned;
  });

  const scorers: TrainedScorer[] = [];
  let servedUsed: TrainedRun['served'];
  if (scorerKinds.length > 0) {
    await timed('train-ranker', async () => {
      const groups: TrainingGroup[] = [];
      const reports: GroupsReport[] = [];
      let warm = options.warmStart ? await options.warmStart() : undefined;
      const warmKind = warm?.kind ?? LTR_KIND;
      if (
        warm &&
        (warm.contract.names.join() !== validStore.contract.names.join() || warm.contract.featureSet !== validStore.contract.featureSet)
      ) {
        log(`warm start from v${warm.version} skipped: its features differ from this code's`);
        warm.model.dispose();
        warm = undefined;
      }
      if (warm && !scorerKinds.some((k) => k.name === warmKind)) {
        log(`warm start from v${warm.version} skipped: this run does not train its kind, ${warmKind}`);
        warm.model.dispose();
        warm = undefined;
      }
      let contract: FeatureContract | undefined = warm?.contract;
      const served = options.served && servedBefore(options.served, validStore.contract.names, plan.temporal, windows.validStart);
      if (served && options.served?.only) contract ??= fitServedContract(validStore.contract, served.groups);
      for (const [i, fold] of served && options.served?.only ? [] : plan.train.entries()) {
        const store = await build(fold);
        const built = buildTrainingGroups(store, fold.labels, {
          labelsAnyTime: !plan.temporal,
          maskSeen,
          negativesHard: o.negativesHard,
          negativesRandom: o.negativesRandom,
          negativesOwn: o.negativesOwn,
          importanceWeights: o.importanceWeights,
          candidatesLimit: o.candidatesLimit,
          contextShare: o.contextShare,
          seed: o.seed + i,
          maxUsers: o.maxTrainUsers,
          contract,
        });
        contract ??= built.contract;
        groups.push(...built.groups);
        reports.push(built.report);
      }
      if (served && contract) {
        const norm = contract;
        groups.push(...served.groups.map((g) => ({ features: normalise(g.rows, norm), labels: g.labels, ts: g.ts, userId: g.userId })));
        servedUsed = { groups: served.groups.length, inValidationOrTest: served.late };
        log(`served groups: ${served.groups.length} (${served.late} later ones in the validation or test window left out)`);
      }
      if (!contract || groups.length === 0) throw new Error('no training groups: the label windows hold no interactions');
      const fitted = contract;
      const parts = [...reports.map((r) => String(r.groups)), ...(servedUsed ? [`${servedUsed.groups} served`] : [])];
      log(`training groups: ${groups.length} (${parts.join(' + ')}), features: ${fitted.names.length}`);
      let current: tf.LayersModel | undefined;
      let warmUsed = false;
      try {
        // Every kind trains on the same groups, from the same seed, one after the other.
        for (const kind of scorerKinds) {
          if (scorerKinds.length > 1) log(`scorer ${kind.name}:`);
          const params = kindParams(kind, {
            ...(kind.name === LTR_KIND ? { hidden: o.hidden } : {}),
            ...options.kindParams?.[kind.name],
          }) as Record<string, unknown>;
          const fromKind = kind.training ?? {};
          // An explicit run option wins, then the kind's preference, then the run's default.
          const training = definedOnly({
            learningRate: options.learningRate ?? fromKind.learningRate ?? o.learningRate,
            l1: options.l1 ?? fromKind.l1 ?? o.l1,
            l2: options.l2 ?? fromKind.l2 ?? o.l2,
            lambdaWeights: options.lambdaWeights ?? fromKind.lambdaWeights ?? o.lambdaWeights,
            epochs: options.epochs ?? fromKind.epochs ?? o.epochs,
            patience: options.patience ?? fromKind.patience ?? o.patience,
            optimizer: fromKind.optimizer,
            batchPairs: fromKind.batchPairs,
          });
          const useWarm = warm !== undefined && kind.name === warmKind;
          const model = useWarm && warm ? warm.model : createScorerModel(kind, { inputDim: fitted.names.length, seed: o.seed, params });
          current = model;
          if (useWarm && warm) {
            warmUsed = true;
            log(`warm start from version ${warm.version}'s weights and normalisation`);
          }
          // Validation scores the full catalogue with this window's features; the wrapper is not disposed
          // (it would dispose the model we keep).
          const validRanker = scorerRanker(kind, { store: validStore, contract: fitted, model });
          const ndcgOf = async () =>
            (await tuneOnValidation([{ name: 'ltr', params: {}, make: () => validRanker }], validCases, validStore.itemIds)).best.ndcg10;
          const train = await trainRanker(model, groups, {
            mode: o.mode,
            ...training,
            seed: o.seed,
            validate: o.mode === 'epochs' ? ndcgOf : undefined,
            onEpoch: (s) =>
              log(
                `epoch ${s.epoch}: loss ${s.loss.toFixed(4)}${s.valid !== undefined ? `, validation NDCG@10 ${s.valid.toFixed(4)}` : ''}, ${Math.round(s.pairsPerSec)} pairs/s`,
              ),
          });
          scorers.push({ kind: kind.name, model, contract: fitted, train, groups: reports, params, training });
          current = undefined;
        }
      } catch (err) {
        // A failed kind must not leak its model, the models trained before it, or an unused warm start.
        current?.dispose();
        for (const s of scorers.splice(0)) s.model.dispose();
        if (warm && !warmUsed) warm.model.dispose();
        throw err;
      }
    });
  }
  const ranker = scorers[0];

  let truth: TruthReport | undefined;
  const sessions = sessionProfile(
    plan.test.history.filter((e) => e.ts < plan.test.cutoff),
    options.features?.sessionGapMinutes ?? DEFAULT_SESSION_GAP_MINUTES,
  );
  const evaluated = await timed('evaluate', async () => {
    // `baselines` holds one tuned setting per heuristic kind, in the same order.
    const rankers: Ranker[] = baselines.map((b, i) => {
      const r = heuristicKinds[i].create(testStore, kindParams(heuristicKinds[i], b.params));
      return { name: b.kind, score: (req) => r.score(req), dispose: () => r.dispose() };
    });
    const baselineNames = rankers.map((r) => r.name);
    scorers.forEach((s, i) => {
      rankers.push(scorerRanker(scorerKinds[i], { store: testStore, contract: s.contract, model: s.model }));
    });
    const extra = options.extraRankers ? await options.extraRankers(testStore) : [];
    try {
      const all = [...rankers, ...extra];
      if (dataset.truth) {
        const cutoff = new Date(windows.testStart).toISOString().slice(0, 10);
        truth = evaluateAgainstTruth({
          truth: dataset.truth,
          rankers: all,
          baselineNames,
          users: [...testStore.userIds].sort(),
          catalogue: testStore.itemIds,
          bootstrap: { resamples: o.bootstrapResamples, seed: o.seed },
          usersDescription: `every user with history before ${cutoff}`,
        });
      }
      return await evaluateRankers({
        rankers: all,
        cases: testCases,
        catalogue: testStore.itemIds,
        baselineNames,
        bootstrap: { resamples: o.bootstrapResamples, seed: o.seed },
        protocol: protocolText(plan, maskSeen),
      });
    } finally {
      // Baselines hold no tensors; the LTR wrapper's dispose would free the model we return.
      for (const r of rankers.slice(0, baselineNames.length)) r.dispose();
      for (const r of extra) r.dispose();
    }
  });

  const {
    extraRankers: _e,
    served: _sv,
    warmStart: _ws,
    log: _l,
    features,
    windows: _w,
    featureSet: _fs,
    kinds: _k,
    kindParams: _kp,
    protocol: _p,
    maskSeen: _m,
    ...knobs
  } = o as TrainRunOptions & typeof DEFAULTS;
  return {
    windows,
    ranker,
    scorers,
    baselines,
    skipped,
    report: withNotes(evaluated, [
      ...skipped.map((x) => `baseline ${x.kind} skipped: ${x.reason}`),
      ...protocolNotes({ sessions, testCases, testStore, maskSeen, baselines: evaluated.baselines }),
    ]),
    sessions,
    truth,
    testStore,
    params: { ...knobs, ...(features as Record<string, number>), featureSet: featureSet.name, protocol: plan.name, maskSeen },
    timings,
    tfjsBackend: backend.active,
    ...(servedUsed ? { served: servedUsed } : {}),
  };
}

/**
 * The served groups a run may train on: logged before the validation window (a later one's labels
 * belong to early stopping or the test), with the feature names this run's store computes.
 */
function servedBefore(served: ServedGroups, names: readonly string[], temporal: boolean, validStart: number) {
  if (!temporal) throw new DataError('training from served features needs the temporal protocol: served requests are placed in time');
  if (served.names.join() !== names.join()) {
    const missing = names.filter((n) => !served.names.includes(n));
    const extra = served.names.filter((n) => !names.includes(n));
    throw new DataError(
      `the served feature vectors have ${served.names.length} features, this run's feature set ${names.length}` +
        `${missing.length ? `; not served: ${missing.join(', ')}` : ''}${extra.length ? `; served only: ${extra.join(', ')}` : ''}` +
        `${!missing.length && !extra.length ? '; in another order' : ''}: train with the feature set of the version that served them`,
    );
  }
  const groups = served.groups.filter((g) => g.ts < validStart);
  if (served.only && groups.length === 0) {
    throw new DataError(
      `none of the ${served.groups.length} served training groups was logged before the validation window (${new Date(validStart).toISOString().slice(0, 10)}): ` +
        'their labels belong to early stopping and the test; train with --train-from both, or once older served logs exist',
    );
  }
  return { groups, late: served.groups.length - groups.length };
}

/** The served rows' normalisation (z-score per column), on the store's contract. */
function fitServedContract(contract: FeatureContract, groups: readonly ServedGroup[]): FeatureContract {
  const dim = contract.names.length;
  const all = new Float32Array(groups.reduce((n, g) => n + g.rows.length, 0));
  let off = 0;
  for (const g of groups) {
    all.set(g.rows, off);
    off += g.rows.length;
  }
  return { ...contract, normalisation: fitNormalisation(all, dim) };
}

/** The feature store a published version serves with: every event, the run's feature set. */
export async function servingStore(
  dataset: Dataset,
  windows: TrainingWindows,
  options: Pick<TrainRunOptions, 'features' | 'featureSet'> = {},
) {
  const featureSet = featureSetByName(featureSetNameFor(dataset, options.featureSet));
  return buildFeatureStore(dataset.events, dataset.items, { ...options.features, cutoff: windows.end, featureSet });
}
