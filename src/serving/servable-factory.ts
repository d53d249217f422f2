/**
 * Turns a verified model version (src/registry/load-version.ts) into a ServableModel: the item tables it
 * ships with, over the service's user state (a UserStateStore, shared by every loaded version),
 * and its ranker by kind, looked up in the kind registry (src/models/kinds.ts): a TF.js scorer kind
 * (its LayersModel as an LtrRanker), or a heuristic kind with its tuned knobs.
 */
import path from 'node:path';
import { z } from 'zod';
import { errorMessage } from '../errors.js';
import {
  type FeatureContract,
  type FeatureTables,
  featureContractSchema,
  featureStoreFromTables,
  type TableFeatureStore,
  type UserStateStore,
} from '../features/index.js';
import { hasModelKind, kindParams, type ModelKind, modelKind, modelKinds, scorerRanker } from '../models/kinds.js';
import type { Ranker } from '../models/ranker.js';
import { ONNX_FILE } from '../models/scoring/onnx-export.js';
import { chooseScorer } from '../models/scoring/select.js';
import { warmupRows } from '../models/scoring/warmup-rows.js';
import type { LoadedVersion } from '../registry/load-version.js';
import { RegistryError } from '../registry/registry-error.js';
import { RankerServable } from './ranker-servable.js';
import type { RecommendQuery, ServableModel } from './servable.js';

/** Model kinds this process can serve: every registered kind (built in, or added with registerModelKind). */
export function servableKinds(): string[] {
  return modelKinds().map((k) => k.name);
}

/** The version's feature tables. */
export const FEATURES_FILE = 'features.json';

const warmupSchema = z.array(
  z.object({
    userId: z.string().min(1),
    itemId: z.string().optional(),
    k: z.number().int().min(1).max(100),
    candidates: z.array(z.string()).optional(),
    exclude: z.array(z.string()).optional(),
  }),
);

/** The version's warm-up requests (its manifest's warm-up file), or none. */
async function warmupOf(loaded: LoadedVersion): Promise<RecommendQuery[]> {
  return loaded.manifest.warmup ? await loaded.readJson(loaded.manifest.warmup, warmupSchema) : [];
}

/** Why a scorer version has no ONNX export, as its manifest says (publish-model.ts writes it). */
function noOnnxReason(loaded: LoadedVersion): string {
  const scoring = loaded.manifest.scoring as { reason?: unknown } | undefined;
  return typeof scoring?.reason === 'string' ? scoring.reason : `the version has no ${ONNX_FILE} (published before ONNX export)`;
}

/**
 * Builds a loaded version's Ranker over `store`: the version's own feature tables (serving), or
 * another FeatureStore with the same feature names, e.g. a pipeline run's test store, so a champion
 * and a candidate are scored on the same cases. A scorer version normalises with its own contract,
 * and scores with onnxruntime-node over its ONNX export where that loads and equals TF.js on the
 * warm-up requests (src/models/scoring/select.ts), with TF.js otherwise.
 * The caller owns the ranker (dispose it).
 * @throws RegistryError `corrupt_model` for an invalid feature contract; `unsupported_model` for a
 *   kind not registered in this process, or a scorer contract whose features differ from the
 *   store's (names or order).
 */
export async function rankerFromVersion(loaded: LoadedVersion, store: TableFeatureStore): Promise<Ranker> {
  const { manifest } = loaded;
  const kind = registeredKind(loaded);
  if (kind.family === 'heuristic') {
    // (A cast as before: tslab's compiler infers the manifest schema's record as unknown.)
    const params = (manifest.rankerParams ?? {}) as Record<string, unknown>;
    return kind.create(store, kindParams(kind, params));
  }
  const contract = versionContract(loaded);
  const own = featureStore(loaded.dir, () => store.withContract(contract));
  const model = await loaded.loadLayersModel();
  let ranker: ReturnType<typeof scorerRanker>;
  try {
    ranker = scorerRanker(kind, { store: own, contract, model });
  } catch (err) {
    model.dispose();
    throw new RegistryError('unsupported_model', errorMessage(err), loaded.dir);
  }
  try {
    const onnx = ONNX_FILE in manifest.artifacts ? await loaded.readFile(ONNX_FILE) : undefined;
    const queries = onnx ? await warmupOf(loaded) : [];
    const { scorer, report } = chooseScorer({
      model,
      onnx,
      noOnnxReason: noOnnxReason(loaded),
      parityRows: () => warmupRows(own, contract, queries),
    });
    ranker.useScorer(scorer, report);
  } catch (err) {
    ranker.dispose(); // a corrupt ONNX file or warm-up file must not leak the model's tensors
    throw err;
  }
  return ranker;
}

/**
 * The registered kind of a loaded version.
 * @throws RegistryError `unsupported_model` naming the kind when this process has not registered it.
 */
function registeredKind(loaded: LoadedVersion): ModelKind {
  const { kind } = loaded.manifest;
  if (!hasModelKind(kind)) {
    throw new RegistryError(
      'unsupported_model',
      `kind "${kind}" is not registered in this process (registered: ${servableKinds().join(', ')}); register it with registerModelKind, or list its module in WORKBENCH_MODEL_KINDS`,
      path.join(loaded.dir, 'manifest.json'),
    );
  }
  return modelKind(kind);
}

/** The version's feature contract (names, versions, normalisation) as recorded in its manifest. */
export function versionContract(loaded: LoadedVersion): FeatureContract {
  const parsed = featureContractSchema.safeParse(loaded.manifest.featureContract);
  if (!parsed.success)
    throw new RegistryError('corrupt_model', `featureContract is invalid: ${parsed.error.message}`, path.join(loaded.dir, 'manifest.json'));
  return parsed.data as FeatureContract;
}

/** Runs `make`, turning a feature this code lacks ("missing_feature") into `unsupported_model`. */
function featureStore(dir: string, make: () => TableFeatureStore): TableFeatureStore {
  try {
    return make();
  } catch (err) {
    if ((err as { code?: string }).code === 'missing_feature') throw new RegistryError('unsupported_model', errorMessage(err), dir);
    throw err;
  }
}

/** Where a served version reads user state. */
export interface OpenServableOptions {
  /** The service's user state (default: an empty embedded store: every user unknown). */
  users?: UserStateStore;
}

/**
 * Opens a loaded version for serving: its item tables over the given user state, its ranker
 * (rankerFromVersion), its warm-up requests.
 * @throws RegistryError `unsupported_model` naming a feature or kind this code does not have.
 */
export async function openServable(loaded: LoadedVersion, opts: OpenServableOptions = {}): Promise<ServableModel> {
  const { manifest } = loaded;
  const kind = registeredKind(loaded); // an unknown kind is refused before its tables are read
  const tables = await loaded.readJson<FeatureTables>(FEATURES_FILE);
  const contract = kind.family === 'scorer' ? versionContract(loaded) : undefined;
  const store = featureStore(loaded.dir, () => featureStoreFromTables(tables, { users: opts.users, contract }));
  const ranker = await rankerFromVersion(loaded, store);
  let warmup: RecommendQuery[];
  try {
    warmup = await warmupOf(loaded);
  } catch (err) {
    ranker.dispose(); // a bad warm-up file must not leak the model's tensors
    throw err;
  }
  return new RankerServable({ name: loaded.name, version: loaded.version, kind: manifest.kind, manifest, ranker, store, warmup });
}
