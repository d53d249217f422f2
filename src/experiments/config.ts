/**
 * Experiment config files and config drift.
 *
 * A config is a JSON file validated by `experimentSchema` (assignment.ts), e.g.
 * `{"id": "ranker-vs-pop", "salt": "2026-11", "model": "ltr", "variants": [
 *   {"name": "control", "weight": 90, "alias": "champion"},
 *   {"name": "treatment", "weight": 10, "alias": "challenger"}]}`.
 * The first variant is the control every other variant is compared with. A variant may also carry
 * `exploration` (src/experiments/exploration.ts) and `logFeatures` (a sample rate), both off by default.
 *
 * Lookup for a command naming experiment ID: `--config PATH`, else `WORKBENCH_EXPERIMENT` (the file
 * the service serves; used when its id is ID or no ID was given), else `experiments/<ID>.json` in the
 * project root.
 *
 * Drift: changing the salt, the order of variants or their relative weights mid-run reassigns
 * users, and changing a variant's alias/version swaps the model under it; both invalidate a
 * running comparison. The first-seen config is recorded in a state file next to the event log,
 * `<events>/../experiments/<id>.state.json` (for the default `data/events`: `data/experiments/`),
 * and later configs are compared with it.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DataError, errorMessage, NotFoundError, UsageError } from '../errors.js';
import { PROJECT_ROOT } from '../paths.js';
import { type Experiment, experimentSchema } from './assignment.js';
import { describeExploration } from './exploration.js';

const TOP_KEYS = new Set(['id', 'salt', 'model', 'variants', 'description']);
const VARIANT_KEYS = new Set(['name', 'weight', 'alias', 'version', 'description', 'exploration', 'logFeatures']);

function valueAt(root: unknown, at: readonly PropertyKey[]): unknown {
  let cur = root;
  for (const key of at) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return cur;
}

function fieldName(at: readonly PropertyKey[]): string {
  return at.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? String(k) : `.${String(k)}`)).join('');
}

/** Unknown keys are almost always typos ("wieght"): reject them, naming the key. */
function checkKeys(raw: unknown, file: string): void {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    throw new DataError('an experiment config must be a JSON object', { file });
  for (const key of Object.keys(raw)) {
    if (!TOP_KEYS.has(key)) throw new DataError(`unknown key (allowed: ${[...TOP_KEYS].join(', ')})`, { file, field: key });
  }
  const variants = (raw as { variants?: unknown }).variants;
  if (!Array.isArray(variants)) return;
  variants.forEach((v, i) => {
    if (v === null || typeof v !== 'object') return;
    for (const key of Object.keys(v)) {
      if (!VARIANT_KEYS.has(key))
        throw new DataError(`unknown key (allowed: ${[...VARIANT_KEYS].join(', ')})`, { file, field: `variants[${i}].${key}` });
    }
  });
}

/**
 * Validates a parsed config object.
 * @param file - named in errors (a path, or e.g. "WORKBENCH_EXPERIMENT").
 * @throws DataError naming the field and echoing the bad value.
 */
export function parseExperiment(raw: unknown, file = 'experiment config'): Experiment {
  checkKeys(raw, file);
  const parsed = experimentSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const at = issue.path;
  // Refinements on the whole object have an empty path: point at the variants they are about.
  const field = at.length ? fieldName(at) : 'variants';
  const value = at.length ? valueAt(raw, at) : undefined;
  const shown = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  throw new DataError(`${issue.message}${shown}`, { file, field });
}

/**
 * Reads and validates an experiment config file.
 * @throws NotFoundError when the file does not exist; DataError for invalid JSON or fields.
 */
export async function loadExperiment(file: string): Promise<Experiment> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`experiment config not found: ${file}`);
    throw err;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new DataError(`invalid JSON: ${errorMessage(err)}`, { file });
  }
  return parseExperiment(raw, file);
}

/** Where a command finds the config of experiment `id` (see the module comment for the order). */
export interface ConfigLookup {
  /** The `--config` flag. */
  config?: string;
  env?: NodeJS.ProcessEnv;
  /** Resolves relative paths (default: the process cwd). */
  cwd?: string;
  /** Holds `experiments/<id>.json` (default: PROJECT_ROOT). */
  root?: string;
}

/**
 * Finds and loads an experiment's config.
 * @param id - the experiment id asked for; optional when `--config` or WORKBENCH_EXPERIMENT names one.
 * @throws UsageError when nothing names a config, or the config found has another id.
 */
export async function resolveExperiment(
  id: string | undefined,
  lookup: ConfigLookup = {},
): Promise<{ experiment: Experiment; path: string }> {
  const env = lookup.env ?? process.env;
  const cwd = lookup.cwd ?? process.cwd();
  const check = (experiment: Experiment, file: string) => {
    if (id !== undefined && experiment.id !== id) throw new UsageError(`config ${file} is experiment "${experiment.id}", not "${id}"`);
    return { experiment, path: file };
  };
  if (lookup.config) {
    const file = path.resolve(cwd, lookup.config);
    return check(await loadExperiment(file), file);
  }
  if (env.WORKBENCH_EXPERIMENT) {
    const file = path.resolve(cwd, env.WORKBENCH_EXPERIMENT);
    const experiment = await loadExperiment(file);
    if (id === undefined || experiment.id === id) return { experiment, path: file };
  }
  if (id === undefined) throw new UsageError('name an experiment: ID, --config PATH or WORKBENCH_EXPERIMENT');
  if (!/^[\w.-]+$/.test(id)) throw new UsageError(`experiment id "${id}" may only contain letters, digits, "_", "." and "-"`);
  const file = path.join(lookup.root ?? PROJECT_ROOT, 'experiments', `${id}.json`);
  if (!existsSync(file)) {
    throw new NotFoundError(`no config for experiment "${id}": looked for ${file} (pass --config PATH or set WORKBENCH_EXPERIMENT)`);
  }
  return check(await loadExperiment(file), file);
}

/** Relative traffic shares by variant name (weights 90/10 and 9/1 are the same split). */
export function variantShares(experiment: Experiment): Record<string, number> {
  const total = experiment.variants.reduce((s, v) => s + v.weight, 0);
  return Object.fromEntries(experiment.variants.map((v) => [v.name, v.weight / total]));
}

function target(v: Experiment['variants'][number]): string {
  const served = v.alias !== undefined ? `alias ${v.alias}` : `version ${v.version}`;
  // Exploration changes what the variant serves (and so its CTR): a change of it is drift.
  return v.exploration ? `${served} (exploration ${describeExploration(v.exploration)})` : served;
}

/**
 * A hash of what decides assignment and what is served: salt, model, and the ordered variants
 * with their shares and targets. Cosmetic changes (descriptions, scaling all weights) keep it.
 */
export function configHash(experiment: Experiment): string {
  const shares = variantShares(experiment);
  const canonical = JSON.stringify({
    salt: experiment.salt,
    model: experiment.model ?? null,
    variants: experiment.variants.map((v) => [v.name, shares[v.name], target(v)]),
  });
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/** One config as recorded in the state file. */
export interface ConfigSnapshot {
  /** ISO time it was first seen. */
  seenAt: string;
  hash: string;
  salt: string;
  model?: string;
  /** Variant names in order, with share and target ("alias champion" / "version 3"). */
  variants: { name: string; share: number; target: string }[];
}

/** The state file: the first-seen config and every distinct config seen since. */
export interface ExperimentState {
  id: string;
  first: ConfigSnapshot;
  /** Later distinct configs, oldest first (the first one is not repeated here). */
  changes: ConfigSnapshot[];
}

/** The default state file of an experiment: `<events>/../experiments/<id>.state.json`. */
export function defaultStateFile(eventsDir: string, id: string): string {
  return path.join(path.dirname(path.resolve(eventsDir)), 'experiments', `${id.replace(/[^\w.-]/g, '_')}.state.json`);
}

function snapshot(experiment: Experiment, now: number): ConfigSnapshot {
  const shares = variantShares(experiment);
  return {
    seenAt: new Date(now).toISOString(),
    hash: configHash(experiment),
    salt: experiment.salt,
    model: experiment.model,
    variants: experiment.variants.map((v) => ({ name: v.name, share: shares[v.name], target: target(v) })),
  };
}

const pct = (share: number) => `${(share * 100).toFixed(1).replace(/\.0$/, '')}%`;

/** Human-readable differences between the first-seen config and the current one. */
export function describeDrift(first: ConfigSnapshot, current: ConfigSnapshot, id: string): string[] {
  const since = `since experiment "${id}" started (${first.seenAt})`;
  const out: string[] = [];
  if (first.salt !== current.salt) {
    out.push(
      `salt changed from "${first.salt}" to "${current.salt}" ${since}: users were reshuffled between variants; analyse the two periods separately`,
    );
  }
  if ((first.model ?? null) !== (current.model ?? null))
    out.push(`model changed from "${first.model ?? '-'}" to "${current.model ?? '-'}" ${since}`);
  const before = new Map(first.variants.map((v) => [v.name, v]));
  const after = new Map(current.variants.map((v) => [v.name, v]));
  const added = current.variants.filter((v) => !before.has(v.name)).map((v) => v.name);
  const removed = first.variants.filter((v) => !after.has(v.name)).map((v) => v.name);
  if (added.length) out.push(`variants added ${since}: ${added.join(', ')}`);
  if (removed.length) out.push(`variants removed ${since}: ${removed.join(', ')}`);
  const weights = first.variants
    .filter((v) => after.has(v.name) && Math.abs(after.get(v.name)!.share - v.share) > 1e-12)
    .map((v) => `${v.name} ${pct(v.share)} -> ${pct(after.get(v.name)!.share)}`);
  if (weights.length) {
    out.push(
      `weights changed ${since}: ${weights.join(', ')}; users moved between variants and the sample-ratio check uses the current weights`,
    );
  }
  const kept = first.variants.map((v) => v.name).filter((n) => after.has(n));
  const keptNow = current.variants.map((v) => v.name).filter((n) => before.has(n));
  if (!weights.length && kept.join('\u0000') !== keptNow.join('\u0000')) {
    out.push(`variant order changed ${since} (${kept.join(', ')} -> ${keptNow.join(', ')}): bucket ranges moved, users were reassigned`);
  }
  for (const v of first.variants) {
    const now = after.get(v.name);
    if (now && now.target !== v.target) out.push(`variant ${v.name} now serves ${now.target} instead of ${v.target} (${since})`);
  }
  return out;
}

/**
 * Compares an experiment config with the first config seen for its id, recording it on first use.
 * Also appends each new distinct config to the state's `changes` (when `record` is true).
 * @param stateFile - e.g. `defaultStateFile(eventsDir, experiment.id)`.
 * @returns warnings, empty when the config is unchanged (or seen for the first time).
 */
export async function checkConfigDrift(
  experiment: Experiment,
  stateFile: string,
  opts: { now?: number; record?: boolean } = {},
): Promise<string[]> {
  const now = opts.now ?? Date.now();
  const record = opts.record ?? true;
  const current = snapshot(experiment, now);
  let state: ExperimentState | undefined;
  try {
    state = JSON.parse(await readFile(stateFile, 'utf8')) as ExperimentState;
    if (!state.first?.hash || !Array.isArray(state.changes)) throw new Error('missing "first" or "changes"');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DataError(`unreadable experiment state (${errorMessage(err)}); delete it to start a new record`, { file: stateFile });
    }
    state = undefined;
  }
  if (!state) {
    if (record) await writeState(stateFile, { id: experiment.id, first: current, changes: [] });
    return [];
  }
  const last = state.changes.at(-1) ?? state.first;
  if (record && last.hash !== current.hash) {
    state.changes.push(current);
    await writeState(stateFile, state);
  }
  return state.first.hash === current.hash ? [] : describeDrift(state.first, current, experiment.id);
}

/**
 * When the experiment started: the first-seen time of its config in the state file (the service
 * records it when it starts serving the experiment); undefined when no readable state exists.
 */
export async function experimentStartedAt(stateFile: string): Promise<number | undefined> {
  try {
    const state = JSON.parse(await readFile(stateFile, 'utf8')) as ExperimentState;
    const t = Date.parse(state.first?.seenAt ?? '');
    return Number.isFinite(t) ? t : undefined;
  } catch {
    return undefined;
  }
}

async function writeState(file: string, state: ExperimentState): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  // Write then rename: a reader never sees half a file.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}
