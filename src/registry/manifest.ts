/**
 * `manifest.json`, the contract between data science and engineering: what a model version is
 * (kind, feature contract), every file it consists of (sha256 and size), how good it was offline
 * (metrics), and where it came from (lineage). Format version 1; readers refuse other versions.
 */
import { type ZodError, z } from 'zod';
import { errorMessage } from '../errors.js';
import { checkArtifactPath } from './layout.js';
import { RegistryError } from './registry-error.js';

/** The manifest format this code writes and reads. */
export const MANIFEST_FORMAT_VERSION = 1;

/** One file of a version: its sha256 (hex) and size in bytes. */
export const artifactSchema = z.strictObject({
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'expected 64 lowercase hex digits'),
  bytes: z.number().int().nonnegative(),
});
export type Artifact = z.infer<typeof artifactSchema>;

/**
 * Feature names (in the order the scorer expects them) and normalisation. Validated loosely here:
 * the model kind that reads it owns the details (e.g. src/models/ltr's FeatureContract).
 */
export const featureContractSchema = z.looseObject({
  names: z.array(z.string().min(1)).optional(),
  normalisation: z.unknown().optional(),
});
export type FeatureContractDoc = z.infer<typeof featureContractSchema>;

/** Where a version came from: enough to reproduce it. */
export const lineageSchema = z.object({
  /** The training data: loader source, file path and sha256 of the input bytes when known. */
  data: z.looseObject({ source: z.string().min(1), path: z.string().optional(), sha256: z.string().optional() }),
  /** Split boundaries, e.g. `{ trainEnd: "2011-11-09", testEnd: "2011-12-10" }`. */
  split: z.record(z.string(), z.json()).default({}),
  /** Training parameters (hyper-parameters, feature knobs). */
  params: z.record(z.string(), z.json()).default({}),
  /** The seed the run used, when it used one. */
  seed: z.number().int().nullable().default(null),
  /** `git rev-parse HEAD` of the code that trained it; null outside a git checkout. */
  gitCommit: z.string().nullable(),
  /** The notebook (and cell) or run id that produced the version. */
  producer: z.string().min(1),
  /** TensorFlow.js backend used for training (null for models without TF.js). */
  tfjsBackend: z.string().nullable().default(null),
});
export type Lineage = z.infer<typeof lineageSchema>;

/** Zod schema of manifest.json (format version 1). Unknown extra fields are kept, not refused. */
export const manifestSchema = z
  .looseObject({
    formatVersion: z.literal(MANIFEST_FORMAT_VERSION),
    name: z.string().min(1),
    version: z.number().int().positive(),
    /** ISO 8601 time of publication. */
    createdAt: z.iso.datetime({ offset: true }),
    /** What the loader dispatches on: "ltr-mlp", "popularity", "cooccurrence", "attribute", "repeat"... */
    kind: z.string().regex(/^[a-z][a-z0-9._-]*$/, 'expected a lowercase identifier such as "ltr-mlp"'),
    featureContract: featureContractSchema.default({}),
    /** Every file of the version except manifest.json itself, by path relative to the version dir. */
    artifacts: z.record(z.string(), artifactSchema),
    /** Offline metrics from the evaluation report (any JSON object). */
    metrics: z.record(z.string(), z.json()).default({}),
    lineage: lineageSchema,
    /** File (one of the artifacts) holding warm-up requests, usually "warmup.json". */
    warmup: z.string().optional(),
    /** Link to the pipeline run record that published it. */
    run: z.looseObject({ id: z.string().min(1), path: z.string().optional() }).optional(),
  })
  .superRefine((m, ctx) => {
    for (const file of Object.keys(m.artifacts)) {
      try {
        checkArtifactPath(file);
      } catch (err) {
        ctx.addIssue({ code: 'custom', path: ['artifacts', file], message: errorMessage(err) });
      }
    }
    if (m.warmup !== undefined && !(m.warmup in m.artifacts)) {
      ctx.addIssue({ code: 'custom', path: ['warmup'], message: `names "${m.warmup}", which is not one of the artifacts` });
    }
  });

/** A validated manifest. */
export type Manifest = z.infer<typeof manifestSchema>;
/** A manifest before defaults are applied (what producers write). */
export type ManifestInput = z.input<typeof manifestSchema>;

/** One line describing the first problems zod found, naming the fields. */
export function describeZodError(err: ZodError): string {
  return err.issues
    .slice(0, 3)
    .map((i) => (i.path.length ? `field "${i.path.map(String).join('.')}": ${i.message}` : i.message))
    .join('; ');
}

/**
 * Validates a manifest object (already parsed JSON).
 * @param file - the manifest's path, named in errors.
 * @param expected - the name and version the directory says it holds; a mismatch is refused.
 * @throws RegistryError `unsupported_model` for another formatVersion, `corrupt_model` otherwise.
 */
export function validateManifest(value: unknown, file: string, expected?: { name: string; version: number }): Manifest {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new RegistryError('corrupt_model', 'manifest is not a JSON object', file);
  }
  const format = (value as { formatVersion?: unknown }).formatVersion;
  if (format !== MANIFEST_FORMAT_VERSION) {
    throw new RegistryError(
      'unsupported_model',
      `unknown formatVersion ${JSON.stringify(format)} (this workbench reads ${MANIFEST_FORMAT_VERSION})`,
      file,
    );
  }
  const parsed = manifestSchema.safeParse(value);
  if (!parsed.success) throw new RegistryError('corrupt_model', `invalid manifest: ${describeZodError(parsed.error)}`, file);
  const m = parsed.data;
  if (expected && (m.name !== expected.name || m.version !== expected.version)) {
    throw new RegistryError(
      'corrupt_model',
      `manifest says ${m.name} version ${m.version} but the directory is ${expected.name} version ${expected.version}`,
      file,
    );
  }
  return m;
}

/** Parses manifest.json text; malformed JSON is refused naming the file. See validateManifest. */
export function parseManifest(text: string, file: string, expected?: { name: string; version: number }): Manifest {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new RegistryError('corrupt_model', `malformed JSON (${errorMessage(err)})`, file);
  }
  return validateManifest(value, file, expected);
}
