/**
 * Training groups from a FeatureStore and the events of a LABEL window: features come from the
 * store (built on events before its cutoff), labels from what each user did after it, exactly as
 * at serving time. A group is one user's positives (label = strongest intent, EVENT_STRENGTH) plus
 * sampled negatives: hard ones from the user's own candidates and random ones from the catalogue.
 */
import { EVENT_STRENGTH, type InteractionEvent } from '../../data/schema.js';
import { DataError } from '../../errors.js';
import { type FeatureContract, fitGroupsNormalisation, normalise } from '../../features/contract.js';
import { Rng } from '../../util/random.js';
import type { TrainingGroup } from './batches.js';

/** What group building needs from a FeatureStore (src/features); the store satisfies it as is. */
export interface GroupFeatureSource {
  readonly cutoff: number;
  readonly itemIds: readonly string[];
  readonly contract: FeatureContract;
  /** The user's pre-cutoff profile; `history` most recent first. */
  user(userId: string): { history: readonly { itemId: string }[] } | undefined;
  candidates(userId: string, opts?: { contextItemId?: string; limit?: number }): string[];
  /** Raw features, row-major, candidates.length x contract.names.length. */
  features(userId: string, candidates: readonly string[], contextItemId?: string): Float32Array;
}

/** Knobs of `buildTrainingGroups`. */
export interface BuildGroupsOptions {
  /** Negatives per group drawn from the user's candidates that are not positive. */
  negativesHard: number;
  /** Negatives per group drawn uniformly from the rest of the catalogue. */
  negativesRandom: number;
  /**
   * Negatives per group drawn from the user's own pre-cutoff items that were NOT bought again in
   * the label window (default 0). Full-catalogue ranking is decided mostly among the user's own
   * items, so the model must learn which of them come back, not only that they beat strangers.
   */
  negativesOwn?: number;
  /**
   * Weight every negative by (its stratum's size / negatives drawn from it), strata being the
   * user's own items, the candidates, and the rest of the catalogue (default false). Sampled
   * negatives then estimate the full-catalogue loss the evaluation ranks by, instead of
   * over-representing hard candidates against everything else.
   */
  importanceWeights?: boolean;
  seed: number;
  /** Keep a seeded random sample of at most this many users. */
  maxUsers?: number;
  /** Size of the candidate list hard negatives are drawn from. Default 200. */
  candidatesLimit?: number;
  /**
   * Share of groups built in the context of an item (the user's most recent pre-cutoff item, as if
   * on its product page), so context features are trained, not left at zero. Default 0.5.
   */
  contextShare?: number;
  /** Normalisation to apply; default the store's contract's, else fitted on these groups' rows. */
  contract?: FeatureContract;
  /** Also fill `itemIndex` (1-based into store.itemIds, 0 = unknown) for item-embedding scorers. */
  withItemIndex?: boolean;
  /**
   * Accept label events before the store's cutoff (default false). For protocols that hold labels
   * out by user and draw (leave-one-out, random split), not by time: the caller guarantees that
   * label events are not in the store's history.
   */
  labelsAnyTime?: boolean;
  /**
   * The protocol masks what each user already has (`--mask-seen`): positives already in the user's
   * history are dropped (counted), and own items are neither negatives nor candidates to learn
   * against, since they will never be ranked (default false).
   */
  maskSeen?: boolean;
}

/** What was built and what was left out, and why (nothing is dropped silently). */
export interface GroupsReport {
  eventsRead: number;
  /** Label events used as positives (several per user-item collapse into one positive). */
  eventsUsed: number;
  /** Events with ts before the store's cutoff: they belong to the features, not the labels. */
  eventsBeforeCutoff: number;
  /** Events with no intent strength (impressions). */
  eventsWithoutStrength: number;
  usersWithLabels: number;
  /** Users left out by `maxUsers`. */
  usersSampledOut: number;
  /** Users for whom no negative could be drawn (catalogue exhausted). */
  usersWithoutNegatives: number;
  /** Users unknown to the store (no pre-cutoff history): kept, they train the cold-start case. */
  coldUsers: number;
  groups: number;
  groupsWithContext: number;
  positives: number;
  /** Positives whose item is not in store.itemIds (kept: the store scores unknown items too). */
  positivesOutsideCatalogue: number;
  hardNegatives: number;
  randomNegatives: number;
  /** Negatives from the user's own history (items not bought again). */
  ownNegatives: number;
  /** With maskSeen: label items dropped because the user already had them. */
  positivesMasked?: number;
}

/** Groups, the contract (with the normalisation applied to them) and the report. */
export interface BuiltGroups {
  groups: TrainingGroup[];
  contract: FeatureContract;
  report: GroupsReport;
}

/** Draws up to k items of `pool` (not in `exclude`) without replacement; partial Fisher-Yates. */
function sample(rng: Rng, pool: readonly string[], k: number, exclude: ReadonlySet<string>): string[] {
  const eligible = pool.filter((id) => !exclude.has(id));
  const n = Math.min(k, eligible.length);
  for (let i = 0; i < n; i++) {
    const j = i + rng.int(eligible.length - i);
    [eligible[i], eligible[j]] = [eligible[j], eligible[i]];
  }
  return eligible.slice(0, n);
}

/** Draws up to k catalogue items not in `exclude` by rejection (the catalogue is large). */
function sampleCatalogue(rng: Rng, itemIds: readonly string[], k: number, exclude: Set<string>): string[] {
  const out: string[] = [];
  for (let attempts = 0; out.length < k && attempts < 20 * k + 20 && itemIds.length > 0; attempts++) {
    const id = itemIds[rng.int(itemIds.length)];
    if (exclude.has(id)) continue;
    exclude.add(id);
    out.push(id);
  }
  return out;
}

function nonNegativeInt(value: number | undefined, name: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 0))
    throw new RangeError(`${name} must be a non-negative integer, got ${value}`);
}

type UserLabels = { first: number; items: Map<string, number> };

/** A group before normalisation. */
interface RawGroup {
  userId: string;
  ts: number;
  rows: Float32Array;
  labels: Float32Array;
  weights?: Float32Array;
  itemIndex?: Int32Array;
  context: boolean;
}

function emptyReport(eventsRead: number): GroupsReport {
  return {
    eventsRead,
    eventsUsed: 0,
    eventsBeforeCutoff: 0,
    eventsWithoutStrength: 0,
    usersWithLabels: 0,
    usersSampledOut: 0,
    usersWithoutNegatives: 0,
    coldUsers: 0,
    groups: 0,
    groupsWithContext: 0,
    positives: 0,
    positivesOutsideCatalogue: 0,
    hardNegatives: 0,
    randomNegatives: 0,
    ownNegatives: 0,
  };
}

/** Per user: strongest intent per item, and when the user first showed any. */
function labelsByUser(
  store: GroupFeatureSource,
  labelEvents: readonly InteractionEvent[],
  opts: BuildGroupsOptions,
  report: GroupsReport,
): Map<string, UserLabels> {
  const byUser = new Map<string, UserLabels>();
  for (const e of labelEvents) {
    if (e.ts < store.cutoff && !opts.labelsAnyTime) {
      report.eventsBeforeCutoff++;
      continue;
    }
    const strength = EVENT_STRENGTH[e.type] ?? 0;
    if (!(strength > 0)) {
      report.eventsWithoutStrength++;
      continue;
    }
    report.eventsUsed++;
    let u = byUser.get(e.userId);
    if (!u) {
      u = { first: e.ts, items: new Map() };
      byUser.set(e.userId, u);
    }
    u.first = Math.min(u.first, e.ts);
    u.items.set(e.itemId, Math.max(u.items.get(e.itemId) ?? 0, strength));
  }
  if (opts.maskSeen) {
    report.positivesMasked = 0;
    for (const [userId, u] of byUser) {
      for (const h of store.user(userId)?.history ?? []) {
        if (u.items.delete(h.itemId)) report.positivesMasked++;
      }
      if (u.items.size === 0) byUser.delete(userId);
    }
  }
  report.usersWithLabels = byUser.size;
  return byUser;
}

/** The users to build groups for (sampled down to maxUsers), in order of their first label event. */
function usersInTimeOrder(byUser: Map<string, UserLabels>, rng: Rng, opts: BuildGroupsOptions, report: GroupsReport): string[] {
  let users = [...byUser.keys()].sort();
  if (opts.maxUsers !== undefined && users.length > opts.maxUsers) {
    users = rng.shuffle(users).slice(0, opts.maxUsers);
    report.usersSampledOut = byUser.size - users.length;
  }
  return users.sort((a, b) => (byUser.get(a)?.first ?? 0) - (byUser.get(b)?.first ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
}

/** What drawing one user's group needs besides the user. */
interface DrawContext {
  store: GroupFeatureSource;
  opts: BuildGroupsOptions;
  rng: Rng;
  vocab: ReadonlyMap<string, number>;
  report: GroupsReport;
}

/** One user's group: positives, then own, candidate and catalogue negatives; undefined without negatives. */
function drawGroup(userId: string, label: UserLabels, { store, opts, rng, vocab, report }: DrawContext): RawGroup | undefined {
  const negativesOwn = opts.negativesOwn ?? 0;
  const weighted = opts.importanceWeights ?? false;
  const dim = store.contract.names.length;
  const profile = store.user(userId);
  if (!profile) report.coldUsers++;
  const lastItem = profile?.history[0]?.itemId;
  const contextItemId = lastItem !== undefined && rng.chance(opts.contextShare ?? 0.5) ? lastItem : undefined;
  const positives = [...label.items.keys()];
  const taken = new Set(positives);
  // Masked protocols never rank the user's own items: they are neither negatives nor "rest".
  if (opts.maskSeen && profile) for (const h of profile.history) taken.add(h.itemId);
  // Strata: own items, then candidates, then the rest of the catalogue (disjoint when weighted).
  const ownPool = negativesOwn > 0 && profile && !opts.maskSeen ? profile.history.map((h) => h.itemId).filter((id) => !taken.has(id)) : [];
  const own = sample(rng, ownPool, negativesOwn, taken);
  for (const id of weighted ? ownPool : own) taken.add(id);
  const candPool = store.candidates(userId, { contextItemId, limit: opts.candidatesLimit ?? 200 }).filter((id) => !taken.has(id));
  const hard = sample(rng, candPool, opts.negativesHard, taken);
  for (const id of weighted ? candPool : hard) taken.add(id);
  let rest = 0;
  if (weighted) for (const id of store.itemIds) if (!taken.has(id)) rest++;
  const random = sampleCatalogue(rng, store.itemIds, opts.negativesRandom, taken);
  if (own.length + hard.length + random.length === 0) {
    report.usersWithoutNegatives++;
    return undefined;
  }
  const items = [...positives, ...own, ...hard, ...random];
  const rows = store.features(userId, items, contextItemId);
  if (rows.length !== items.length * dim) {
    throw new DataError(`store.features returned ${rows.length} values for ${items.length} items x ${dim} features (user ${userId})`);
  }
  const labels = new Float32Array(items.length);
  positives.forEach((id, i) => {
    labels[i] = label.items.get(id) ?? 0;
  });
  // Each sampled negative stands for (stratum size / drawn) items: an unbiased full-catalogue loss.
  const weights = weighted
    ? Float32Array.from(items, (_, r) => {
        const k = r - positives.length;
        if (k < 0) return 1;
        if (k < own.length) return ownPool.length / own.length;
        if (k < own.length + hard.length) return candPool.length / hard.length;
        return Math.max(1, rest) / random.length;
      })
    : undefined;
  const itemIndex = opts.withItemIndex ? Int32Array.from(items, (id) => vocab.get(id) ?? 0) : undefined;
  report.positives += positives.length;
  report.positivesOutsideCatalogue += positives.filter((id) => !vocab.has(id)).length;
  report.hardNegatives += hard.length;
  report.randomNegatives += random.length;
  report.ownNegatives += own.length;
  if (contextItemId !== undefined) report.groupsWithContext++;
  return { userId, ts: label.first, rows, labels, weights, itemIndex, context: contextItemId !== undefined };
}

/** The contract with its normalisation: the given one, or fitted on every row of every group. */
function fittedContract(base: FeatureContract, dim: number, raw: readonly RawGroup[], report: GroupsReport): FeatureContract {
  if (base.normalisation) return base;
  if (raw.length === 0) {
    throw new DataError(
      `no training groups to fit the normalisation on: ${report.usersWithLabels} users with label events after the cutoff, ` +
        `${report.usersWithoutNegatives} without negatives, ${report.eventsBeforeCutoff} events before the cutoff ignored`,
    );
  }
  return { ...base, normalisation: fitGroupsNormalisation(raw, dim) };
}

/**
 * Builds one group per user with label-window events (ts >= store.cutoff).
 * @param labelEvents - events after the cutoff (earlier ones are counted and ignored).
 */
export function buildTrainingGroups(
  store: GroupFeatureSource,
  labelEvents: readonly InteractionEvent[],
  opts: BuildGroupsOptions,
): BuiltGroups {
  nonNegativeInt(opts.negativesHard, 'negativesHard');
  nonNegativeInt(opts.negativesRandom, 'negativesRandom');
  nonNegativeInt(opts.maxUsers, 'maxUsers');
  nonNegativeInt(opts.negativesOwn, 'negativesOwn');
  const contextShare = opts.contextShare ?? 0.5;
  if (!(contextShare >= 0 && contextShare <= 1)) throw new RangeError(`contextShare must be in [0, 1], got ${contextShare}`);
  const report = emptyReport(labelEvents.length);
  const byUser = labelsByUser(store, labelEvents, opts, report);
  const rng = new Rng(opts.seed);
  const draw: DrawContext = { store, opts, rng, vocab: new Map(store.itemIds.map((id, i) => [id, i + 1])), report };
  const raw: RawGroup[] = [];
  for (const userId of usersInTimeOrder(byUser, rng, opts, report)) {
    const label = byUser.get(userId);
    const group = label && drawGroup(userId, label, draw);
    if (group) raw.push(group);
  }
  report.groups = raw.length;
  const fitted = fittedContract(opts.contract ?? store.contract, store.contract.names.length, raw, report);
  const groups = raw.map((g) => {
    const group: TrainingGroup = { features: normalise(g.rows, fitted), labels: g.labels, ts: g.ts, userId: g.userId };
    if (g.itemIndex) group.itemIndex = g.itemIndex;
    if (g.weights) group.weights = g.weights;
    return group;
  });
  return { groups, contract: fitted, report };
}
