/**
 * Turns a verified model version (src/registry/load.ts) into a ServableModel: the item tables it
 * ships with, over the service's user state (a UserStateStore, shared by every loaded version),
 * and its ranker by kind (the TF.js ranker, or a baseline with its tuned knobs).
 */
import path from 'node:path';
import { z } from 'zod';
import {
  type FeatureContract,
  type FeatureTables,
  featureContractSchema,
  featureStoreFromTables,
  type TableFeatureStore,
  type UserStateStore,
} from '../features/index.js';
import { BASELINE_KINDS, createBaseline, isBaselineKind } from '../models/baselines/index.js';
import { LTR_KIND, LtrRanker } from '../models/ltr/index.js';
import type { Ranker } from '../models/ranker.js';
import { RegistryError } from './errors.js';
import type { LoadedVersion } from './load.js';
import { RankerServable } from './ranker-servable.js';
import type { RecommendQuery, ServableModel } from './servable.js';

/** Model kinds this code can serve. */
export const SERVABLE_KINDS: readonly string[] = [LTR_KIND, ...BASELINE_KINDS];

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

/**
 * Builds a loaded version's Ranker over `store`: the version's own feature tables (serving), or
 * another FeatureStore with the same feature names, e.g. a pipeline run's test store, so a champion
 * and a candidate are scored on the same cases. An LTR version normalises with its own contract.
 * The caller owns the ranker (dispose it).
 * @throws RegistryError `corrupt_model` for an invalid feature contract; `unsupported_model` for an
 *   unknown kind, or an LTR contract whose features differ from the store's (names or order).
 */
export async function rankerFromVersion(loaded: LoadedVersion, store: TableFeatureStore): Promise<Ranker> {
  const { manifest } = loaded;
  const manifestFile = path.join(loaded.dir, 'manifest.json');
  if (manifest.kind === LTR_KIND) {
    const contract = versionContract(loaded);
    const own = featureStore(loaded.dir, () => store.withContract(contract));
    const model = await loaded.loadLayersModel();
    try {
      return new LtrRanker({ store: own, contract, model });
    } catch (err) {
      model.dispose();
      throw new RegistryError('unsupported_model', (err as Error).message, loaded.dir);
    }
  }
  if (isBaselineKind(manifest.kind)) {
    const params = (manifest.rankerParams ?? {}) as Record<string, unknown>;
    return createBaseline(manifest.kind, store, params);
  }
  throw new RegistryError(
    'unsupported_model',
    `kind "${manifest.kind}" cannot be served (supported: ${SERVABLE_KINDS.join(', ')})`,
    manifestFile,
  );
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
    if ((err as { code?: string }).code === 'missing_feature') throw new RegistryError('unsupported_model', (err as Error).message, dir);
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
  const tables = await loaded.readJson<FeatureTables>(FEATURES_FILE);
  const contract = manifest.kind === LTR_KIND ? versionContract(loaded) : undefined;
  const store = featureStore(loaded.dir, () => featureStoreFromTables(tables, { users: opts.users, contract }));
  const ranker = await rankerFromVersion(loaded, store);
  let warmup: RecommendQuery[];
  try {
    warmup = manifest.warmup ? await loaded.readJson(manifest.warmup, warmupSchema) : [];
  } catch (err) {
    ranker.dispose(); // a bad warm-up file must not leak the model's tensors
    throw err;
  }
  return new RankerServable({ name: loaded.name, version: loaded.version, kind: manifest.kind, manifest, ranker, store, warmup });
}
