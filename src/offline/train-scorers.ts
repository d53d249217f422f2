/**
 * The TF.js scorer kinds of a training run: an optional warm start from the champion, the training
 * groups of every label window (and of served requests), then each kind trained on the same groups
 * from the same seed, early-stopped on validation NDCG@10 over the full catalogue.
 */
import { DataError } from '../errors.js';
import { type EvalCase, tuneOnValidation } from '../eval/index.js';
import { type FeatureContract, fitGroupsNormalisation, normalise, type TableFeatureStore } from '../features/index.js';
import type { tf } from '../models/backend.js';
import { createScorerModel, kindParams, type ScorerKind, type ScorerTrainingOptions, scorerRanker } from '../models/kinds.js';
import { buildTrainingGroups, type GroupsReport, LTR_KIND, type TrainingGroup, trainRanker } from '../models/ltr/index.js';
import type { ProtocolFold, ProtocolPlan } from './protocol-plan.js';
import type { ServedGroup, ServedGroups } from './served-groups.js';
import type { ResolvedRunOptions, TrainedRun, TrainedScorer, TrainRunOptions } from './train-evaluate.js';

/** What scorer training needs from the run. */
export interface ScorerTrainingInput {
  kinds: ScorerKind[];
  plan: ProtocolPlan;
  validStore: TableFeatureStore;
  validCases: EvalCase[];
  /** Builds the feature store of one training fold. */
  build: (fold: ProtocolFold) => Promise<TableFeatureStore>;
  options: TrainRunOptions;
  resolved: ResolvedRunOptions;
  log: (line: string) => void;
}

type WarmStart = NonNullable<Awaited<ReturnType<NonNullable<TrainRunOptions['warmStart']>>>>;

/**
 * Trains every scorer kind. On failure nothing leaks: the model being trained, the ones trained
 * before it and an unused warm start are disposed before the error propagates.
 * @returns the trained scorers (the caller owns their models) and, with served groups, what was used.
 */
export async function trainScorers(x: ScorerTrainingInput): Promise<{ scorers: TrainedScorer[]; served?: TrainedRun['served'] }> {
  // Epochs count on across kinds, so one progress bar spans the stage.
  const knobs = x.kinds.map((kind) => trainingKnobs(kind, x.options, x.resolved));
  const budgets = knobs.map((t) => t.epochs ?? x.resolved.epochs);
  const total = budgets.reduce((a, b) => a + b, 0);
  x.options.onEpoch?.(0, total);
  const warm = await usableWarmStart(x);
  let groups: CollectedGroups;
  try {
    groups = await collectTrainingGroups(x, warm?.contract);
  } catch (err) {
    warm?.model.dispose();
    throw err;
  }
  const scorers: TrainedScorer[] = [];
  const warmKind = warm?.kind ?? LTR_KIND;
  let warmUsed = false;
  let current: tf.LayersModel | undefined;
  try {
    for (const [index, kind] of x.kinds.entries()) {
      if (x.kinds.length > 1) x.log(`scorer ${kind.name}:`);
      const params = kindParams(kind, {
        ...(kind.name === LTR_KIND ? { hidden: x.resolved.hidden } : {}),
        ...x.options.kindParams?.[kind.name],
      }) as Record<string, unknown>;
      const useWarm = warm !== undefined && kind.name === warmKind;
      const model = useWarm
        ? warm.model
        : createScorerModel(kind, { inputDim: groups.contract.names.length, seed: x.resolved.seed, params });
      current = model;
      if (useWarm) {
        warmUsed = true;
        x.log(`warm start from version ${warm.version}'s weights and normalisation`);
      }
      const done = budgets.slice(0, index).reduce((a, b) => a + b, 0);
      scorers.push(await trainOneKind(x, { kind, model, params, training: knobs[index], groups, epochs: { done, total } }));
      current = undefined;
    }
  } catch (err) {
    current?.dispose();
    for (const s of scorers.splice(0)) s.model.dispose();
    if (warm && !warmUsed) warm.model.dispose();
    throw err;
  }
  return { scorers, ...(groups.served ? { served: groups.served } : {}) };
}

/** The champion's weights when they fit this run (same features, a kind it trains); else undefined, saying why. */
async function usableWarmStart(x: ScorerTrainingInput): Promise<WarmStart | undefined> {
  const warm = x.options.warmStart ? await x.options.warmStart() : undefined;
  if (!warm) return undefined;
  const names = x.validStore.contract;
  if (warm.contract.names.join() !== names.names.join() || warm.contract.featureSet !== names.featureSet) {
    x.log(`warm start from v${warm.version} skipped: its features differ from this code's`);
    warm.model.dispose();
    return undefined;
  }
  const kind = warm.kind ?? LTR_KIND;
  if (!x.kinds.some((k) => k.name === kind)) {
    x.log(`warm start from v${warm.version} skipped: this run does not train its kind, ${kind}`);
    warm.model.dispose();
    return undefined;
  }
  return warm;
}

interface CollectedGroups {
  groups: TrainingGroup[];
  reports: GroupsReport[];
  contract: FeatureContract;
  served?: TrainedRun['served'];
}

/** The training groups of every label window (unless served-only) and of the served requests, on one contract. */
async function collectTrainingGroups(x: ScorerTrainingInput, warmContract: FeatureContract | undefined): Promise<CollectedGroups> {
  const { plan, resolved: o, options } = x;
  const groups: TrainingGroup[] = [];
  const reports: GroupsReport[] = [];
  let contract = warmContract;
  const served = options.served && servedBefore(options.served, x.validStore.contract.names, plan.temporal, plan.windows.validStart);
  const servedOnly = Boolean(served && options.served?.only);
  if (served && servedOnly) contract ??= fitServedContract(x.validStore.contract, served.groups);
  for (const [i, fold] of servedOnly ? [] : plan.train.entries()) {
    const store = await x.build(fold);
    const built = buildTrainingGroups(store, fold.labels, {
      labelsAnyTime: !plan.temporal,
      maskSeen: options.maskSeen ?? false,
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
  let servedUsed: TrainedRun['served'];
  if (served && contract) {
    const norm = contract;
    groups.push(...served.groups.map((g) => ({ features: normalise(g.rows, norm), labels: g.labels, ts: g.ts, userId: g.userId })));
    servedUsed = { groups: served.groups.length, inValidationOrTest: served.late };
    x.log(`served groups: ${served.groups.length} (${served.late} later ones in the validation or test window left out)`);
  }
  if (!contract || groups.length === 0) throw new Error('no training groups: the label windows hold no interactions');
  const parts = [...reports.map((r) => String(r.groups)), ...(servedUsed ? [`${servedUsed.groups} served`] : [])];
  x.log(`training groups: ${groups.length} (${parts.join(' + ')}), features: ${contract.names.length}`);
  return { groups, reports, contract, ...(servedUsed ? { served: servedUsed } : {}) };
}

/** Trains one kind's model in place on the collected groups, reporting each epoch. */
async function trainOneKind(
  x: ScorerTrainingInput,
  k: {
    kind: ScorerKind;
    model: tf.LayersModel;
    params: Record<string, unknown>;
    /** The kind's training knobs (trainingKnobs). */
    training: ScorerTrainingOptions;
    groups: CollectedGroups;
    /** Epochs of the kinds before this one, and of all kinds, for `onEpoch`. */
    epochs: { done: number; total: number };
  },
): Promise<TrainedScorer> {
  const { resolved: o, options } = x;
  const { training } = k;
  const fitted = k.groups.contract;
  // Validation scores the full catalogue with this window's features; the wrapper is not disposed
  // (it would dispose the model we keep).
  const validRanker = scorerRanker(k.kind, { store: x.validStore, contract: fitted, model: k.model });
  const ndcgOf = async () =>
    (await tuneOnValidation([{ name: 'ltr', params: {}, make: () => validRanker }], x.validCases, x.validStore.itemIds)).best.ndcg10;
  const train = await trainRanker(k.model, k.groups.groups, {
    mode: o.mode,
    ...training,
    seed: o.seed,
    validate: o.mode === 'epochs' ? ndcgOf : undefined,
    onEpoch: (s) => {
      x.log(
        `epoch ${s.epoch}: loss ${s.loss.toFixed(4)}${s.valid !== undefined ? `, validation NDCG@10 ${s.valid.toFixed(4)}` : ''}, ${Math.round(s.pairsPerSec)} pairs/s`,
      );
      options.onEpoch?.(k.epochs.done + s.epoch, k.epochs.total);
    },
  });
  return { kind: k.kind.name, model: k.model, contract: fitted, train, groups: k.groups.reports, params: k.params, training };
}

/** A kind's training knobs: an explicit run option wins, then the kind's preference, then the run's default. */
function trainingKnobs(kind: ScorerKind, options: TrainRunOptions, o: ResolvedRunOptions): ScorerTrainingOptions {
  const fromKind = kind.training ?? {};
  return definedOnly({
    learningRate: options.learningRate ?? fromKind.learningRate ?? o.learningRate,
    l1: options.l1 ?? fromKind.l1 ?? o.l1,
    l2: options.l2 ?? fromKind.l2 ?? o.l2,
    lambdaWeights: options.lambdaWeights ?? fromKind.lambdaWeights ?? o.lambdaWeights,
    epochs: options.epochs ?? fromKind.epochs ?? o.epochs,
    patience: options.patience ?? fromKind.patience ?? o.patience,
    optimizer: fromKind.optimizer,
    batchPairs: fromKind.batchPairs,
  });
}

/** A copy of `value` without its undefined fields. */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
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
  return { ...contract, normalisation: fitGroupsNormalisation(groups, dim) };
}
