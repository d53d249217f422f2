/**
 * Model kinds as a registry. A kind is what a model directory's manifest names (`"kind":
 * "ltr-mlp"`): how to build, train, publish and load that model. The training run, `publishRun`,
 * the servable factory (and so the service and its A/B arms) and `workbench train --kind` all look
 * kinds up here, so a data scientist adds one by calling `registerModelKind` (in a notebook cell,
 * or in a module the CLI and the service import through WORKBENCH_MODEL_KINDS), with no edit to
 * the registry code.
 *
 * Two families:
 * - `scorer`: a TF.js tf.LayersModel over the normalised feature vector of one (user, candidate)
 *   pair, trained by `trainRanker` (pairwise loss), published as model.json + weights, and served
 *   as an `LtrRanker` named after the kind. Built in: `ltr-mlp`.
 * - `heuristic`: a Ranker built from a FeatureStore and JSON-safe params, its params tuned over
 *   `grid` on the validation window. Built in: the baselines (popularity, repeat, cooccurrence,
 *   attributes, item-knn, bpr). A heuristic kind may learn item state from the store's window
 *   (item-knn's neighbour lists, bpr's factors: features/item-state.ts); `publishRun` builds it
 *   once on the serving store so the version's tables carry that state.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { errorMessage, WorkbenchError } from '../errors.js';
import type { FeatureContract } from '../features/contract.js';
import type { FeatureStore } from '../features/store.js';
import type { tf } from './backend.js';
import { BASELINE_MODEL_KINDS } from './baselines/baseline-kinds.js';
import { LTR_MLP } from './ltr/kind.js';
import { LtrRanker, type RankerFeatureSource } from './ltr/ltr-ranker.js';
import { usesItemIndex } from './ltr/mlp.js';
import type { TrainOptions } from './ltr/train-ranker.js';
import type { Ranker } from './ranker.js';

/** The two families of kinds. */
export type ModelKindFamily = 'scorer' | 'heuristic';

/** What a scorer kind's `createModel` is given. */
export interface ScorerBuild<P extends object> {
  /** Number of features D of the feature contract (the model's input is [n, D] float32). */
  readonly inputDim: number;
  /** Seed of the initialisers: the same seed must give the same initial weights (the conformance suite checks it). */
  readonly seed: number;
  /** The kind's `defaults` with the run's overrides (TrainRunOptions.kindParams) merged over them. */
  readonly params: P;
}

/**
 * Training knobs a scorer kind may choose for itself: the loss variant (`lambdaWeights`: LambdaRank
 * |delta NDCG| pair weights), the elastic net (`l1`, `l2`), the optimiser and its step. A knob the
 * run sets explicitly (TrainRunOptions, CLI flags) wins; then the kind's; then the run's defaults.
 */
export type ScorerTrainingOptions = Pick<
  TrainOptions,
  'learningRate' | 'optimizer' | 'l1' | 'l2' | 'lambdaWeights' | 'batchPairs' | 'epochs' | 'patience'
>;

/** What every kind has. */
export interface ModelKindBase<P extends object> {
  /** The manifest kind and the ranker's name in reports: a lowercase identifier such as "ltr-linear". */
  readonly name: string;
  /** One line for listings and usage text. */
  readonly description: string;
  /**
   * Default hyper-parameters (scorer) or knobs (heuristic). JSON-safe: they are recorded in the
   * manifest's `rankerParams`.
   */
  readonly defaults: P;
}

/**
 * A TF.js scorer over the feature vector: trained by `trainRanker` on the run's training groups,
 * early-stopped on validation NDCG@10, saved as a LayersModel, loaded as an `LtrRanker` named after
 * the kind. Publishing saves the architecture with the weights, so loading needs no code beyond
 * the kind being registered (custom layers aside: register those with tf.serialization too).
 */
export interface ScorerKind<P extends object = object> extends ModelKindBase<P> {
  readonly family: 'scorer';
  /**
   * Builds an untrained model mapping [n, inputDim] float32 features to [n, 1] scores. Initial
   * weights must depend only on `build.seed` (use seeded initialisers). The caller owns the model.
   */
  createModel(build: ScorerBuild<P>): tf.LayersModel;
  /** Training knobs this kind prefers (see ScorerTrainingOptions for precedence). */
  readonly training?: ScorerTrainingOptions;
}

/** A ranker computed from the FeatureStore's tables (the baselines), its knobs tuned over `grid`. */
export interface HeuristicKind<P extends object = object> extends ModelKindBase<P> {
  readonly family: 'heuristic';
  /**
   * Builds the ranker over `store` with `params`: `defaults` with a grid setting (tuning) or the
   * manifest's `rankerParams` (serving) merged over them. Must be deterministic. Throw a UsageError
   * naming a bad knob.
   */
  create(store: FeatureStore, params: P): Ranker;
  /**
   * Settings tried on the validation window (at least one; JSON-safe); the best one is what
   * `publishRun` records as the version's `rankerParams`.
   */
  readonly grid: readonly P[];
  /**
   * Why this kind cannot rank on `store` (e.g. the data has no item attributes), or undefined when
   * it can. A run skips such a kind with the reason in its report rather than reporting (and maybe
   * naming best) a baseline that silently degrades into another one.
   */
  unavailable?(store: FeatureStore): string | undefined;
}

/** A registered model kind. */
export type ModelKind = ScorerKind | HeuristicKind;

/** Options of `registerModelKind`. */
export interface RegisterModelKindOptions {
  /** Replace a registered kind of the same name (e.g. when a notebook cell redefines it). Default false. */
  replace?: boolean;
}

/** The environment variable listing modules that register kinds (comma-separated paths), read by the CLI and the service. */
export const MODEL_KINDS_ENV = 'WORKBENCH_MODEL_KINDS';

const KIND_NAME = /^[a-z][a-z0-9._-]*$/;
const registry = new Map<string, ModelKind>();

function invalid(name: string, why: string): never {
  throw new WorkbenchError('invalid_kind', `model kind "${name}": ${why}`);
}

function validate(kind: ModelKind): void {
  const name = String(kind.name);
  if (!KIND_NAME.test(name)) invalid(name, 'the name must be a lowercase identifier such as "ltr-linear" (a-z, 0-9, ".", "_", "-")');
  if (typeof kind.description !== 'string') invalid(name, 'description must be a string');
  if (kind.defaults === null || typeof kind.defaults !== 'object') invalid(name, 'defaults must be an object (use {} for none)');
  if (kind.family === 'scorer') {
    if (typeof kind.createModel !== 'function') invalid(name, 'a scorer kind needs createModel(build)');
  } else if (kind.family === 'heuristic') {
    if (typeof kind.create !== 'function') invalid(name, 'a heuristic kind needs create(store, params)');
    if (kind.unavailable !== undefined && typeof kind.unavailable !== 'function')
      invalid(name, 'unavailable must be a function (store) => reason | undefined');
    if (!Array.isArray(kind.grid) || kind.grid.length === 0)
      invalid(name, 'a heuristic kind needs a non-empty grid (use [{}] for the defaults)');
  } else {
    invalid(name, `unknown family "${String((kind as { family: unknown }).family)}" (use "scorer" or "heuristic")`);
  }
}

/**
 * Registers a model kind, so runs can train it, `publishRun` can publish it and `openServable` can
 * load it. Registering the identical object again is a no-op (re-importing a module is harmless);
 * another kind under a registered name throws unless `options.replace` is set.
 * @returns the kind, for `const LINEAR = registerModelKind({...})`.
 * @throws WorkbenchError `invalid_kind` for a malformed kind; `kind_exists` for a name taken by another kind.
 */
export function registerModelKind<P extends object>(
  kind: ScorerKind<P> | HeuristicKind<P>,
  options: RegisterModelKindOptions = {},
): ScorerKind<P> | HeuristicKind<P> {
  const erased: ModelKind = kind;
  validate(erased);
  const existing = registry.get(kind.name);
  if (existing && existing !== erased && !options.replace) {
    throw new WorkbenchError(
      'kind_exists',
      `model kind "${kind.name}" is already registered (${existing.family}: ${existing.description}); pass { replace: true } to replace it`,
    );
  }
  registry.set(kind.name, erased);
  return kind;
}

/**
 * The registered kind named `name`.
 * @throws WorkbenchError `unknown_kind` naming the kind and listing the registered ones.
 */
export function modelKind(name: string): ModelKind {
  const kind = registry.get(name);
  if (!kind) {
    throw new WorkbenchError(
      'unknown_kind',
      `unknown model kind "${name}"; registered: ${[...registry.keys()].join(', ') || 'none'} (add one with registerModelKind)`,
    );
  }
  return kind;
}

/** Whether a kind named `name` is registered. */
export function hasModelKind(name: string): boolean {
  return registry.has(name);
}

/** Every registered kind, in registration order (built-ins first); only one family's when `family` is given. */
export function modelKinds(): ModelKind[];
export function modelKinds(family: 'scorer'): ScorerKind[];
export function modelKinds(family: 'heuristic'): HeuristicKind[];
export function modelKinds(family?: ModelKindFamily): ModelKind[] {
  const all = [...registry.values()];
  return family ? all.filter((k) => k.family === family) : all;
}

/** The kind's defaults with `overrides` merged over them. */
export function kindParams<P extends object>(kind: ModelKindBase<P>, overrides?: object): P {
  return { ...kind.defaults, ...overrides };
}

/**
 * Builds a scorer kind's untrained model and checks that it fits the training and serving path:
 * one [n, inputDim] float input, one score per row.
 * @throws WorkbenchError `invalid_kind` naming the kind when it does not.
 */
export function createScorerModel<P extends object>(kind: ScorerKind<P>, build: ScorerBuild<P>): tf.LayersModel {
  const model = kind.createModel(build);
  const problem = (() => {
    if (usesItemIndex(model)) return `it takes ${model.inputs.length} inputs; a scorer kind takes the feature matrix only`;
    const dim = model.inputs[0]?.shape[1];
    if (dim !== build.inputDim) return `its input takes ${String(dim)} features, expected ${build.inputDim}`;
    if (model.outputs.length !== 1) return `it has ${model.outputs.length} outputs; a scorer outputs one score per row ([n, 1])`;
    const out = model.outputs[0].shape;
    if (out.length !== 2 || out[1] !== 1) return `it must output one score per row ([n, 1]), got ${JSON.stringify(out)}`;
    return undefined;
  })();
  if (problem) {
    model.dispose();
    invalid(kind.name, `createModel built an unusable model: ${problem}`);
  }
  return model;
}

/** A trained scorer of `kind` as a Ranker named after the kind (owns `model`: dispose() frees it). */
export function scorerRanker(
  kind: ScorerKind,
  parts: { store: RankerFeatureSource; contract: FeatureContract; model: tf.LayersModel },
): LtrRanker {
  return new LtrRanker({ ...parts, name: kind.name });
}

/**
 * Imports modules that register kinds (each calls `registerModelKind` when imported), e.g. the
 * value of WORKBENCH_MODEL_KINDS, so the CLI and the service know kinds defined outside src/.
 * @param specifiers - comma-separated string or list of paths (relative to `baseDir`) or file URLs.
 * @returns the names of the kinds the modules registered.
 * @throws WorkbenchError `kind_module` naming the module that failed to load.
 */
export async function importModelKinds(specifiers: string | readonly string[] | undefined, baseDir: string): Promise<string[]> {
  const list = (typeof specifiers === 'string' ? specifiers.split(',') : (specifiers ?? [])).map((s) => s.trim()).filter(Boolean);
  const before = new Set(registry.keys());
  for (const spec of list) {
    const url = spec.startsWith('file:') ? spec : pathToFileURL(path.resolve(baseDir, spec)).href;
    try {
      await import(url);
    } catch (err) {
      throw new WorkbenchError('kind_module', `cannot load model kinds from ${spec}: ${errorMessage(err)}`, { cause: err });
    }
  }
  return [...registry.keys()].filter((k) => !before.has(k));
}

// The built-in kinds: the TF.js MLP ranker and every baseline.
registerModelKind(LTR_MLP);
for (const kind of BASELINE_MODEL_KINDS) registerModelKind<object>(kind);
