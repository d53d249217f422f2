/**
 * The serving policy of a hot reload, as pure functions (serve/README.md, "Serving policy and
 * implicit aliases"): which versions to load, then, once loads are done, which aliases point where
 * and which versions stay loaded. `ModelStore` does the I/O (describe, load, warm up, swap);
 * everything it decides comes from here, so the rules are testable as a table.
 */

/** The alias recommendations use unless an experiment says otherwise. */
export const CHAMPION = 'champion';
/** Implicit alias: the newest version that loaded and warmed up. */
export const LATEST = 'latest';

/** What a reload knows before loading anything. */
export interface LoadPlanInput {
  /** Versions the registry lists (any order, duplicates and non-positive ids ignored). */
  published: readonly number[];
  /** Aliases the registry sets. */
  registryAliases: Readonly<Record<string, number>>;
  /** Versions configuration pins (experiment variants naming a version). */
  pinned: readonly number[];
}

/** What to load, before any load has run. */
export interface LoadPlan {
  /** Published versions, ascending. */
  published: number[];
  /** Registry aliases whose version is published. */
  explicit: Map<string, number>;
  /** Registry aliases pointing at an unpublished version: ignored (the caller warns). */
  ignored: { alias: string; version: number }[];
  /** Versions that must be loaded whatever happens (aliased or pinned and published), newest first. */
  required: number[];
  /** Candidates for the newest good version, newest first: load down this list until one loads. */
  latestCandidates: number[];
}

/** Plans a reload's loads from what the registry says. */
export function planLoads(input: LoadPlanInput): LoadPlan {
  const published = [...new Set(input.published.filter((v) => Number.isSafeInteger(v) && v > 0))].sort((a, b) => a - b);
  const isPublished = new Set(published);
  const explicit = new Map<string, number>();
  const ignored: { alias: string; version: number }[] = [];
  for (const [alias, version] of Object.entries(input.registryAliases)) {
    if (isPublished.has(version)) explicit.set(alias, version);
    else ignored.push({ alias, version });
  }
  const required = [...new Set([...explicit.values(), ...input.pinned.filter((v) => isPublished.has(v))])].sort((a, b) => b - a);
  return { published, explicit, ignored, required, latestCandidates: [...published].reverse() };
}

/** What a reload knows once its loads are done. */
export interface ServePlanInput {
  plan: LoadPlan;
  /** Versions loaded and warmed now (those kept from before and those just loaded). */
  available: ReadonlySet<number>;
  /** The aliases served before this reload. */
  previousAliases: ReadonlyMap<string, number>;
  /** Versions configuration pins. */
  pinned: readonly number[];
}

/** The snapshot to swap in. */
export interface ServePlan {
  aliases: Map<string, number>;
  /** Versions to keep loaded; every other loaded version is retired. */
  keep: Set<number>;
  /** Aliases whose new target could not load and that keep their previous version (the caller warns). */
  heldBack: { alias: string; wanted: number; serving: number }[];
}

/**
 * Decides aliases and kept versions. An explicit alias whose target is not available keeps its
 * previous version if that one is still available, and otherwise disappears (an explicit champion is
 * never replaced by another version). `latest` is the newest available version that is published or
 * aliased; `champion` is `latest` unless the registry sets it.
 */
export function planServing(input: ServePlanInput): ServePlan {
  const { plan, available, previousAliases } = input;
  const ok = (v: number | undefined): v is number => v !== undefined && available.has(v);
  const aliases = new Map<string, number>();
  const heldBack: ServePlan['heldBack'] = [];
  for (const [alias, v] of plan.explicit) {
    if (ok(v)) {
      aliases.set(alias, v);
      continue;
    }
    const old = previousAliases.get(alias);
    if (ok(old)) {
      aliases.set(alias, old);
      heldBack.push({ alias, wanted: v, serving: old });
    }
  }
  const isPublished = new Set(plan.published);
  const aliased = new Set(aliases.values());
  const good = [...available].filter((v) => isPublished.has(v) || aliased.has(v));
  const newest = good.length ? Math.max(...good) : previousAliases.get(LATEST);
  if (ok(newest)) {
    if (!plan.explicit.has(LATEST)) aliases.set(LATEST, newest);
    if (!plan.explicit.has(CHAMPION)) aliases.set(CHAMPION, newest);
  }
  const keep = new Set<number>([...aliases.values(), ...input.pinned.filter(ok)]);
  return { aliases, keep, heldBack };
}
