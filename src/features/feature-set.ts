/**
 * Registered features and feature sets. A feature set is an ordered list of definitions with a
 * stable id (a hash of each feature's name, version and user state), which a model's contract and
 * manifest record. Loading a model resolves its contract against the features this code has and
 * fails naming the first one it lacks. Built-in features are registered here; a data scientist's
 * own features register themselves when their module is imported (see `loadPlugins`).
 */
import { createHash } from 'node:crypto';
import { UsageError, WorkbenchError } from '../errors.js';
import { BUILTIN_FEATURES, CATALOGUE_ATTRIBUTE_FEATURES } from './builtin.js';
import type { FeatureContract } from './contract.js';
import type { FeatureDefinition } from './definition.js';
import { MF_FEATURE_SET, MF_SCORE } from './mf-feature.js';
import type { UserStateDefinition } from './user-state.js';

/** An ordered list of features with a stable id. */
export interface FeatureSet {
  /** "fs-" + 12 hex digits of sha256 over (name, version, user state key@version[, fitted item state id]) of each feature. */
  readonly id: string;
  readonly name: string;
  readonly features: readonly FeatureDefinition[];
}

/** Name of the set of the 23 built-in features. */
export const DEFAULT_FEATURE_SET = 'default';
/** Name of the default set plus the features over a team catalogue's own attributes. */
export const CATALOGUE_FEATURE_SET = 'catalogue';

const features = new Map<string, FeatureDefinition>();
const sets = new Map<string, FeatureSet>();

/** The stable id of an ordered list of features. */
export function featureSetId(defs: readonly FeatureDefinition[]): string {
  const key = defs.map((d) => {
    const k: (string | number | null)[] = [d.name, d.version, d.userState ? `${d.userState.key}@${d.userState.version}` : null];
    if (d.itemState) k.push(d.itemState.id); // only then, so ids of sets without fitted state are unchanged
    return k;
  });
  return `fs-${createHash('sha256').update(JSON.stringify(key)).digest('hex').slice(0, 12)}`;
}

/**
 * Builds a feature set (does not register it).
 * @throws UsageError on an empty list or a repeated name.
 */
export function featureSet(name: string, defs: readonly FeatureDefinition[]): FeatureSet {
  if (defs.length === 0) throw new UsageError(`feature set "${name}" has no features`);
  const seen = new Set<string>();
  for (const d of defs) {
    if (seen.has(d.name)) throw new UsageError(`feature set "${name}" lists feature "${d.name}" twice`);
    seen.add(d.name);
  }
  return { id: featureSetId(defs), name, features: [...defs] };
}

function checkDefinition(d: FeatureDefinition): void {
  if (typeof d?.name !== 'string' || !/^[a-z][a-z0-9_]*$/.test(d.name))
    throw new UsageError(`feature name must be snake_case (a-z, 0-9, _), got ${JSON.stringify(d?.name)}`);
  if (typeof d.doc !== 'string' || d.doc.trim() === '') throw new UsageError(`feature "${d.name}" needs a doc`);
  if (!['item', 'user', 'user_item', 'context'].includes(d.scope))
    throw new UsageError(`feature "${d.name}" has scope ${JSON.stringify(d.scope)}`);
  if (!Number.isInteger(d.version) || d.version < 1) throw new UsageError(`feature "${d.name}" version must be a positive integer`);
  if (typeof d.fill !== 'function') throw new UsageError(`feature "${d.name}" has no fill function`);
}

/**
 * Registers a feature so models can name it. Registering the same name again replaces it only when
 * its version is unchanged (re-running a notebook cell); a built-in cannot be replaced.
 * @throws UsageError on an invalid definition or a built-in name.
 */
export function registerFeature(def: FeatureDefinition): FeatureDefinition {
  checkDefinition(def);
  const old = features.get(def.name);
  if (old && (BUILTIN_FEATURES.includes(old) || CATALOGUE_ATTRIBUTE_FEATURES.includes(old)) && old !== def)
    throw new UsageError(`feature "${def.name}" is built in; choose another name`);
  features.set(def.name, def);
  return def;
}

/** Registers a named feature set (features are registered too). Re-registering a name replaces it. */
export function registerFeatureSet(name: string, defs: readonly FeatureDefinition[]): FeatureSet {
  for (const d of defs) registerFeature(d);
  const set = featureSet(name, defs);
  sets.set(name, set);
  return set;
}

/** A registered feature set by name. @throws UsageError naming the registered sets. */
export function featureSetByName(name: string): FeatureSet {
  const set = sets.get(name);
  if (!set) throw new UsageError(`unknown feature set "${name}"; registered: ${[...sets.keys()].join(', ')}`);
  return set;
}

/** Every registered feature set. */
export function featureSets(): FeatureSet[] {
  return [...sets.values()];
}

/** Every registered feature. */
export function registeredFeatures(): FeatureDefinition[] {
  return [...features.values()];
}

/** Every distinct user state the registered features keep (what a UserStateStore maintains). */
export function registeredUserStates(): UserStateDefinition[] {
  const out = new Map<string, UserStateDefinition>();
  for (const d of features.values()) if (d.userState && !out.has(d.userState.key)) out.set(d.userState.key, d.userState);
  return [...out.values()];
}

/**
 * The definitions a contract names, in its order.
 * @throws WorkbenchError "missing_feature" naming the first feature this code lacks (or has in another version).
 */
export function resolveContract(contract: FeatureContract): FeatureDefinition[] {
  return contract.names.map((name, i) => {
    const d = features.get(name);
    const want = contract.versions?.[i] ?? 1;
    if (!d) {
      throw new WorkbenchError(
        'missing_feature',
        `the model needs feature "${name}" (version ${want}), which this code does not define; add its module (e.g. under src/features/custom/) or retrain`,
      );
    }
    if (d.version !== want) {
      throw new WorkbenchError(
        'missing_feature',
        `the model needs feature "${name}" version ${want}, but this code defines version ${d.version}; retrain or restore that version`,
      );
    }
    return d;
  });
}

/** The contract (names, versions, set id) of a feature set, without normalisation. */
export function contractOf(set: FeatureSet): FeatureContract {
  return { version: 1, names: set.features.map((d) => d.name), versions: set.features.map((d) => d.version), featureSet: set.id };
}

registerFeatureSet(DEFAULT_FEATURE_SET, BUILTIN_FEATURES);
registerFeatureSet(CATALOGUE_FEATURE_SET, [...BUILTIN_FEATURES, ...CATALOGUE_ATTRIBUTE_FEATURES]);
// Opt-in: the default set (and so the default ranker's vectors) stays the 23 built-ins.
registerFeatureSet(MF_FEATURE_SET, [...BUILTIN_FEATURES, MF_SCORE]);
