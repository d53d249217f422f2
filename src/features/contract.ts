/**
 * The feature contract: the names and order of the feature vector of a (user, candidate) pair, and
 * the normalisation fitted on training matrices. ONE object that training, export and serving share,
 * so a model can never be fed columns in another order or scaled differently than it was trained.
 *
 * Skewed quantities (counts, popularity, activity) are log-transformed inside the feature
 * definitions (their names start with `log_`), so normalisation is a plain z-score per column.
 */
import { z } from 'zod';
import { DataError, WorkbenchError } from '../errors.js';
import { BUILTIN_FEATURES } from './builtin.js';
import { featureSetId } from './feature-set.js';

/** Names, order and (once fitted) normalisation of the feature vector. */
export interface FeatureContract {
  version: 1;
  names: string[];
  /** Each feature's definition version (absent in models from before feature definitions: all 1). */
  versions?: number[];
  /** The feature set's id (feature-set.ts `featureSetId`). */
  featureSet?: string;
  normalisation?: { mean: number[]; std: number[] };
}

/** Zod schema of a contract as stored in a manifest or the feature tables. */
export const featureContractSchema = z
  .object({
    version: z.literal(1),
    names: z.array(z.string().min(1)).min(1),
    versions: z.array(z.number().int().positive()).optional(),
    featureSet: z.string().min(1).optional(),
    normalisation: z.object({ mean: z.array(z.number()), std: z.array(z.number().positive()) }).optional(),
  })
  .refine((c) => !c.versions || c.versions.length === c.names.length, { message: 'versions must have one value per feature name' })
  .refine((c) => !c.normalisation || (c.normalisation.mean.length === c.names.length && c.normalisation.std.length === c.names.length), {
    message: 'normalisation.mean and normalisation.std must have one value per feature name',
  });

/** The built-in features' docs by name, in default order (definitions in builtin.ts). */
export const FEATURE_DOCS: Readonly<Record<string, string>> = Object.fromEntries(BUILTIN_FEATURES.map((d) => [d.name, d.doc]));

/** The built-in feature names in default order. */
export const FEATURE_NAMES: readonly string[] = BUILTIN_FEATURES.map((d) => d.name);

/** Column index of each built-in feature by name in the default set (for code that reads particular columns). */
export const FEATURE_INDEX: Readonly<Record<string, number>> = Object.fromEntries(FEATURE_NAMES.map((n, i) => [n, i]));

/** The contract of the default feature set (no normalisation yet). */
export function defaultContract(): FeatureContract {
  return {
    version: 1,
    names: [...FEATURE_NAMES],
    versions: BUILTIN_FEATURES.map((d) => d.version),
    featureSet: featureSetId(BUILTIN_FEATURES),
  };
}

/**
 * {@link fitNormalisation} over the rows of several groups taken together (e.g. a run's query
 * groups, each a row-major matrix of `dim` columns).
 */
export function fitGroupsNormalisation(groups: readonly { readonly rows: Float32Array }[], dim: number): { mean: number[]; std: number[] } {
  const all = new Float32Array(groups.reduce((n, g) => n + g.rows.length, 0));
  let off = 0;
  for (const g of groups) {
    all.set(g.rows, off);
    off += g.rows.length;
  }
  return fitNormalisation(all, dim);
}

/** Smallest standard deviation kept as is; constant columns get std 1 (they normalise to 0). */
const MIN_STD = 1e-6;

/**
 * Fits per-column mean and (population) standard deviation on a training matrix.
 * @param rows - row-major matrix, `rows.length / dim` rows of `dim` values.
 * @param dim - number of columns (the contract's names.length).
 * @throws DataError on a shape mismatch, an empty matrix or a non-finite value (naming row and column).
 */
export function fitNormalisation(rows: Float32Array, dim: number): { mean: number[]; std: number[] } {
  if (!Number.isInteger(dim) || dim <= 0) throw new DataError(`dim must be a positive integer, got ${dim}`, { field: 'dim' });
  if (rows.length === 0 || rows.length % dim !== 0) {
    throw new DataError(`rows.length ${rows.length} is not a positive multiple of dim ${dim}`, { field: 'rows' });
  }
  const n = rows.length / dim;
  const sum = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < dim; c++) {
      const x = rows[r * dim + c];
      if (!Number.isFinite(x)) throw new DataError(`non-finite value ${x} at row ${r}, column ${c}`, { field: 'rows' });
      sum[c] += x;
    }
  }
  const mean = Array.from(sum, (s) => s / n);
  // Second pass on centred values: numerically stable for large offsets (e.g. log popularity).
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < dim; c++) {
      const d = rows[r * dim + c] - mean[c];
      sq[c] += d * d;
    }
  }
  const std = Array.from(sq, (s) => {
    const v = Math.sqrt(s / n);
    return v < MIN_STD ? 1 : v;
  });
  return { mean, std };
}

/**
 * Applies the contract's normalisation: (x - mean) / std per column, into a new array.
 * @throws WorkbenchError "no_normalisation" if the contract has not been fitted; DataError on a shape mismatch.
 */
export function normalise(rows: Float32Array, contract: FeatureContract): Float32Array {
  const norm = contract.normalisation;
  if (!norm) throw new WorkbenchError('no_normalisation', 'the feature contract has no normalisation; fit it with fitNormalisation first');
  const dim = contract.names.length;
  if (norm.mean.length !== dim || norm.std.length !== dim) {
    throw new DataError(`normalisation has ${norm.mean.length} means and ${norm.std.length} stds for ${dim} features`, {
      field: 'normalisation',
    });
  }
  if (rows.length % dim !== 0) throw new DataError(`rows.length ${rows.length} is not a multiple of ${dim} features`, { field: 'rows' });
  const out = new Float32Array(rows.length);
  const inv = norm.std.map((s) => 1 / s);
  for (let i = 0; i < rows.length; i += dim) {
    for (let c = 0; c < dim; c++) out[i + c] = (rows[i + c] - norm.mean[c]) * inv[c];
  }
  return out;
}

/**
 * Checks that a model's contract matches the features a store computes (same names, same order).
 * @throws WorkbenchError "contract_mismatch" naming the first differing position.
 */
export function assertSameFeatures(expected: FeatureContract, actual: FeatureContract): void {
  const a = expected.names;
  const b = actual.names;
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const va = expected.versions?.[i] ?? 1;
    const vb = actual.versions?.[i] ?? 1;
    if (a[i] === b[i] && va !== vb) {
      throw new WorkbenchError('contract_mismatch', `feature ${i} "${a[i]}" is version ${vb} here but the model expects version ${va}`);
    }
    if (a[i] !== b[i]) {
      throw new WorkbenchError(
        'contract_mismatch',
        `feature ${i} is "${b[i] ?? '(missing)'}" but the model expects "${a[i] ?? '(none)'}" (${a.length} vs ${b.length} features)`,
      );
    }
  }
}
