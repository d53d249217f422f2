/**
 * Fitted item state: item-side tables LEARNT from the users' histories before a store's cutoff
 * (item-kNN neighbour lists, matrix-factorisation item factors), next to the ones COUNTED from
 * them (popularity, co-occurrence). A definition says how to fit one from the point-in-time
 * interaction matrix and how to encode it; a store fits it on first use and caches it per setting.
 *
 * Point in time by construction: a store built by `buildFeatureStore` fits from the histories it
 * replayed up to its cutoff (never from events at or after it, nor from live user state it is
 * later given); a store loaded from a version's tables has no interactions and only reads the
 * states the version was published with, so serving never refits and a rollback restores them.
 */
import { DataError, WorkbenchError } from '../errors.js';
import type { UserStateStore } from './user-state-store.js';

/** The users' histories before a cutoff as a sparse user x item matrix (CSR by user). */
export interface InteractionMatrix {
  /** Rows: users with at least one known item, in the store's replay order. */
  readonly users: number;
  /** Columns: the store's vocabulary (`itemIds`). */
  readonly items: number;
  /** Row u holds entries offsets[u] .. offsets[u + 1] - 1; `users + 1` values. */
  readonly offsets: Int32Array;
  /** Item index of each entry, ascending within a row. */
  readonly cols: Int32Array;
  /** Strength-weighted interactions of each entry (> 0), as the user history keeps them. */
  readonly weights: Float32Array;
}

/**
 * How to fit, encode and decode one kind of fitted item state.
 * @typeParam P - the fitting knobs (JSON-safe: they key the cache and the tables).
 * @typeParam S - the fitted state.
 */
export interface ItemStateDefinition<P extends object = object, S = unknown> {
  /** Unique key, e.g. "bpr-factors" (names the state in tables and errors). */
  readonly key: string;
  /** Bump when fitting or encoding changes: tables holding another version are not read. */
  readonly version: number;
  readonly doc: string;
  /** Fits the state (deterministic: same matrix and params, same state). */
  fit(matrix: InteractionMatrix, params: P): S;
  /** JSON-safe form written into the version's tables. */
  encode(state: S): unknown;
  /**
   * Inverse of `encode`, for a vocabulary of `items` items.
   * @throws DataError naming the malformed field.
   */
  decode(value: unknown, items: number): S;
}

/** One fitted state a ranker or feature needs: a definition and its knobs, with the cache id. */
export interface ItemStateUse<S = unknown> {
  readonly definition: ItemStateDefinition<object, S>;
  readonly params: Readonly<Record<string, unknown>>;
  /** `key@version` + the params as canonical JSON (sorted keys). */
  readonly id: string;
}

/** One fitted state as the tables carry it. */
export interface FittedStateEntry {
  key: string;
  version: number;
  params: Record<string, unknown>;
  data: unknown;
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

function entryId(key: string, version: number, params: object): string {
  return `${key}@${version}:${JSON.stringify(canonical(params))}`;
}

/** A use of `definition` with `params` (Infinity is not JSON-safe: use large finite numbers). */
export function itemStateUse<P extends object, S>(definition: ItemStateDefinition<P, S>, params: P): ItemStateUse<S> {
  const plain = canonical(params) as Record<string, unknown>;
  return {
    definition: definition as ItemStateDefinition<object, S>,
    params: plain,
    id: entryId(definition.key, definition.version, plain),
  };
}

/**
 * The fitted states of one store: decoded on first use from the tables' entries, or fitted from
 * the store's point-in-time interactions when it has them.
 */
export class FittedItemStates {
  private readonly states = new Map<string, { use: ItemStateUse; state: unknown }>();
  private readonly raw: Map<string, FittedStateEntry>;

  /**
   * @param items - vocabulary size.
   * @param interactions - the store's point-in-time matrix (fresh stores), undefined for loaded ones.
   * @param entries - states read from tables (decoded lazily).
   */
  constructor(
    readonly items: number,
    private readonly interactions: (() => InteractionMatrix) | undefined,
    entries: readonly FittedStateEntry[] = [],
  ) {
    this.raw = new Map(entries.map((e) => [entryId(e.key, e.version, e.params), e]));
  }

  /**
   * The state for `use`: cached, decoded from the tables, or fitted now.
   * @throws WorkbenchError `missing_item_state` on a loaded store whose tables lack it.
   */
  get<S>(use: ItemStateUse<S>): S {
    const hit = this.states.get(use.id);
    if (hit) return hit.state as S;
    let state: S;
    const entry = this.raw.get(use.id);
    if (entry) {
      state = use.definition.decode(entry.data, this.items);
      this.raw.delete(use.id);
    } else if (this.interactions) {
      state = use.definition.fit(this.interactions(), use.params);
    } else {
      throw new WorkbenchError(
        'missing_item_state',
        `fitted item state "${use.definition.key}" version ${use.definition.version} with ${JSON.stringify(use.params)} is not in these feature tables; publish the version again from a run`,
      );
    }
    this.states.set(use.id, { use, state });
    return state;
  }

  /** A cache of its own over the same interactions, holding only the states of `keep` (already fitted ones are shared). */
  subset(keep: readonly ItemStateUse[]): FittedItemStates {
    const out = new FittedItemStates(
      this.items,
      this.interactions,
      [...this.raw.values()].filter((e) => keep.some((u) => u.id === entryId(e.key, e.version, e.params))),
    );
    for (const use of keep) {
      const hit = this.states.get(use.id);
      if (hit) out.states.set(use.id, hit);
    }
    return out;
  }

  /** Every state held, encoded for the tables, in a fixed order (by id). */
  entries(): FittedStateEntry[] {
    const out: { id: string; entry: FittedStateEntry }[] = [];
    for (const [id, { use, state }] of this.states) {
      const d = use.definition;
      out.push({ id, entry: { key: d.key, version: d.version, params: { ...use.params }, data: d.encode(state) } });
    }
    for (const [id, entry] of this.raw) out.push({ id, entry });
    return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((x) => x.entry);
  }
}

/**
 * Checks the shape of the tables' `fitted` list (the data is checked by each definition on use).
 * @throws DataError naming the malformed entry.
 */
export function checkFittedEntries(value: unknown): FittedStateEntry[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new DataError('expected an array', { file: 'feature tables', field: 'fitted' });
  return value.map((e, i) => {
    const entry = e as Partial<FittedStateEntry> | null;
    const field = `fitted[${i}]`;
    if (!entry || typeof entry.key !== 'string' || !Number.isInteger(entry.version) || !entry.params || typeof entry.params !== 'object') {
      throw new DataError('expected {key, version, params, data}', { file: 'feature tables', field });
    }
    return { key: entry.key, version: entry.version as number, params: entry.params, data: entry.data };
  });
}

/**
 * The interaction matrix of every user in `users` over a vocabulary (items outside it are left
 * out; users left without a known item get no row). Rows follow the store's user order.
 */
export function interactionMatrix(users: UserStateStore, itemIndex: ReadonlyMap<string, number>): InteractionMatrix {
  const offsets = [0];
  const cols: number[] = [];
  const weights: number[] = [];
  const row: { i: number; w: number }[] = [];
  for (const userId of users.userIds()) {
    row.length = 0;
    for (const [itemId, it] of users.get(userId)?.history.items ?? []) {
      const i = itemIndex.get(itemId);
      if (i !== undefined && it.weight > 0) row.push({ i, w: it.weight });
    }
    if (row.length === 0) continue;
    row.sort((a, b) => a.i - b.i);
    for (const e of row) {
      cols.push(e.i);
      weights.push(e.w);
    }
    offsets.push(cols.length);
  }
  return {
    users: offsets.length - 1,
    items: itemIndex.size,
    offsets: Int32Array.from(offsets),
    cols: Int32Array.from(cols),
    weights: Float32Array.from(weights),
  };
}
