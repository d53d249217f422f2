/**
 * The model registry on object storage (`s3://BUCKET/PREFIX`), same layout as the folder:
 *
 * ```
 * PREFIX/<name>/<version>/.claim            written first, create-only: allocates the number
 * PREFIX/<name>/<version>/<artifact files>  model.json, weights.bin, tables, warmup.json
 * PREFIX/<name>/<version>/manifest.json     written LAST, create-only: the version exists from here
 * PREFIX/<name>/aliases.json                replaced with If-Match on its ETag (create: If-None-Match: *)
 * ```
 * A version without manifest (a publish in progress or one that died) is invisible to readers.
 * Two publishers cannot get the same number (the claim is create-only) and two alias writers
 * cannot lose an update (the loser's conditional write fails with 412 and it retries on the new
 * file). The first write of a process checks that the endpoint really honours conditional writes
 * and refuses to write otherwise. Loading downloads a version into a local cache folder and
 * verifies it there with the folder code (every artifact's size and sha256), so a served version
 * is checked exactly as one from a folder is.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { NotFoundError } from '../errors.js';
import { type AliasChange, type AliasOptions, type AliasStep, dropAlias, pointAlias, rollbackTarget, stepBack } from './aliases.js';
import { type AliasesFile, aliasEntry, parseAliasesFile, serializeAliases } from './aliases-store.js';
import { errnoCode, randomToken, writeFileDurable } from './fsutil.js';
import {
  artifactPath,
  checkAliasName,
  checkModelName,
  checkVersion,
  isVersionName,
  MANIFEST_FILE,
  STAGING_PREFIX,
  TRASH_PREFIX,
} from './layout.js';
import { checkKind, type LoadedVersion, type LoadOptions, loadVersion, type VersionRef } from './load-version.js';
import { type Manifest, parseManifest } from './manifest.js';
import type { LockOptions } from './model-lock.js';
import type { ModelRegistry } from './model-registry.js';
import { type PruneOptions, type PruneResult, retentionPlan } from './prune.js';
import { buildManifest, type PublishInput, type PublishResult, preparePublish } from './publish.js';
import { RegistryError, type RegistryErrorCode } from './registry-error.js';
import {
  endpointFromEnv,
  isMissing,
  isPreconditionFailed,
  parseS3Url,
  type S3Location,
  s3ClientFromEnv,
  s3Error,
  s3Status,
} from './s3-location.js';

/** The create-only object that allocates a version number. */
export const CLAIM_FILE = '.claim';
const ALIASES_KEY = 'aliases.json';

/** Options of `s3Registry` (tests pass them; the service takes everything from the environment). */
export interface S3RegistryOptions {
  client?: S3Client;
  /** Where loaded versions are downloaded (default WORKBENCH_MODELS_CACHE, else a folder under the OS temp dir). */
  cacheDir?: string;
  env?: NodeJS.ProcessEnv;
}

const instances = new Map<string, Promise<ModelRegistry>>();

/**
 * The registry at `url`. Without options, one instance per URL and process (its caches, such as
 * the aliases ETag, are shared by every caller).
 */
export function s3Registry(url: string, opts: S3RegistryOptions = {}): Promise<ModelRegistry> {
  const loc = parseS3Url(url);
  const make = async () => {
    const env = opts.env ?? process.env;
    const client = opts.client ?? (await s3ClientFromEnv(env));
    const digest = createHash('sha256')
      .update(`${endpointFromEnv(env) ?? ''} ${loc.url}`)
      .digest('hex')
      .slice(0, 16);
    const cacheDir = opts.cacheDir ?? env.WORKBENCH_MODELS_CACHE ?? path.join(tmpdir(), 'workbench-models-cache', digest);
    return new S3Registry(loc, client, path.resolve(cacheDir), env);
  };
  if (opts.client || opts.cacheDir || opts.env) return make();
  let found = instances.get(loc.url);
  if (!found) {
    found = make();
    instances.set(loc.url, found);
    found.catch(() => instances.delete(loc.url));
  }
  return found;
}

interface TextObject {
  text: string;
  etag: string | undefined;
}

class S3Registry implements ModelRegistry {
  readonly location: string;
  /** Versions known to have a manifest (immutable once written; dropped when pruned here). */
  private readonly complete = new Map<string, Set<number>>();
  private readonly aliasCache = new Map<string, { etag: string; file: AliasesFile }>();
  private conditionalChecked: Promise<void> | undefined;

  constructor(
    private readonly loc: S3Location,
    private readonly client: S3Client,
    private readonly cacheDir: string,
    private readonly env: NodeJS.ProcessEnv,
  ) {
    this.location = loc.url;
  }

  private key(...parts: (string | number)[]): string {
    return [this.loc.prefix, ...parts.map(String)].filter((p) => p !== '').join('/');
  }

  private urlOf(key: string): string {
    return `s3://${this.loc.bucket}/${key}`;
  }

  /** Runs one S3 call; anything but "missing", "precondition failed" or "not modified" becomes a RegistryError naming the key. */
  private async call<T>(key: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (err) {
      if (isMissing(err) || isPreconditionFailed(err) || s3Status(err) === 304) throw err;
      throw s3Error(err, this.urlOf(key), this.env);
    }
  }

  /** An object's text and ETag; undefined when missing; 'unchanged' when `ifNoneMatch` still matches. */
  private async getText(key: string, ifNoneMatch?: string): Promise<TextObject | undefined | 'unchanged'> {
    try {
      const out = await this.call(key, () =>
        this.client.send(new GetObjectCommand({ Bucket: this.loc.bucket, Key: key, IfNoneMatch: ifNoneMatch })),
      );
      return { text: (await out.Body?.transformToString('utf8')) ?? '', etag: out.ETag };
    } catch (err) {
      if (s3Status(err) === 304) return 'unchanged';
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  private async getBytes(key: string): Promise<Uint8Array | undefined> {
    try {
      const out = await this.call(key, () => this.client.send(new GetObjectCommand({ Bucket: this.loc.bucket, Key: key })));
      return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
    } catch (err) {
      if (isMissing(err)) return undefined;
      throw err;
    }
  }

  private async exists(key: string): Promise<boolean> {
    try {
      await this.call(key, () => this.client.send(new HeadObjectCommand({ Bucket: this.loc.bucket, Key: key })));
      return true;
    } catch (err) {
      if (isMissing(err)) return false;
      throw err;
    }
  }

  private async put(key: string, body: Uint8Array | string, cond: { ifMatch?: string; ifNoneMatch?: '*' } = {}): Promise<void> {
    await this.call(key, () =>
      this.client.send(
        new PutObjectCommand({ Bucket: this.loc.bucket, Key: key, Body: body, IfMatch: cond.ifMatch, IfNoneMatch: cond.ifNoneMatch }),
      ),
    );
  }

  /** Keys under `prefix` (recursive), or the child "folder" names when `delimited`. */
  private async list(prefix: string, delimited: boolean): Promise<{ key: string; modified?: Date }[]> {
    const out: { key: string; modified?: Date }[] = [];
    let token: string | undefined;
    do {
      const page = await this.call(prefix || '/', () =>
        this.client.send(
          new ListObjectsV2Command({
            Bucket: this.loc.bucket,
            Prefix: prefix,
            Delimiter: delimited ? '/' : undefined,
            ContinuationToken: token,
          }),
        ),
      );
      if (delimited) {
        for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push({ key: p.Prefix.slice(prefix.length, -1) });
      } else {
        for (const o of page.Contents ?? []) if (o.Key) out.push({ key: o.Key, modified: o.LastModified });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out;
  }

  private dirPrefix(...parts: (string | number)[]): string {
    const k = this.key(...parts);
    return k ? `${k}/` : '';
  }

  private async deleteKeys(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000);
      await this.call(batch[0], () =>
        this.client.send(
          new DeleteObjectsCommand({ Bucket: this.loc.bucket, Delete: { Objects: batch.map((Key) => ({ Key })), Quiet: true } }),
        ),
      );
    }
  }

  /**
   * Refuses to write to an endpoint that ignores If-None-Match on PUT (older S3-compatible
   * servers): publishers and alias writers there could silently overwrite each other.
   */
  private checkConditionalWrites(): Promise<void> {
    this.conditionalChecked ??= (async () => {
      const key = this.key(`.conditional-write-check-${randomToken()}`);
      await this.put(key, 'first', { ifNoneMatch: '*' });
      try {
        await this.put(key, 'second', { ifNoneMatch: '*' });
      } catch (err) {
        if (isPreconditionFailed(err)) return;
        throw err;
      } finally {
        await this.deleteKeys([key]).catch(() => undefined);
      }
      throw new RegistryError(
        'storage_error',
        `the S3 endpoint ${endpointFromEnv(this.env) ?? 'AWS S3'} ignores conditional writes (If-None-Match on PUT); concurrent publishers or alias changes could overwrite each other, so the registry does not write there (use AWS S3, MinIO, R2 or another server that honours them)`,
        this.loc.url,
      );
    })();
    this.conditionalChecked.catch(() => {
      this.conditionalChecked = undefined;
    });
    return this.conditionalChecked;
  }

  /**
   * Model names from a full listing of the prefix (not on any polling path). A delimited listing
   * would be cheaper, but S3-compatible servers differ in reporting folders that hold only
   * folders (s3rver leaves them out).
   */
  async listModels(): Promise<string[]> {
    const root = this.dirPrefix();
    const names = new Set<string>();
    for (const { key } of await this.list(root, false)) {
      const rest = key.slice(root.length);
      if (rest.includes('/')) names.add(rest.split('/')[0]);
    }
    return [...names].filter((n) => !n.startsWith('.') && isModelName(n)).sort();
  }

  /** Every numbered version folder, with or without manifest. */
  private async versionFolders(name: string): Promise<number[]> {
    return (await this.list(this.dirPrefix(checkModelName(name)), true))
      .map((e) => e.key)
      .filter(isVersionName)
      .map(Number)
      .sort((a, b) => a - b);
  }

  async listVersions(name: string): Promise<number[]> {
    const folders = await this.versionFolders(name);
    const known = this.complete.get(name) ?? new Set<number>();
    this.complete.set(name, known);
    for (const v of folders) if (!known.has(v) && (await this.exists(this.key(name, v, MANIFEST_FILE)))) known.add(v);
    return folders.filter((v) => known.has(v));
  }

  async readManifest(name: string, version: number): Promise<Manifest> {
    return (await this.manifestObject(name, version)).manifest;
  }

  private async manifestObject(name: string, version: number): Promise<{ manifest: Manifest; text: string; key: string }> {
    const key = this.key(checkModelName(name), checkVersion(version), MANIFEST_FILE);
    const got = await this.getText(key);
    if (got === undefined || got === 'unchanged') throw new NotFoundError(`model "${name}" has no version ${version} in ${this.loc.url}`);
    return { manifest: parseManifest(got.text, this.urlOf(key), { name, version }), text: got.text, key };
  }

  /** aliases.json with its ETag (undefined when there is none yet); a 304 reuses the cached copy. */
  private async aliasesState(name: string): Promise<{ file: AliasesFile; etag: string | undefined }> {
    const key = this.key(checkModelName(name), ALIASES_KEY);
    const cached = this.aliasCache.get(name);
    const got = await this.getText(key, cached?.etag);
    if (got === 'unchanged' && cached) return cached;
    if (got === undefined || got === 'unchanged') {
      this.aliasCache.delete(name);
      return { file: { formatVersion: 1, aliases: {} }, etag: undefined };
    }
    const file = parseAliasesFile(got.text, this.urlOf(key));
    if (got.etag) this.aliasCache.set(name, { etag: got.etag, file });
    return { file, etag: got.etag };
  }

  async readAliasesFile(name: string): Promise<AliasesFile> {
    return (await this.aliasesState(name)).file;
  }

  async resolveVersion(name: string, ref: VersionRef): Promise<number> {
    checkModelName(name);
    if (typeof ref === 'number') return ref;
    if (ref === 'latest') {
      const latest = (await this.listVersions(name)).at(-1);
      if (latest === undefined) throw new NotFoundError(`model "${name}" has no published versions in ${this.loc.url}`);
      return latest;
    }
    const entry = aliasEntry(await this.readAliasesFile(name), checkAliasName(ref.alias));
    if (!entry) throw new NotFoundError(`model "${name}" has no alias "${ref.alias}"`);
    return entry.version;
  }

  async verifyVersion(name: string, version: number, opts: LoadOptions = {}): Promise<{ manifest: Manifest; unlisted: string[] }> {
    const loaded = await this.loadVersion(name, version, opts);
    return { manifest: loaded.manifest, unlisted: loaded.unlisted };
  }

  async loadVersion(name: string, ref: VersionRef, opts: LoadOptions = {}): Promise<LoadedVersion> {
    const version = await this.resolveVersion(name, ref);
    const { manifest, text, key } = await this.manifestObject(name, version);
    checkKind(manifest, this.urlOf(key), opts.kinds);
    const local = path.join(this.cacheDir, name, String(version));
    const cachedText = await readFile(path.join(local, MANIFEST_FILE), 'utf8').catch(() => null);
    if (cachedText === text) {
      try {
        return await loadVersion(this.cacheDir, name, version, opts);
      } catch (err) {
        // A cached copy that no longer verifies (disk trouble, a hand edit) is downloaded again.
        if (!(err instanceof RegistryError) || err.code !== 'corrupt_model') throw err;
      }
    }
    if (cachedText !== null) await this.discard(local);
    await this.download(name, version, manifest, text, local);
    try {
      return await loadVersion(this.cacheDir, name, version, opts);
    } catch (err) {
      if (!(err instanceof RegistryError)) throw err;
      throw new RegistryError(
        err.code as RegistryErrorCode,
        `${err.message} (downloaded from ${this.urlOf(this.key(name, version))}/)`,
        undefined,
        {
          cause: err,
        },
      );
    }
  }

  /** Moves a cached copy aside (one rename: a concurrent reader of it fails cleanly) and deletes it. */
  private async discard(local: string): Promise<void> {
    const trash = path.join(path.dirname(local), `${TRASH_PREFIX}${process.pid}-${randomToken()}`);
    try {
      await rename(local, trash);
    } catch (err) {
      if (errnoCode(err) !== 'ENOENT') throw err;
      return;
    }
    await rm(trash, { recursive: true, force: true });
  }

  /** Downloads every artifact, then the manifest, into a hidden folder renamed into place. */
  private async download(name: string, version: number, manifest: Manifest, text: string, local: string): Promise<void> {
    const staging = path.join(this.cacheDir, name, `${STAGING_PREFIX}${process.pid}-${randomToken()}`);
    try {
      for (const rel of Object.keys(manifest.artifacts)) {
        const key = this.key(name, version, rel);
        const bytes = await this.getBytes(key);
        if (bytes === undefined) throw new RegistryError('corrupt_model', 'missing (listed in the manifest)', this.urlOf(key));
        await writeFileDurable(artifactPath(staging, rel), bytes, 'wx');
      }
      await writeFileDurable(path.join(staging, MANIFEST_FILE), text, 'wx');
      try {
        await rename(staging, local);
      } catch (err) {
        // Another process of this host finished the same download first: its copy is as good.
        if (!['ENOTEMPTY', 'EEXIST'].includes(errnoCode(err) ?? '')) throw err;
      }
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  }

  async publishVersion(name: string, input: PublishInput): Promise<PublishResult> {
    const { files, artifacts, stated, gitSha } = await preparePublish(name, input);
    await this.checkConditionalWrites();
    let version = ((await this.versionFolders(name)).at(-1) ?? 0) + 1;
    const claim = JSON.stringify({ pid: process.pid, host: hostname(), at: new Date().toISOString() });
    for (;;) {
      try {
        await this.put(this.key(name, version, CLAIM_FILE), claim, { ifNoneMatch: '*' });
        break;
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
        version++; // taken by a concurrent publisher (or a torn publish): the next number
      }
    }
    const written = [this.key(name, version, CLAIM_FILE)];
    try {
      for (const f of files) {
        const key = this.key(name, version, f.rel);
        written.push(key);
        await this.put(key, f.bytes);
      }
      const url = this.urlOf(this.key(name, version));
      await input.hooks?.beforeManifest?.(url);
      const manifest = buildManifest(name, version, stated, artifacts, gitSha);
      await this.put(this.key(name, version, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`, { ifNoneMatch: '*' });
      this.complete.get(name)?.add(version);
      return { version, dir: url, manifest };
    } catch (err) {
      await this.deleteKeys(written).catch(() => undefined); // best effort; prune removes what is left
      throw err;
    }
  }

  /**
   * Applies `step` to aliases.json with a conditional write, re-reading and retrying when another
   * writer changed it in between (no update is lost; `timeoutMs`, default 30 s, bounds the retries).
   */
  private async changeAliases(name: string, step: (file: AliasesFile) => Promise<AliasStep>, opts: LockOptions): Promise<AliasChange> {
    await this.checkConditionalWrites();
    const key = this.key(checkModelName(name), ALIASES_KEY);
    const deadline = Date.now() + (opts.timeoutMs ?? 30_000);
    let wait = 5;
    for (;;) {
      const { file, etag } = await this.aliasesState(name);
      const { next, change } = await step(file);
      if (!change.changed) return change;
      try {
        await this.put(key, serializeAliases(next), etag ? { ifMatch: etag } : { ifNoneMatch: '*' });
        return change;
      } catch (err) {
        if (!isPreconditionFailed(err)) throw err;
      }
      this.aliasCache.delete(name);
      if (Date.now() > deadline)
        throw new RegistryError('registry_busy', `aliases kept changing for ${opts.timeoutMs ?? 30_000} ms`, this.urlOf(key));
      await sleep(wait + Math.floor(Math.random() * wait));
      wait = Math.min(wait * 2, 200);
    }
  }

  private async requireVersion(name: string, version: number): Promise<void> {
    const versions = await this.listVersions(name);
    if (versions.length === 0) throw new NotFoundError(`model "${name}" has no published versions in ${this.loc.url}`);
    if (!versions.includes(version))
      throw new NotFoundError(`model "${name}" has no version ${version} (versions: ${versions.join(', ')})`);
  }

  async setAlias(name: string, alias: string, version: number, opts: AliasOptions = {}): Promise<AliasChange> {
    checkAliasName(alias);
    checkVersion(version);
    await this.requireVersion(name, version);
    await this.verifyVersion(name, version, opts);
    await opts.check?.(name, version);
    return this.changeAliases(name, async (file) => pointAlias(file, name, alias, version), opts);
  }

  async rollbackAlias(name: string, alias: string, opts: AliasOptions = {}): Promise<AliasChange> {
    checkAliasName(alias);
    const verified = new Set<number>();
    return this.changeAliases(
      name,
      async (file) => {
        const target = rollbackTarget(file, name, alias);
        if (!verified.has(target)) {
          await this.requireVersion(name, target);
          await this.verifyVersion(name, target, opts);
          await opts.check?.(name, target);
          verified.add(target);
        }
        return stepBack(file, name, alias);
      },
      opts,
    );
  }

  async removeAlias(name: string, alias: string, opts: LockOptions = {}): Promise<AliasChange> {
    checkAliasName(alias);
    return this.changeAliases(name, async (file) => dropAlias(file, name, alias), opts);
  }

  /**
   * Retention as for the folder: history of removed versions is dropped from aliases.json first
   * (conditional write), then each removed version's manifest is deleted (it vanishes for readers)
   * and then its files. Torn publishes (no manifest) older than `leftoverAfterMs` are removed too.
   */
  async prune(name: string, opts: PruneOptions): Promise<PruneResult> {
    retentionPlan([], { formatVersion: 1, aliases: {} }, opts.keepLast);
    const dryRun = opts.dryRun ?? false;
    const leftoverAfterMs = opts.leftoverAfterMs ?? 24 * 3_600_000;
    const versions = await this.listVersions(name);
    let plan = retentionPlan(versions, await this.readAliasesFile(name), opts.keepLast);
    if (!dryRun && plan.historyDropped > 0) {
      await this.changeAliases(
        name,
        async (file) => {
          plan = retentionPlan(versions, file, opts.keepLast);
          return {
            next: plan.trimmed,
            change: { model: name, alias: '*', previous: null, version: null, changed: plan.historyDropped > 0 },
          };
        },
        opts,
      );
    }
    const cleaned: string[] = [];
    const published = new Set(versions);
    for (const v of await this.versionFolders(name)) {
      if (published.has(v)) continue;
      const keys = await this.list(this.dirPrefix(name, v), false);
      const newest = Math.max(...keys.map((k) => k.modified?.getTime() ?? Date.now()));
      if (Date.now() - newest > leftoverAfterMs) {
        cleaned.push(`${v}/ (no manifest)`);
        if (!dryRun) await this.deleteKeys(keys.map((k) => k.key));
      }
    }
    if (!dryRun) {
      for (const v of plan.removed) {
        await this.deleteKeys([this.key(name, v, MANIFEST_FILE)]);
        this.complete.get(name)?.delete(v);
        await this.deleteKeys((await this.list(this.dirPrefix(name, v), false)).map((k) => k.key));
      }
    }
    return { kept: plan.kept, removed: plan.removed, cleaned, historyDropped: plan.historyDropped, dryRun };
  }
}

function isModelName(name: string): boolean {
  try {
    checkModelName(name);
    return true;
  } catch {
    return false;
  }
}
