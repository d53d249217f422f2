/**
 * The model registry as one interface, so the same publish / load / alias / prune contract runs
 * over a local folder (load-version.ts, publish.ts, aliases.ts, prune.ts) or object storage
 * (s3-registry.ts). The module functions take a location string and dispatch on it: a folder
 * path uses the folder code, `s3://BUCKET/PREFIX` the S3 registry, so every caller that accepts
 * `--models DIR` accepts an S3 URL too.
 */
import type { AliasChange, AliasOptions } from './aliases.js';
import type { AliasesFile } from './aliases-store.js';
import type { LoadedVersion, LoadOptions, VersionRef } from './load-version.js';
import type { Manifest } from './manifest.js';
import type { LockOptions } from './model-lock.js';
import type { PruneOptions, PruneResult } from './prune.js';
import type { PublishInput, PublishResult } from './publish.js';

/** A model registry at one location (see the module comment). */
export interface ModelRegistry {
  /** Where it is, as the user gave it (a folder or `s3://BUCKET/PREFIX`); named in errors. */
  readonly location: string;
  listModels(): Promise<string[]>;
  /** Published versions (those with a manifest), ascending. */
  listVersions(name: string): Promise<number[]>;
  readManifest(name: string, version: number): Promise<Manifest>;
  readAliasesFile(name: string): Promise<AliasesFile>;
  resolveVersion(name: string, ref: VersionRef): Promise<number>;
  /** Verifies every artifact's size and sha256 against the manifest. */
  verifyVersion(name: string, version: number, opts?: LoadOptions): Promise<{ manifest: Manifest; unlisted: string[] }>;
  loadVersion(name: string, ref: VersionRef, opts?: LoadOptions): Promise<LoadedVersion>;
  /** Writes every file, then the manifest last: a version without manifest is invisible. */
  publishVersion(name: string, input: PublishInput): Promise<PublishResult>;
  setAlias(name: string, alias: string, version: number, opts?: AliasOptions): Promise<AliasChange>;
  rollbackAlias(name: string, alias: string, opts?: AliasOptions): Promise<AliasChange>;
  removeAlias(name: string, alias: string, opts?: LockOptions): Promise<AliasChange>;
  prune(name: string, opts: PruneOptions): Promise<PruneResult>;
}
