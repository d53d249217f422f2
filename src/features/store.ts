/**
 * The FeatureStore everything reads: training (feature matrices), evaluation (full-catalogue
 * scoring), the baselines, export (the item tables in a model directory) and the service
 * (candidates and features per request). It joins three things: the model's item tables (built
 * from events before `cutoff`), a UserStateStore (point-in-time state replayed up to the cutoff
 * offline; live state online) and the feature definitions of a feature set. A store loaded from
 * its tables over the same user state behaves identically to the one that wrote them.
 */
import type { InteractionEvent, Item } from '../data/schema.js';
import { UsageError, WorkbenchError } from '../errors.js';
import { attributeColumns, DEFAULT_PRICE_BANDS, type ItemRecord } from './attributes.js';
import { candidatesOf, DEFAULT_CANDIDATES, generateCandidates } from './candidates.js';
import { type FeatureContract, featureContractSchema } from './contract.js';
import { type CooccurrenceReport, computeCooccurrence, DEFAULT_MAX_BASKET_SIZE, DEFAULT_NEIGHBOURS } from './cooccurrence.js';
import type { FeatureDefinition } from './definition.js';
import {
  contractOf,
  DEFAULT_FEATURE_SET,
  type FeatureSet,
  featureSetByName,
  registeredUserStates,
  resolveContract,
} from './feature-set.js';
import { checkFittedEntries, FittedItemStates, type ItemStateUse, interactionMatrix } from './item-state.js';
import { computePopularity, DEFAULT_HALF_LIFE_DAYS, DEFAULT_RECENCY_HALF_LIFE_DAYS, POPULARITY_HALF_LIVES_DAYS } from './popularity.js';
import { profileOf, type UserProfile } from './profiles.js';
import {
  closeRequest,
  createItemRuntime,
  type FeatureRequest,
  type ItemRuntime,
  type ItemTables,
  openRequest,
  type UserView,
  userView,
  withCandidates,
} from './request.js';
import { decodeTables, encodeTables, type FeatureTables } from './tables.js';
import { DEFAULT_SESSION_GAP_MINUTES, trainingWindow, type WindowReport } from './training-window.js';
import { MemoryUserStateStore, replayUntil, type UserStateStore } from './user-state-store.js';

/** What a build read, used and ignored, and how long each stage took. */
export interface FeatureBuildReport extends WindowReport {
  cooccurrence: CooccurrenceReport;
  timingsMs: { window: number; popularity: number; cooccurrence: number; userState: number; total: number };
}

/** Read access to the features of one training window (see the module comment). */
export interface FeatureStore {
  /** Built from events with ts < cutoff only. */
  readonly cutoff: number;
  /** Catalogue vocabulary (catalogue order, then items only seen in events). */
  readonly itemIds: readonly string[];
  /** Names + order (normalisation filled once fitted). */
  readonly contract: FeatureContract;
  /** Present on a freshly built store (not on one loaded from tables). */
  readonly report?: FeatureBuildReport;
  /** The catalogue record plus its price band. */
  item(itemId: string): ItemRecord | undefined;
  user(userId: string): UserProfile | undefined;
  /** All-time weighted count and decayed recent count (0, 0 for unknown items). */
  popularity(itemId: string): { count: number; recent: number };
  /** Co-occurrence neighbours, score descending ([] for unknown items). */
  neighbours(itemId: string): readonly { itemId: string; score: number }[];
  /** Deterministic candidate ids without duplicates; unknown users get popular items (+ context neighbours). */
  candidates(userId: string, opts?: { contextItemId?: string; limit?: number }): string[];
  /** Raw (un-normalised) features, row-major, candidates.length x contract.names.length. */
  features(userId: string, candidates: readonly string[], contextItemId?: string): Float32Array;
  /**
   * `candidates` (without the ids in `drop`) and their raw `features` in one request, the same
   * values as the two calls give (the service's request path; stores may leave it out).
   */
  candidateFeatures?(userId: string, opts?: CandidateFeatureOptions): CandidateFeatures;
  /** The clock user features are read at: the cutoff offline, the latest event online. */
  now(): number;
}

/** What `candidateFeatures` generates for. */
export interface CandidateFeatureOptions {
  contextItemId?: string;
  /** Most candidates generated (default 500), before `drop`. */
  limit?: number;
  /** Item ids left out of the generated candidates. */
  drop?: ReadonlySet<string>;
}

/** Generated candidates and their raw features (row-major, ids.length x contract.names.length). */
export interface CandidateFeatures {
  ids: string[];
  values: Float32Array;
}

const NO_CANDIDATES = new Int32Array(0);

function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 0) throw new UsageError(`candidates limit must be a non-negative integer, got ${limit}`);
  return limit;
}

/** Options of buildFeatureStore. */
export interface BuildFeatureStoreOptions {
  /** Only events with ts < cutoff are used (epoch ms). */
  cutoff: number;
  /** Co-occurrence neighbours kept per item (default 50). */
  neighbours?: number;
  /** Half-life of recent popularity, days (default 14). */
  halfLifeDays?: number;
  /** Half-life of the recency features (user, user-item, recent co-occurrence), days (default 30). */
  recencyHalfLifeDays?: number;
  /** Baskets above this many distinct items are down-weighted (default 50). */
  maxBasketSize?: number;
  /** Minimum shared baskets for a co-occurring pair (default 1). */
  minSupport?: number;
  /** Co-occurrence shrinkage lambda (default 0). */
  shrinkage?: number;
  /** Session gap for events without sessionId, minutes (default 30). */
  sessionGapMinutes?: number;
  /** Number of price bands (default 5). */
  priceBands?: number;
  /** DuckDB threads (default all cores). */
  threads?: number;
  /** The features (default: the "default" set of the 23 built-ins). */
  featureSet?: FeatureSet;
}

/** Parts of a TableFeatureStore. */
export interface TableFeatureStoreParts {
  rt: ItemRuntime;
  users: UserStateStore;
  /** The features computed, in contract order. */
  features: readonly FeatureDefinition[];
  contract: FeatureContract;
  /** A fixed clock (offline stores: the cutoff); default max(cutoff, the latest event applied). */
  now?: number;
  report?: FeatureBuildReport;
}

/** The FeatureStore implementation (over decoded item tables and a UserStateStore). */
export class TableFeatureStore implements FeatureStore {
  readonly cutoff: number;
  readonly itemIds: readonly string[];
  readonly contract: FeatureContract;
  readonly report?: FeatureBuildReport;
  /** The item tables and lookup structures (shared with derived copies). */
  readonly rt: ItemRuntime;
  /** Where user state is read from (shared with derived copies). */
  readonly users: UserStateStore;
  /** The feature definitions, in contract order. */
  readonly definitions: readonly FeatureDefinition[];
  private readonly fixedNow: number | undefined;
  private readonly nbrCache = new Map<number, readonly { itemId: string; score: number }[]>();
  private sortedUsers: { size: number; ids: string[] } | undefined;

  constructor(parts: TableFeatureStoreParts) {
    this.rt = parts.rt;
    this.users = parts.users;
    this.cutoff = parts.rt.d.cutoff;
    this.itemIds = parts.rt.d.itemIds;
    this.definitions = [...parts.features];
    this.contract = parts.contract;
    this.fixedNow = parts.now;
    this.report = parts.report;
    if (this.definitions.length !== parts.contract.names.length || this.definitions.some((d, i) => d.name !== parts.contract.names[i])) {
      throw new WorkbenchError('contract_mismatch', 'the feature definitions do not match the contract names');
    }
    // Fitted now (fresh store) or checked present (loaded store), not on some request later.
    for (const d of this.definitions) if (d.itemState) this.rt.fitted.get(d.itemState);
  }

  /** Users with state, sorted (cached while the number of users is unchanged). */
  get userIds(): readonly string[] {
    const size = this.users.size;
    if (!this.sortedUsers || this.sortedUsers.size !== size) this.sortedUsers = { size, ids: this.users.userIds().sort() };
    return this.sortedUsers.ids;
  }

  now(): number {
    return this.fixedNow ?? Math.max(this.cutoff, this.users.clock());
  }

  /** Vocabulary index of an item, -1 when unknown. */
  itemIndex(itemId: string | undefined): number {
    return itemId === undefined ? -1 : (this.rt.itemIndex.get(itemId) ?? -1);
  }

  /** The user's state resolved against this store's items; undefined for a user without state. */
  view(userId: string): UserView | undefined {
    const state = this.users.get(userId);
    return state ? userView(this.rt, userId, state) : undefined;
  }

  item(itemId: string): ItemRecord | undefined {
    const i = this.itemIndex(itemId);
    if (i < 0) return undefined;
    const a = this.rt.d.attrs;
    const rec: ItemRecord = { itemId, title: this.rt.d.titles[i] };
    if (a.brand[i] >= 0) rec.brand = a.vocab.brand[a.brand[i]];
    if (a.colour[i] >= 0) rec.colour = a.vocab.colour[a.colour[i]];
    if (a.category[i] >= 0) rec.category = a.vocab.category[a.category[i]];
    if (!Number.isNaN(a.price[i])) rec.price = a.price[i];
    if (a.priceBand[i] >= 0) rec.priceBand = a.priceBand[i];
    return rec;
  }

  user(userId: string): UserProfile | undefined {
    const v = this.view(userId);
    return v ? profileOf(this.rt, v, this.now()) : undefined;
  }

  popularity(itemId: string): { count: number; recent: number } {
    const i = this.itemIndex(itemId);
    return i < 0 ? { count: 0, recent: 0 } : { count: this.rt.d.pop.count[i], recent: this.rt.d.pop.recent[i] };
  }

  /**
   * Decayed popularity of every item (aligned with itemIds) at one of POPULARITY_HALF_LIVES_DAYS,
   * the store's own half-life, or Infinity (the all-time count). For tuning a popularity baseline.
   * @throws UsageError for other half-lives.
   */
  popularityVector(halfLifeDays: number): Float32Array {
    const d = this.rt.d;
    if (halfLifeDays === Number.POSITIVE_INFINITY) return d.pop.count;
    if (halfLifeDays === d.params.halfLifeDays) return d.pop.recent;
    const h = POPULARITY_HALF_LIVES_DAYS.indexOf(halfLifeDays);
    if (h < 0) {
      throw new UsageError(
        `halfLifeDays ${halfLifeDays} is not kept by the store; use ${POPULARITY_HALF_LIVES_DAYS.join(', ')}, ${d.params.halfLifeDays} or Infinity`,
      );
    }
    const n = d.itemIds.length;
    return d.pop.ladder.subarray(h * n, (h + 1) * n);
  }

  neighbours(itemId: string): readonly { itemId: string; score: number }[] {
    const i = this.itemIndex(itemId);
    if (i < 0) return [];
    let list = this.nbrCache.get(i);
    if (!list) {
      const { offsets, items, scores } = this.rt.d.nbrs;
      const out: { itemId: string; score: number }[] = [];
      for (let k = offsets[i]; k < offsets[i + 1]; k++) out.push({ itemId: this.itemIds[items[k]], score: scores[k] });
      list = Object.freeze(out);
      this.nbrCache.set(i, list);
    }
    return list;
  }

  candidates(userId: string, opts: { contextItemId?: string; limit?: number } = {}): string[] {
    const limit = checkLimit(opts.limit ?? DEFAULT_CANDIDATES);
    const idx = generateCandidates(this.rt, this.view(userId), this.itemIndex(opts.contextItemId), limit, this.now());
    return idx.map((i) => this.itemIds[i]);
  }

  features(userId: string, candidates: readonly string[], contextItemId?: string): Float32Array {
    const idx = new Int32Array(candidates.length);
    for (let r = 0; r < candidates.length; r++) idx[r] = this.rt.itemIndex.get(candidates[r]) ?? -1;
    const req = openRequest(this.rt, this.view(userId), idx, this.itemIndex(contextItemId), this.now());
    try {
      return this.fill(req);
    } finally {
      closeRequest(req);
    }
  }

  /**
   * Candidates and their features with one view of the user and one pass over their history (the
   * two calls each make both), and no id-to-index lookups: what a recommendation request needs.
   */
  candidateFeatures(userId: string, opts: CandidateFeatureOptions = {}): CandidateFeatures {
    const limit = checkLimit(opts.limit ?? DEFAULT_CANDIDATES);
    const req = openRequest(this.rt, this.view(userId), NO_CANDIDATES, this.itemIndex(opts.contextItemId), this.now());
    try {
      let idx = candidatesOf(req, limit);
      const drop = opts.drop;
      if (drop?.size) idx = idx.filter((i) => !drop.has(this.itemIds[i]));
      const cands = Int32Array.from(idx);
      return { ids: idx.map((i) => this.itemIds[i]), values: this.fill(withCandidates(req, cands)) };
    } finally {
      closeRequest(req);
    }
  }

  /** Every feature's column for the request's candidates. */
  private fill(req: FeatureRequest): Float32Array {
    const defs = this.definitions;
    const dim = defs.length;
    const out = new Float32Array(req.candidates.length * dim);
    for (let k = 0; k < dim; k++) defs[k].fill(req, out, k, dim);
    return out;
  }

  /**
   * A fitted item state (item-state.ts): cached, read from the tables, or fitted now from the
   * interactions before the cutoff (fresh stores only; never from the live user state).
   * @throws WorkbenchError `missing_item_state` on a loaded store whose tables lack it.
   */
  itemState<S>(use: ItemStateUse<S>): S {
    return this.rt.fitted.get(use);
  }

  /**
   * The same store with a fitted-state cache of its own that holds only what its features need,
   * so the tables of one published version carry the states of its own ranker, not of others
   * built on the same store.
   */
  withOwnItemStates(): TableFeatureStore {
    const keep = this.definitions.flatMap((d) => (d.itemState ? [d.itemState] : []));
    return new TableFeatureStore({ ...this.parts(), rt: { ...this.rt, fitted: this.rt.fitted.subset(keep) } });
  }

  /**
   * The same item tables and user state with the features a contract names (e.g. a champion's, to
   * score it on a pipeline run's store). Keeps the contract's normalisation.
   * @throws WorkbenchError "missing_feature" naming a feature this code lacks.
   */
  withContract(contract: FeatureContract): TableFeatureStore {
    return new TableFeatureStore({ ...this.parts(), features: resolveContract(contract), contract });
  }

  /** The same item tables and features over another user state store (e.g. the service's live one). */
  withUsers(users: UserStateStore, opts: { now?: number } = {}): TableFeatureStore {
    return new TableFeatureStore({ ...this.parts(), users, now: opts.now });
  }

  /** @internal the parts to derive a copy from. */
  parts(): TableFeatureStoreParts {
    return { rt: this.rt, users: this.users, features: this.definitions, contract: this.contract, now: this.fixedNow, report: this.report };
  }
}

function checkPositive(name: string, value: number, integer: boolean): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`feature store option ${name} must be a positive ${integer ? 'integer' : 'number'}, got ${String(value)}`);
  }
  return value;
}

/**
 * Builds a feature store from the events before `opts.cutoff` (later events are counted, not read).
 * Co-occurrence runs in DuckDB; everything else in one or two passes over the window.
 * @param items - the catalogue (its order fixes the vocabulary).
 */
export async function buildFeatureStore(
  events: readonly InteractionEvent[],
  items: readonly Item[],
  opts: BuildFeatureStoreOptions,
): Promise<TableFeatureStore> {
  if (typeof opts?.cutoff !== 'number' || !Number.isFinite(opts.cutoff)) {
    throw new UsageError(`feature store option cutoff must be a finite epoch-ms number, got ${String(opts?.cutoff)}`);
  }
  const params = {
    halfLifeDays: checkPositive('halfLifeDays', opts.halfLifeDays ?? DEFAULT_HALF_LIFE_DAYS, false),
    recencyHalfLifeDays: checkPositive('recencyHalfLifeDays', opts.recencyHalfLifeDays ?? DEFAULT_RECENCY_HALF_LIFE_DAYS, false),
    neighbours: checkPositive('neighbours', opts.neighbours ?? DEFAULT_NEIGHBOURS, true),
    maxBasketSize: checkPositive('maxBasketSize', opts.maxBasketSize ?? DEFAULT_MAX_BASKET_SIZE, true),
    minSupport: checkPositive('minSupport', opts.minSupport ?? 1, true),
    shrinkage: opts.shrinkage ?? 0,
    sessionGapMinutes: checkPositive('sessionGapMinutes', opts.sessionGapMinutes ?? DEFAULT_SESSION_GAP_MINUTES, false),
    priceBands: checkPositive('priceBands', opts.priceBands ?? DEFAULT_PRICE_BANDS, true),
  };
  if (!Number.isFinite(params.shrinkage) || params.shrinkage < 0) {
    throw new UsageError(`feature store option shrinkage must be >= 0, got ${params.shrinkage}`);
  }
  const t0 = performance.now();
  const w = trainingWindow(events, items, { cutoff: opts.cutoff, sessionGapMinutes: params.sessionGapMinutes });
  const t1 = performance.now();
  const pop = computePopularity(w, params.halfLifeDays);
  const t2 = performance.now();
  const co = await computeCooccurrence(w, { ...params, threads: opts.threads });
  const t3 = performance.now();
  const users = replayUntil(events, opts.cutoff, { definitions: registeredUserStates(), sessionGapMinutes: params.sessionGapMinutes });
  const attrs = attributeColumns(w.catalogue, params.priceBands);
  const t4 = performance.now();
  // Taken now, while `users` is exactly the replay up to the cutoff: whatever is later applied to
  // it (or a `withUsers` copy reads) never reaches a fit. ~0.1 s on Online Retail.
  const matrix = interactionMatrix(users, new Map(w.itemIds.map((id, i) => [id, i])));
  const fitted = new FittedItemStates(w.itemIds.length, () => matrix);
  const data: ItemTables = {
    cutoff: opts.cutoff,
    params,
    itemIds: w.itemIds,
    titles: w.catalogue.map((it, i) => it?.title ?? w.itemIds[i]),
    attrs,
    pop,
    nbrs: co.table,
  };
  const report: FeatureBuildReport = {
    ...w.report,
    cooccurrence: co.report,
    timingsMs: { window: t1 - t0, popularity: t2 - t1, cooccurrence: t3 - t2, userState: t4 - t3, total: performance.now() - t0 },
  };
  const set = opts.featureSet ?? featureSetByName(DEFAULT_FEATURE_SET);
  return new TableFeatureStore({
    rt: createItemRuntime(data, fitted),
    users,
    features: set.features,
    contract: contractOf(set),
    now: opts.cutoff,
    report,
  });
}

function asTableStore(store: FeatureStore): TableFeatureStore {
  if (!(store instanceof TableFeatureStore)) {
    throw new WorkbenchError('unsupported_store', 'this FeatureStore was not made by buildFeatureStore or featureStoreFromTables');
  }
  return store;
}

/** The store's compact, JSON-serialisable item tables (for the model directory), with every fitted item state it holds. */
export function featureStoreToTables(store: FeatureStore): FeatureTables {
  const { rt } = asTableStore(store);
  const fitted = rt.fitted.entries();
  // No `fitted` key without fitted states: such tables stay byte-identical to earlier ones.
  return fitted.length > 0 ? { ...encodeTables(rt.d), fitted } : encodeTables(rt.d);
}

/**
 * A fitted item state of a store made by buildFeatureStore or featureStoreFromTables (see
 * TableFeatureStore.itemState), for rankers written against the FeatureStore interface.
 * @throws WorkbenchError `unsupported_store` for another FeatureStore; `missing_item_state`.
 */
export function fittedItemState<S>(store: FeatureStore, use: ItemStateUse<S>): S {
  return asTableStore(store).itemState(use);
}

/** Where a store made from tables reads users and which features it computes. */
export interface FromTablesOptions {
  /** User state (default: an empty embedded store, i.e. every user unknown). */
  users?: UserStateStore;
  /** The features (default: the default set); its definitions must all be registered. */
  contract?: FeatureContract;
  /** A fixed clock (default: max(cutoff, the latest event applied to `users`)). */
  now?: number;
}

/**
 * A store from its item tables (e.g. JSON.parse of a model directory's file) over a user state
 * store; with the same user state it behaves identically to the store that wrote them.
 * @throws DataError naming the first malformed field; WorkbenchError "missing_feature".
 */
export function featureStoreFromTables(tables: FeatureTables, opts: FromTablesOptions = {}): TableFeatureStore {
  const data = decodeTables(tables);
  const contract = opts.contract ?? contractOf(featureSetByName(DEFAULT_FEATURE_SET));
  // A loaded store reads the states it was published with and cannot fit new ones.
  const fitted = new FittedItemStates(data.itemIds.length, undefined, checkFittedEntries(tables.fitted));
  return new TableFeatureStore({
    rt: createItemRuntime(data, fitted),
    users: opts.users ?? new MemoryUserStateStore({ sessionGapMinutes: data.params.sessionGapMinutes }),
    features: resolveContract(contract),
    contract,
    now: opts.now,
  });
}

/**
 * The same store with fitted normalisation statistics in its contract (shares all data).
 * @throws DataError / ZodError-derived WorkbenchError when the statistics do not match the features.
 */
export function withNormalisation(store: FeatureStore, normalisation: { mean: number[]; std: number[] }): TableFeatureStore {
  const s = asTableStore(store);
  const contract: FeatureContract = {
    ...structuredClone({ ...s.contract, normalisation: undefined }),
    normalisation: { mean: [...normalisation.mean], std: [...normalisation.std] },
  };
  const check = featureContractSchema.safeParse(contract);
  if (!check.success)
    throw new WorkbenchError('bad_normalisation', `normalisation does not fit the contract: ${check.error.issues[0]?.message}`);
  return new TableFeatureStore({ ...s.parts(), contract });
}
