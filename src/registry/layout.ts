/**
 * The on-disk layout of the models directory, and the names allowed in it:
 *
 * ```
 * models/<name>/<version>/manifest.json     integer versions 1, 2, 3... (a directory each)
 * models/<name>/<version>/<artifact files>  model.json, weights.bin, feature tables, warmup.json
 * models/<name>/aliases.json                champion, challenger, ... with their history
 * models/<name>/.staging-<pid>-<rand>/      a publish in progress (or a crashed one)
 * models/<name>/.trash-<pid>-<rand>-v<N>/   a pruned version being removed
 * models/<name>/.lock                       held while aliases or retention change
 * ```
 * Everything starting with a dot is invisible to readers.
 */
import path from 'node:path';
import { RegistryError } from './registry-error.js';

/** The manifest's file name inside a version directory. */
export const MANIFEST_FILE = 'manifest.json';
/** The aliases file inside a model directory. */
export const ALIASES_FILE = 'aliases.json';
/** Prefix of publish staging directories. */
export const STAGING_PREFIX = '.staging-';
/** Prefix of pruned versions awaiting removal. */
export const TRASH_PREFIX = '.trash-';
/** The model directory's lock file. */
export const LOCK_FILE = '.lock';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const ALIAS_RE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const SEGMENT_RE = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$/;
const VERSION_RE = /^[1-9][0-9]{0,14}$/;

/** Throws unless `name` is a usable model name (letters, digits, `.`, `_`, `-`; no leading dot). */
export function checkModelName(name: string): string {
  if (!NAME_RE.test(name) || name === '..') {
    throw new RegistryError(
      'invalid_input',
      `model name ${JSON.stringify(name)} is not allowed (use letters, digits, ".", "_", "-"; start with a letter or digit)`,
    );
  }
  return name;
}

/** Throws unless `alias` is a usable alias name (starts with a letter, so it never reads as a version). */
export function checkAliasName(alias: string): string {
  if (!ALIAS_RE.test(alias) || alias === 'latest') {
    throw new RegistryError(
      'invalid_input',
      `alias ${JSON.stringify(alias)} is not allowed (start with a letter; letters, digits, "_", "-"; not "latest")`,
    );
  }
  return alias;
}

/** Throws unless `version` is a positive integer. */
export function checkVersion(version: number): number {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new RegistryError('invalid_input', `version ${JSON.stringify(version)} is not a positive integer`);
  }
  return version;
}

/**
 * Whether an artifact path is safe: relative, `/`-separated, no `..`, no hidden segments, and not
 * the manifest itself. Returned unchanged when safe; throws a RegistryError naming `where` otherwise.
 */
export function checkArtifactPath(file: string, where?: string): string {
  const segments = file.split('/');
  const ok = file.length <= 500 && segments.every((s) => SEGMENT_RE.test(s)) && file !== MANIFEST_FILE;
  if (!ok) {
    throw new RegistryError(
      'invalid_input',
      `artifact file name ${JSON.stringify(file)} is not allowed (relative "/"-separated path of letters, digits, ".", "_", "-"; no "..", no leading dots, not ${MANIFEST_FILE})`,
      where,
    );
  }
  return file;
}

/** Whether a directory entry name is a version (canonical positive integer). */
export function isVersionName(entry: string): boolean {
  return VERSION_RE.test(entry);
}

/** `<modelsDir>/<name>`. */
export function modelDir(modelsDir: string, name: string): string {
  return path.join(modelsDir, checkModelName(name));
}

/** `<modelsDir>/<name>/<version>`. */
export function versionDir(modelsDir: string, name: string, version: number): string {
  return path.join(modelDir(modelsDir, name), String(checkVersion(version)));
}

/** The absolute path of an artifact inside a version directory (after the path is checked). */
export function artifactPath(dir: string, file: string): string {
  return path.join(dir, ...checkArtifactPath(file, path.join(dir, MANIFEST_FILE)).split('/'));
}
