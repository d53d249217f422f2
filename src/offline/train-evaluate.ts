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
  type TableFeatureStore,
} from '../features/index.js';
import { initBackend, type tf } from '../models/backend.js';
import {
  type HeuristicKind,
  kindParams,
  modelKind,
  modelKinds,
  type ScorerKind,
  type ScorerTrainingOptions,
  scorerRanker,
} from '../models/kinds.js';
import { type GroupsReport, LTR_KIND, type TrainResult } from '../models/ltr/index.js';
import type { Ranker } from '../models/ranker.js';
import { Rng } from '../util/random.js';
import { type StageTiming, stageTimer } from '../util/stage-timer.js';
import { settingName } from './baseline-grid.js';
import { type ProtocolFold, type ProtocolName, type ProtocolPlan, protocolPlan } from './protocol-plan.js';
import type { ProtocolWindows, WindowOptions } from './protocol-windows.js';
import type { ServedGroups } from './served-groups.js';
import { trainScorers } from './train-scorers.js';

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
  /**
   * Called after each training epoch of the scorers with the epochs done and the epoch budget
   * (counted on across scorer kinds; early stopping may finish before `total`). Called with 0 when
   * the stage starts (before the training groups are built), so a progress bar spans the stage.
   */
  onEpoch?: (epoch: number, total: number) => void;
  /** Called as each stage ends; when given, stage times are reported here instead of as log lines. */
  onStage?: (timing: StageTiming) => void;
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
  windows: ProtocolWindows;
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

/** The run's knobs with every default filled in. */
export type ResolvedRunOptions = TrainRunOptions & Required<Pick<TrainRunOptions, keyof typeof DEFAULTS>>;

function sampleCases(cases: EvalCase[], max: number, seed: number): EvalCase[] {
  if (cases.length <= max) return cases;
  return new Rng(seed).shuffle([...cases]).slice(0, max);
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

/** Every heuristic kind with its knobs tuned on the validation window, in `kinds` order. */
async function tuneBaselines(
  kinds: readonly HeuristicKind[],
  validStore: TableFeatureStore,
  validCases: EvalCase[],
  log: (line: string) => void,
): Promise<TunedBaseline[]> {
  const tuned: TunedBaseline[] = [];
  for (const kind of kinds) {
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
}

/** Runs the whole offline protocol on a dataset. */
export async function trainAndEvaluate(dataset: Dataset, options: TrainRunOptions = {}): Promise<TrainedRun> {
  const o: ResolvedRunOptions = { ...DEFAULTS, ...options };
  const log = options.log ?? (() => {});
  const scorerKinds = scorerKindsOf(options); // unknown kinds fail before any work
  let heuristicKinds = modelKinds('heuristic');
  const timings: StageTiming[] = [];
  const timed = stageTimer((timing) => {
    timings.push(timing);
    if (options.onStage) options.onStage(timing);
    else log(`${timing.stage}: ${(timing.ms / 1000).toFixed(1)} s`);
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
  const baselines = await timed('tune-baselines', () => tuneBaselines(heuristicKinds, validStore, validCases, log));

  const trained =
    scorerKinds.length > 0
      ? await timed('train-ranker', () =>
          trainScorers({ kinds: scorerKinds, plan, validStore, validCases, build, options, resolved: o, log }),
        )
      : { scorers: [] };
  const scorers = trained.scorers;
  const servedUsed = trained.served;
  const ranker = scorers[0];

  const sessions = sessionProfile(
    plan.test.history.filter((e) => e.ts < plan.test.cutoff),
    options.features?.sessionGapMinutes ?? DEFAULT_SESSION_GAP_MINUTES,
  );
  const { report: evaluated, truth } = await timed('evaluate', () =>
    evaluateOnTest({ dataset, plan, testStore, testCases, baselines, heuristicKinds, scorerKinds, scorers, options, resolved: o }),
  );
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
    params: runParams(o, { featureSet: featureSet.name, protocol: plan.name, maskSeen }),
    timings,
    tfjsBackend: backend.active,
    ...(servedUsed ? { served: servedUsed } : {}),
  };
}

/** What `evaluateOnTest` needs: the test window, the tuned baselines and trained scorers, the run's knobs. */
interface TestEvaluationInput {
  dataset: Dataset;
  plan: ProtocolPlan;
  testStore: TableFeatureStore;
  testCases: EvalCase[];
  baselines: readonly TunedBaseline[];
  /** The heuristic kinds of `baselines`, in the same order. */
  heuristicKinds: readonly HeuristicKind[];
  scorerKinds: readonly ScorerKind[];
  scorers: readonly TrainedScorer[];
  options: TrainRunOptions;
  resolved: ResolvedRunOptions;
}

/**
 * Every model on the test window (and against the true affinities when the dataset has them): the
 * tuned baselines rebuilt on the test store, each trained scorer, and the caller's extra rankers.
 */
async function evaluateOnTest(x: TestEvaluationInput): Promise<{ report: EvalReport; truth?: TruthReport }> {
  const { testStore, resolved: o } = x;
  const rankers: Ranker[] = x.baselines.map((b, i) => {
    const r = x.heuristicKinds[i].create(testStore, kindParams(x.heuristicKinds[i], b.params));
    return { name: b.kind, score: (req) => r.score(req), dispose: () => r.dispose() };
  });
  const baselineNames = rankers.map((r) => r.name);
  x.scorers.forEach((s, i) => {
    rankers.push(scorerRanker(x.scorerKinds[i], { store: testStore, contract: s.contract, model: s.model }));
  });
  const extra = x.options.extraRankers ? await x.options.extraRankers(testStore) : [];
  const bootstrap = { resamples: o.bootstrapResamples, seed: o.seed };
  try {
    const all = [...rankers, ...extra];
    const cutoff = new Date(x.plan.windows.testStart).toISOString().slice(0, 10);
    const truth = x.dataset.truth
      ? evaluateAgainstTruth({
          truth: x.dataset.truth,
          rankers: all,
          baselineNames,
          users: [...testStore.userIds].sort(),
          catalogue: testStore.itemIds,
          bootstrap,
          usersDescription: `every user with history before ${cutoff}`,
        })
      : undefined;
    const report = await evaluateRankers({
      rankers: all,
      cases: x.testCases,
      catalogue: testStore.itemIds,
      baselineNames,
      bootstrap,
      protocol: protocolText(x.plan, x.options.maskSeen ?? false),
    });
    return { report, truth };
  } finally {
    // Baselines hold no tensors; the scorer wrapper's dispose would free the model the run returns.
    for (const r of rankers.slice(0, baselineNames.length)) r.dispose();
    for (const r of extra) r.dispose();
  }
}

/** The run's plain knobs (defaults filled in) for lineage: no callbacks, no nested option objects. */
function runParams(o: ResolvedRunOptions, extra: { featureSet: string; protocol: string; maskSeen: boolean }): TrainedRun['params'] {
  const {
    extraRankers: _e,
    served: _sv,
    warmStart: _ws,
    log: _l,
    onEpoch: _oe,
    onStage: _os,
    features,
    windows: _w,
    featureSet: _fs,
    kinds: _k,
    kindParams: _kp,
    protocol: _p,
    maskSeen: _m,
    ...knobs
  } = o;
  return { ...knobs, ...(features as Record<string, number>), ...extra };
}

/** The feature store a published version serves with: every event, the run's feature set. */
export async function servingStore(
  dataset: Dataset,
  windows: ProtocolWindows,
  options: Pick<TrainRunOptions, 'features' | 'featureSet'> = {},
) {
  const featureSet = featureSetByName(featureSetNameFor(dataset, options.featureSet));
  return buildFeatureStore(dataset.events, dataset.items, { ...options.features, cutoff: windows.end, featureSet });
}
