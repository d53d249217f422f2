/**
 * Promotion and rollback: moving an alias (`champion`, `challenger`, or any name) is how a version
 * goes live or is withdrawn. Every change runs under the model's lock, verifies the target version
 * completely first, and replaces aliases.json atomically, recording the version it replaced so
 * `rollbackAlias` can move back to it.
 */
import { NotFoundError } from '../errors.js';
import { type AliasEntry, type AliasesFile, aliasEntry, MAX_ALIAS_HISTORY, readAliasesFile, writeAliasesFile } from './aliases-store.js';
import { checkAliasName, checkVersion, modelDir } from './layout.js';
import { type LoadOptions, listVersions, verifyVersion } from './load-version.js';
import { type LockOptions, withModelLock } from './model-lock.js';
import { s3RegistryFor } from './remote.js';
import { isS3Url } from './s3-location.js';

/** What an alias change did. */
export interface AliasChange {
  model: string;
  alias: string;
  /** The version the alias named before (null if it was unset). */
  previous: number | null;
  /** The version it names now (null once removed). */
  version: number | null;
  /** False when the alias already named this version (nothing was written). */
  changed: boolean;
}

/** Options of alias changes: supported kinds (verification), lock behaviour, and a deeper check. */
export type AliasOptions = LoadOptions &
  LockOptions & {
    /**
     * Runs before the alias moves and refuses the version by throwing, e.g. `checkServable`
     * (servable-check.ts: open and warm it as the service would). Default: hash verification only.
     */
    check?: (name: string, version: number) => Promise<void>;
  };

async function requireModel(modelsDir: string, name: string): Promise<number[]> {
  const versions = await listVersions(modelsDir, name);
  if (versions.length === 0) throw new NotFoundError(`model "${name}" has no published versions in ${modelsDir}`);
  return versions;
}

async function requireVersion(modelsDir: string, name: string, version: number): Promise<void> {
  const versions = await requireModel(modelsDir, name);
  if (!versions.includes(version)) {
    throw new NotFoundError(`model "${name}" has no version ${version} (versions: ${versions.join(', ')})`);
  }
}

/** Checks the alias name and that the model exists, then runs `change` under the model's lock. */
async function lockedAliasChange(
  modelsDir: string,
  name: string,
  alias: string,
  opts: LockOptions,
  change: () => Promise<AliasChange>,
): Promise<AliasChange> {
  checkAliasName(alias);
  await requireModel(modelsDir, name);
  return withModelLock(modelDir(modelsDir, name), change, opts);
}

/**
 * Points `alias` at `version` (promote). Refuses a version that does not exist
 * (NotFoundError) or fails verification (RegistryError); the alias is then unchanged.
 */
export async function setAlias(
  modelsDir: string,
  name: string,
  alias: string,
  version: number,
  opts: AliasOptions = {},
): Promise<AliasChange> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).setAlias(name, alias, version, opts);
  checkAliasName(alias);
  checkVersion(version);
  await requireVersion(modelsDir, name, version);
  // Outside the lock (opening a model takes a while); the version is verified again under it.
  await opts.check?.(name, version);
  return withModelLock(
    modelDir(modelsDir, name),
    async () => {
      // Under the lock: prune cannot remove the version between this check and the write.
      await requireVersion(modelsDir, name, version);
      await verifyVersion(modelsDir, name, version, opts);
      const step = pointAlias(await readAliasesFile(modelsDir, name), name, alias, version);
      if (step.change.changed) await writeAliasesFile(modelsDir, name, step.next);
      return step.change;
    },
    opts,
  );
}

/** An alias change computed on an aliases file: the file to write and what it changes. */
export interface AliasStep {
  next: AliasesFile;
  change: AliasChange;
}

/**
 * Points `alias` at `version` in `file`, remembering the version it replaces (pure: the caller
 * writes `next` under its lock or conditional write). `changed` is false when it already did.
 */
export function pointAlias(file: AliasesFile, name: string, alias: string, version: number): AliasStep {
  const current = aliasEntry(file, alias);
  if (current?.version === version) return { next: file, change: { model: name, alias, previous: version, version, changed: false } };
  const history = current ? [...current.history, { version: current.version, since: current.since }].slice(-MAX_ALIAS_HISTORY) : [];
  const next: AliasesFile = { ...file, aliases: { ...file.aliases, [alias]: { version, since: new Date().toISOString(), history } } };
  return { next, change: { model: name, alias, previous: current?.version ?? null, version, changed: true } };
}

/**
 * The version `alias` rolls back to (the last of its history), or a NotFoundError saying why
 * there is none.
 */
export function rollbackTarget(file: AliasesFile, name: string, alias: string): number {
  const current = aliasEntry(file, alias);
  if (!current) throw new NotFoundError(`model "${name}" has no alias "${alias}"`);
  const target = current.history.at(-1);
  if (!target) throw new NotFoundError(`alias "${alias}" of model "${name}" has no earlier version to roll back to`);
  return target.version;
}

/** Moves `alias` back to its rollback target in `file`, forgetting the version it leaves (pure). */
export function stepBack(file: AliasesFile, name: string, alias: string): AliasStep {
  const version = rollbackTarget(file, name, alias);
  const current = aliasEntry(file, alias) as AliasEntry;
  const entry = { version, since: new Date().toISOString(), history: current.history.slice(0, -1) };
  return {
    next: { ...file, aliases: { ...file.aliases, [alias]: entry } },
    change: { model: name, alias, previous: current.version, version, changed: true },
  };
}

/** Removes `alias` from `file` (pure); removing an unset alias changes nothing. */
export function dropAlias(file: AliasesFile, name: string, alias: string): AliasStep {
  const current = aliasEntry(file, alias);
  if (!current) return { next: file, change: { model: name, alias, previous: null, version: null, changed: false } };
  const { [alias]: _removed, ...rest } = file.aliases;
  return { next: { ...file, aliases: rest }, change: { model: name, alias, previous: current.version, version: null, changed: true } };
}

/**
 * Moves `alias` back to the version it named before its last change (and forgets the one it
 * leaves, so repeated rollbacks walk further back). The target is verified first.
 */
export async function rollbackAlias(modelsDir: string, name: string, alias: string, opts: AliasOptions = {}): Promise<AliasChange> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).rollbackAlias(name, alias, opts);
  return lockedAliasChange(modelsDir, name, alias, opts, async () => {
    const file = await readAliasesFile(modelsDir, name);
    const target = rollbackTarget(file, name, alias);
    await requireVersion(modelsDir, name, target);
    await verifyVersion(modelsDir, name, target, opts);
    await opts.check?.(name, target);
    const step = stepBack(file, name, alias);
    await writeAliasesFile(modelsDir, name, step.next);
    return step.change;
  });
}

/** Removes an alias (and its history). Removing an unset alias changes nothing. */
export async function removeAlias(modelsDir: string, name: string, alias: string, opts: LockOptions = {}): Promise<AliasChange> {
  if (isS3Url(modelsDir)) return (await s3RegistryFor(modelsDir)).removeAlias(name, alias, opts);
  return lockedAliasChange(modelsDir, name, alias, opts, async () => {
    const step = dropAlias(await readAliasesFile(modelsDir, name), name, alias);
    if (step.change.changed) await writeAliasesFile(modelsDir, name, step.next);
    return step.change;
  });
}
