/**
 * Turns a verified model version (src/registry/load.ts) into a ServableModel: the feature tables
 * it ships with, and its ranker by kind (the TF.js ranker, or a baseline with its tuned knobs).
 */
import path from 'node:path';
import { z } from 'zod';
import { type FeatureStore, type FeatureTables, featureContractSchema, featureStoreFromTables } from '../features/index.js';
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
export async function rankerFromVersion(loaded: LoadedVersion, store: FeatureStore): Promise<Ranker> {
  const { manifest } = loaded;
  const manifestFile = path.join(loaded.dir, 'manifest.json');
  if (manifest.kind === LTR_KIND) {
    const parsed = featureContractSchema.safeParse(manifest.featureContract);
    if (!parsed.success) throw new RegistryError('corrupt_model', `featureContract is invalid: ${parsed.error.message}`, manifestFile);
    const model = await loaded.loadLayersModel();
    try {
      return new LtrRanker({ store, contract: parsed.data, model });
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

/** Opens a loaded version for serving: its feature tables, its ranker (rankerFromVersion), its warm-up requests. */
export async function openServable(loaded: LoadedVersion): Promise<ServableModel> {
  const { manifest } = loaded;
  const store = featureStoreFromTables(await loaded.readJson<FeatureTables>(FEATURES_FILE));
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
