/**
 * What the Models pages show, read from a models directory: every version's manifest (kind,
 * offline metrics with intervals, feature set, lineage, size) and the aliases with their history.
 * A version whose manifest cannot be read is listed with the reason, not hidden.
 */

import { errorMessage } from '../../src/errors.js';
import { readAliasesFile } from '../../src/registry/aliases-store.js';
import { listModels, listVersions, readManifest } from '../../src/registry/load-version.js';
import type { Manifest } from '../../src/registry/manifest.js';

/** A mean with its interval (any bound may be missing). */
export interface Estimate {
  mean: number;
  lo?: number;
  hi?: number;
}

/** One version as the pages show it. */
export interface VersionSummary {
  version: number;
  manifest?: Manifest;
  /** Why the manifest could not be read. */
  problem?: string;
  /** Aliases naming this version now. */
  aliases: string[];
  /** Sum of the artifacts' bytes. */
  bytes: number;
  /** The version's own NDCG@10 (with its bootstrap interval when the report has one). */
  ndcg10?: Estimate;
}

/** An alias, the version it names, and what it named before (oldest first). */
export interface AliasSummary {
  alias: string;
  version: number;
  since: string;
  history: { version: number; since: string }[];
}

/** One model: versions newest first, and its aliases. */
export interface ModelSummary {
  name: string;
  versions: VersionSummary[];
  aliases: AliasSummary[];
  /** Why the aliases file could not be read. */
  aliasProblem?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A `{ mean, lo, hi }` object or a bare number as an Estimate. */
export function asEstimate(v: unknown): Estimate | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return { mean: v };
  if (isObject(v) && typeof v.mean === 'number') {
    return { mean: v.mean, lo: typeof v.lo === 'number' ? v.lo : undefined, hi: typeof v.hi === 'number' ? v.hi : undefined };
  }
  return undefined;
}

/**
 * The version's own NDCG@10: the report row of its kind (`byModel[kind]`, with the interval),
 * else `model["ndcg@10"]`, else a top-level `ndcg@10`.
 */
export function versionNdcg(m: Manifest): Estimate | undefined {
  const metrics = m.metrics as Record<string, unknown>;
  const byModel = isObject(metrics.byModel) ? metrics.byModel : undefined;
  const own = byModel && Object.hasOwn(byModel, m.kind) ? asEstimate(byModel[m.kind]) : undefined;
  if (own) return own;
  if (isObject(metrics.model)) {
    const e = asEstimate(metrics.model['ndcg@10']);
    if (e) return e;
  }
  return asEstimate(metrics['ndcg@10']);
}

/** The numeric metrics of a manifest (`model.*`, then top-level numbers), by name, for comparisons. */
export function flatMetrics(m: Manifest): Record<string, number> {
  const out: Record<string, number> = {};
  const metrics = m.metrics as Record<string, unknown>;
  for (const [k, v] of Object.entries(metrics)) if (typeof v === 'number') out[k] = v;
  if (isObject(metrics.model)) for (const [k, v] of Object.entries(metrics.model)) if (typeof v === 'number') out[k] = v;
  return out;
}

/** Reads one model's versions (newest first) and aliases. */
export async function readModel(modelsDir: string, name: string): Promise<ModelSummary> {
  const versions = (await listVersions(modelsDir, name)).sort((a, b) => b - a);
  let aliases: AliasSummary[] = [];
  let aliasProblem: string | undefined;
  try {
    const file = await readAliasesFile(modelsDir, name);
    aliases = Object.entries(file.aliases)
      .map(([alias, e]) => ({ alias, version: e.version, since: e.since, history: e.history }))
      .sort((a, b) => a.alias.localeCompare(b.alias));
  } catch (err) {
    aliasProblem = errorMessage(err);
  }
  const summaries = await Promise.all(
    versions.map(async (version): Promise<VersionSummary> => {
      const named = aliases.filter((a) => a.version === version).map((a) => a.alias);
      try {
        const manifest = await readManifest(modelsDir, name, version);
        const bytes = Object.values(manifest.artifacts).reduce((s, a) => s + a.bytes, 0);
        return { version, manifest, aliases: named, bytes, ndcg10: versionNdcg(manifest) };
      } catch (err) {
        return { version, aliases: named, bytes: 0, problem: errorMessage(err) };
      }
    }),
  );
  return { name, versions: summaries, aliases, aliasProblem };
}

/** Every model of a models directory (an absent directory has none). */
export async function readModels(modelsDir: string): Promise<ModelSummary[]> {
  const names = await listModels(modelsDir);
  return Promise.all(names.map((n) => readModel(modelsDir, n)));
}
