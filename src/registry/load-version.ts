/**
 * Reading the models directory: list models and versions, read a manifest, and load a version for
 * use after checking its format, its kind and the sha256 of EVERY artifact. Anything wrong (a
 * missing file, a changed byte, malformed JSON, an unknown format or kind) is refused with a
 * RegistryError naming the file and the problem. Dot-entries (staging, trash) are invisible.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { LayersModel } from '@tensorflow/tfjs';
import type { z } from 'zod';
import { errorMessage, NotFoundError } from '../errors.js';
import { readAliases } from './aliases-store.js';
import { errnoCode, sha256File, sha256Hex } from './fsutil.js';
import { artifactPath, checkAliasName, checkModelName, isVersionName, MANIFEST_FILE, modelDir, versionDir } from './layout.js';
import { describeZodError, type Manifest, parseManifest } from './manifest.js';
import { RegistryError } from './registry-error.js';
import { s3RegistryFor } from './remote.js';
import { isS3Url } from './s3-location.js';

/** Which version to load: a number, the highest one, or whatever an alias names. */
export type VersionRef = number | 'latest' | { alias: string };

/** Options for reading a version. */
export interface LoadOptions {
  /** Kinds the caller can serve; a version of any other kind is refused (`unsupported_model`). */
  kinds?: readonly string[];
}

/** A verified model version, ready to read. Every read is checked against the manifest again. */
export interface LoadedVersion {
  name: string;
  version: number;
  /** The version directory. */
  dir: string;
  manifest: Manifest;
  /** Files in the directory the manifest does not list (never served; reported for diagnosis). */
  unlisted: string[];
  /** The bytes of an artifact, after checking its sha256 again. */
  readFile(file: string): Promise<Buffer>;
  /** An artifact parsed as JSON (and validated by `schema` when given). */
  readJson<T = unknown>(file: string, schema?: z.ZodType<T>): Promise<T>;
  /** The TF.js layers model stored as `model.json` (default) + weights, through verified reads. */
  loadLayersModel(modelFile?: string): Promise<LayersModel>;
}

async function dirEntries(dir: string): Promise<{ name: string; isDir: boolean }[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.map((e) => ({ name: e.name, isDir: e.isDirectory() }));
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') return [];
    throw err;
  }
}

/** Names of the models in `modelsDir` (sorted); a missing directory has none. */
export async function listModels(modelsDir: string): Promise<string[]> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).listModels();
  const names: string[] = [];
  for (const e of await dirEntries(modelsDir)) {
    if (!e.isDir || e.name.startsWith('.')) continue;
    try {
      names.push(checkModelName(e.name));
    } catch {
      /* a folder that cannot be a model: not ours to list */
    }
  }
  return names.sort();
}

/** Published versions of a model, ascending; staging and trash directories are ignored. */
export async function listVersions(modelsDir: string, name: string): Promise<number[]> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).listVersions(name);
  return (await dirEntries(modelDir(modelsDir, name)))
    .filter((e) => e.isDir && isVersionName(e.name))
    .map((e) => Number(e.name))
    .sort((a, b) => a - b);
}

/**
 * Reads and validates a version's manifest (format, schema, name and version) without hashing
 * the artifacts. NotFoundError if the version does not exist.
 */
export async function readManifest(modelsDir: string, name: string, version: number): Promise<Manifest> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).readManifest(name, version);
  const dir = versionDir(modelsDir, name, version);
  const file = path.join(dir, MANIFEST_FILE);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if (errnoCode(err) !== 'ENOENT') throw err;
    const exists = await stat(dir).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!exists) throw new NotFoundError(`model "${name}" has no version ${version} in ${modelsDir}`);
    throw new RegistryError('corrupt_model', 'missing (the version cannot be verified)', file);
  }
  return parseManifest(text, file, { name, version });
}

/** Files under `dir` (relative, "/"-separated), manifest excluded. */
async function walk(dir: string, prefix = ''): Promise<string[]> {
  const out: string[] = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(path.join(dir, e.name), rel)));
    else if (rel !== MANIFEST_FILE) out.push(rel);
  }
  return out;
}

function short(hash: string): string {
  return `${hash.slice(0, 12)}...`;
}

/** Checks one artifact's bytes against the manifest (size first: a truncation says so plainly). */
function checkBytes(file: string, expected: { sha256: string; bytes: number }, actual: { sha256: string; bytes: number }): void {
  if (actual.bytes !== expected.bytes) {
    throw new RegistryError(
      'corrupt_model',
      `size mismatch (manifest ${expected.bytes} bytes, file ${actual.bytes} bytes; truncated or altered)`,
      file,
    );
  }
  if (actual.sha256 !== expected.sha256) {
    throw new RegistryError('corrupt_model', `sha256 mismatch (manifest ${short(expected.sha256)}, file ${short(actual.sha256)})`, file);
  }
}

export function checkKind(manifest: Manifest, file: string, kinds: readonly string[] | undefined): void {
  if (kinds && !kinds.includes(manifest.kind)) {
    throw new RegistryError(
      'unsupported_model',
      `kind "${manifest.kind}" cannot be served here (supported: ${kinds.length ? kinds.join(', ') : 'none'})`,
      file,
    );
  }
}

/**
 * Verifies a version completely: manifest (format, schema, name/version, kind) and the size and
 * sha256 of every artifact. Returns the manifest and any files the manifest does not list.
 */
export async function verifyVersion(
  modelsDir: string,
  name: string,
  version: number,
  opts: LoadOptions = {},
): Promise<{ manifest: Manifest; unlisted: string[] }> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).verifyVersion(name, version, opts);
  const dir = versionDir(modelsDir, name, version);
  const manifest = await readManifest(modelsDir, name, version);
  checkKind(manifest, path.join(dir, MANIFEST_FILE), opts.kinds);
  for (const [rel, expected] of Object.entries(manifest.artifacts)) {
    const file = artifactPath(dir, rel);
    let actual: { sha256: string; bytes: number };
    try {
      actual = await sha256File(file);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw new RegistryError('corrupt_model', 'missing (listed in the manifest)', file);
      if (errnoCode(err) === 'EISDIR') throw new RegistryError('corrupt_model', 'is a directory, expected a file', file);
      throw err;
    }
    checkBytes(file, expected, actual);
  }
  const unlisted = (await walk(dir)).filter((f) => !(f in manifest.artifacts));
  return { manifest, unlisted };
}

/** The version a reference names. NotFoundError for a model without versions or an unset alias. */
export async function resolveVersion(modelsDir: string, name: string, ref: VersionRef): Promise<number> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).resolveVersion(name, ref);
  checkModelName(name);
  if (typeof ref === 'number') return ref;
  if (ref === 'latest') {
    const versions = await listVersions(modelsDir, name);
    if (versions.length === 0) throw new NotFoundError(`model "${name}" has no published versions in ${modelsDir}`);
    return versions[versions.length - 1];
  }
  const aliases = await readAliases(modelsDir, name);
  const alias = checkAliasName(ref.alias);
  // Own properties only: "constructor" or "toString" must not find Object.prototype's.
  const version = Object.hasOwn(aliases, alias) ? aliases[alias] : undefined;
  if (version === undefined) throw new NotFoundError(`model "${name}" has no alias "${ref.alias}"`);
  return version;
}

/**
 * Loads a version for use: resolves `ref`, verifies it completely (see verifyVersion), and returns
 * readers that check each file's hash again as they read it (so a file changed after loading is
 * caught too).
 */
export async function loadVersion(modelsDir: string, name: string, ref: VersionRef, opts: LoadOptions = {}): Promise<LoadedVersion> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).loadVersion(name, ref, opts);
  const version = await resolveVersion(modelsDir, name, ref);
  const dir = versionDir(modelsDir, name, version);
  const { manifest, unlisted } = await verifyVersion(modelsDir, name, version, opts);

  const readVerified = async (rel: string): Promise<Buffer> => {
    const file = artifactPath(dir, rel);
    const expected = manifest.artifacts[rel];
    if (!expected) throw new NotFoundError(`${file}: not an artifact of ${name} version ${version}`);
    let bytes: Buffer;
    try {
      bytes = await readFile(file);
    } catch (err) {
      if (errnoCode(err) === 'ENOENT') throw new RegistryError('corrupt_model', 'missing (listed in the manifest)', file);
      throw err;
    }
    checkBytes(file, expected, { sha256: sha256Hex(bytes), bytes: bytes.length });
    return bytes;
  };

  return {
    name,
    version,
    dir,
    manifest,
    unlisted,
    readFile: readVerified,
    async readJson<T = unknown>(rel: string, schema?: z.ZodType<T>): Promise<T> {
      const file = artifactPath(dir, rel);
      const text = (await readVerified(rel)).toString('utf8');
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch (err) {
        throw new RegistryError('corrupt_model', `malformed JSON (${errorMessage(err)})`, file);
      }
      if (!schema) return value as T;
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw new RegistryError('corrupt_model', `unexpected content: ${describeZodError(parsed.error)}`, file);
      return parsed.data;
    },
    async loadLayersModel(modelFile = 'model.json'): Promise<LayersModel> {
      const { initBackend, tf } = await import('../models/backend.js');
      const { loadHandlerFrom } = await import('./io-handlers.js');
      await initBackend();
      // Weight paths come joined to model.json's folder; an escaping path fails the artifact check.
      return tf.loadLayersModel(loadHandlerFrom(readVerified, modelFile, dir));
    },
  };
}
