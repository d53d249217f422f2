/**
 * Publishing a model version atomically. Files are written into a hidden staging directory,
 * fsync'ed (files and directories), then the staging directory is renamed to the next integer
 * version and the parent fsync'ed. Readers never see a half-written version: a version directory
 * appears complete or not at all, and a crash leaves only a hidden staging directory (ignored by
 * readers, removed by prune). Two publishers never get the same number: renaming onto an existing
 * non-empty directory fails, and the loser retries with the next number.
 */
import { execFile } from 'node:child_process';
import { mkdir, readdir, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.js';
import { errnoCode, fsyncDir, randomToken, sha256Hex, writeFileDurable } from './fsutil.js';
import { artifactPath, checkArtifactPath, checkModelName, MANIFEST_FILE, STAGING_PREFIX } from './layout.js';
import { listVersions } from './load-version.js';
import { type Artifact, describeZodError, type Manifest, type ManifestInput, manifestSchema } from './manifest.js';
import { RegistryError } from './registry-error.js';
import { s3RegistryFor } from './remote.js';
import { isS3Url } from './s3-location.js';

/** What a producer states about a version; the publisher adds name, version, artifacts and format. */
export type PublishManifest = Omit<ManifestInput, 'formatVersion' | 'name' | 'version' | 'artifacts' | 'createdAt' | 'lineage'> & {
  /** Defaults to now. */
  createdAt?: string;
  /** `gitCommit` defaults to `git rev-parse HEAD` of the project (null if unavailable). */
  lineage: Omit<ManifestInput['lineage'], 'gitCommit'> & { gitCommit?: string | null };
};

/** Input of `publishVersion`. */
export interface PublishInput {
  /** Every file of the version by relative path (model.json, weights.bin, tables, warmup.json...). */
  files: Record<string, Uint8Array | string>;
  manifest: PublishManifest;
  hooks?: {
    /** Runs once the staging directory is complete, before it is renamed (tests simulate crashes here). */
    beforeRename?: (stagingDir: string) => Promise<void>;
    /** Object storage: runs once every file is uploaded, before the manifest (tests simulate crashes here). */
    beforeManifest?: (versionUrl: string) => Promise<void>;
  };
}

/** The published version. */
export interface PublishResult {
  version: number;
  dir: string;
  manifest: Manifest;
}

let commit: Promise<string | null> | undefined;

/**
 * The git commit of the code this process runs (`git rev-parse HEAD` in the project root), or null
 * when git or the repository is unavailable. Read once per process: the code in memory does not
 * change when the checkout does.
 */
export function gitCommit(cwd: string = PROJECT_ROOT): Promise<string | null> {
  const read = new Promise<string | null>((resolve) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd, timeout: 5_000 }, (err, stdout) => {
      const out = String(stdout).trim();
      resolve(!err && /^[0-9a-f]{40,64}$/.test(out) ? out : null);
    });
  });
  if (cwd !== PROJECT_ROOT) return read;
  commit ??= read;
  return commit;
}

const MAX_ATTEMPTS = 1000;

function isTaken(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR';
}

/** A publish's input, validated and hashed, before anything is written. */
export interface PreparedPublish {
  files: { rel: string; bytes: Uint8Array }[];
  artifacts: Record<string, Artifact>;
  /** The stated manifest with its publication time fixed. */
  stated: PublishManifest;
  gitSha: string | null;
}

/**
 * Validates names, file paths and the manifest (as it would be for version 1) and hashes every
 * file: what every registry implementation does before touching storage.
 */
export async function preparePublish(name: string, input: PublishInput): Promise<PreparedPublish> {
  checkModelName(name);
  const encoder = new TextEncoder();
  const files = Object.entries(input.files).map(([rel, data]) => {
    checkArtifactPath(rel);
    const bytes = typeof data === 'string' ? encoder.encode(data) : data;
    return { rel, bytes, artifact: { sha256: sha256Hex(bytes), bytes: bytes.byteLength } };
  });
  if (files.length === 0) throw new RegistryError('invalid_input', `cannot publish ${name}: no files`);
  const artifacts = Object.fromEntries(files.map((f) => [f.rel, f.artifact]));
  const gitSha = input.manifest.lineage.gitCommit === undefined ? await gitCommit() : null;
  // One publication time, whatever version number the publish ends up with.
  const stated: PublishManifest = { ...input.manifest, createdAt: input.manifest.createdAt ?? new Date().toISOString() };
  buildManifest(name, 1, stated, artifacts, gitSha); // fail fast, before touching storage
  return { files: files.map(({ rel, bytes }) => ({ rel, bytes })), artifacts, stated, gitSha };
}

/** The manifest of `name` version `version` (validated; invalid input is a RegistryError). */
export function buildManifest(
  name: string,
  version: number,
  input: PublishManifest,
  artifacts: Record<string, Artifact>,
  gitSha: string | null,
): Manifest {
  const { createdAt, lineage, ...rest } = input;
  const parsed = manifestSchema.safeParse({
    ...rest,
    formatVersion: 1,
    name,
    version,
    createdAt: createdAt ?? new Date().toISOString(),
    artifacts,
    lineage: { ...lineage, gitCommit: lineage.gitCommit === undefined ? gitSha : lineage.gitCommit },
  });
  if (!parsed.success) throw new RegistryError('invalid_input', `cannot publish ${name}: ${describeZodError(parsed.error)}`);
  return parsed.data;
}

/**
 * Publishes a new version of model `name` under `modelsDir` (see the module comment for the
 * guarantees). Input is validated before anything is written.
 * @returns the allocated version, its directory and the manifest as written.
 */
export async function publishVersion(modelsDir: string, name: string, input: PublishInput): Promise<PublishResult> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).publishVersion(name, input);
  const { files, artifacts, stated, gitSha } = await preparePublish(name, input);
  const root = path.join(modelsDir, name);
  await mkdir(root, { recursive: true });
  const staging = path.join(root, `${STAGING_PREFIX}${process.pid}-${randomToken()}`);
  await mkdir(staging);
  try {
    const dirs = new Set<string>([staging]);
    for (const f of files) {
      const target = artifactPath(staging, f.rel);
      await writeFileDurable(target, f.bytes, 'wx');
      for (let d = path.dirname(target); d !== staging; d = path.dirname(d)) dirs.add(d);
    }
    // Deepest first, so each directory's entries are durable before its parent's.
    for (const d of [...dirs].sort((a, b) => b.length - a.length)) await fsyncDir(d);

    const manifestFile = path.join(staging, MANIFEST_FILE);
    const existing = await listVersions(modelsDir, name);
    let version = (existing.at(-1) ?? 0) + 1;
    let manifest = buildManifest(name, version, stated, artifacts, gitSha);
    await writeFileDurable(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
    await fsyncDir(staging);
    await input.hooks?.beforeRename?.(staging);
    for (let attempt = 1; ; attempt++) {
      try {
        await rename(staging, path.join(root, String(version)));
        break;
      } catch (err) {
        if (!isTaken(err) || attempt >= MAX_ATTEMPTS) throw err;
      }
      // Taken by a concurrent publisher: the manifest names its version, so rewrite it first.
      const latest = (await listVersions(modelsDir, name)).at(-1) ?? 0;
      version = Math.max(version, latest) + 1;
      manifest = buildManifest(name, version, stated, artifacts, gitSha);
      await writeFileDurable(manifestFile, `${JSON.stringify(manifest, null, 2)}\n`);
      await fsyncDir(staging);
    }
    await fsyncDir(root);
    return { version, dir: path.join(root, String(version)), manifest };
  } catch (err) {
    // Best effort: a failed publish leaves nothing behind (a killed one leaves staging for prune).
    await rm(staging, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}

/** Names of staging directories under a model (for diagnosis and tests). */
export async function listStaging(modelsDir: string, name: string): Promise<string[]> {
  try {
    return (await readdir(path.join(modelsDir, checkModelName(name)))).filter((e) => e.startsWith(STAGING_PREFIX)).sort();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
}
