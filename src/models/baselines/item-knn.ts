/**
 * Item-kNN (item-based collaborative filtering): two items are similar when the same users
 * interacted with them, cosine(i, j) = |U_i n U_j| / sqrt(|U_i| |U_j|) over the users' histories
 * before the cutoff (U_i: the users of item i); each item keeps its top-N neighbours, and an item
 * scores the sum of its similarities to the user's history items (plus the item on the page).
 *
 * Unlike `cooccurrence`, which counts items bought in the same basket, this looks at whole
 * histories: items a user bought weeks apart are neighbours too. The neighbour lists are a fitted
 * item state (features/item-state.ts): fitted from the store's point-in-time interactions and
 * published in the version's tables, so serving reads the lists it was evaluated with.
 */
import { UsageError } from '../../errors.js';
import type { NeighbourTable } from '../../features/cooccurrence.js';
import { decodeArray, type EncodedArray, encodeArray } from '../../features/encoding.js';
import type { InteractionMatrix, ItemStateDefinition } from '../../features/item-state.js';
import { itemStateUse } from '../../features/item-state.js';
import { type FeatureStore, fittedItemState } from '../../features/store.js';
import type { RankRequest } from '../ranker.js';
import { BaselineRanker, knob } from './common.js';

/** Knobs of the item-kNN baseline. */
export interface ItemKnnOptions {
  /** Neighbours kept per item, the neighbourhood size (default 50; at most KNN_MAX_NEIGHBOURS). */
  neighbours?: number;
  /** Weight of the context item's neighbours relative to one history item (default 1). */
  contextWeight?: number;
  /** Weight of normalised popularity added to every item (default 0: popularity only breaks ties). */
  popularityWeight?: number;
}

/** The largest neighbourhood: lists are computed this long once per store, and cut to each setting. */
export const KNN_MAX_NEIGHBOURS = 200;

/**
 * Cosine similarity of every item pair over binary user vectors, top `neighbours` per item
 * (score desc, then item index asc). Cost: sum over users of |history|^2.
 */
export function itemCosineNeighbours(m: InteractionMatrix, neighbours: number): NeighbourTable {
  const n = m.items;
  const { offsets: rowOff, cols } = m;
  // Transpose: the users of each item.
  const colOff = new Int32Array(n + 1);
  for (let e = 0; e < cols.length; e++) colOff[cols[e] + 1]++;
  for (let i = 0; i < n; i++) colOff[i + 1] += colOff[i];
  const fill = colOff.slice(0, n);
  const rows = new Int32Array(cols.length);
  for (let u = 0; u < m.users; u++) for (let e = rowOff[u]; e < rowOff[u + 1]; e++) rows[fill[cols[e]]++] = u;

  const acc = new Float64Array(n);
  const touched = new Int32Array(n);
  const heapItems = new Int32Array(neighbours);
  const heapScores = new Float64Array(neighbours);
  const outOff = new Int32Array(n + 1);
  const outItems: number[] = [];
  const outScores: number[] = [];
  // Min-heap on (score, then larger index = worse), so the kept set is the top-N in (score desc, index asc).
  const worse = (a: number, b: number) => heapScores[a] < heapScores[b] || (heapScores[a] === heapScores[b] && heapItems[a] > heapItems[b]);
  for (let i = 0; i < n; i++) {
    let nt = 0;
    for (let p = colOff[i]; p < colOff[i + 1]; p++) {
      const u = rows[p];
      for (let e = rowOff[u]; e < rowOff[u + 1]; e++) {
        const j = cols[e];
        if (j === i) continue;
        if (acc[j] === 0) touched[nt++] = j;
        acc[j] += 1;
      }
    }
    const ni = colOff[i + 1] - colOff[i];
    let size = 0;
    for (let t = 0; t < nt; t++) {
      const j = touched[t];
      const s = acc[j] / Math.sqrt(ni * (colOff[j + 1] - colOff[j]));
      acc[j] = 0;
      if (size < neighbours) {
        // Sift up.
        let k = size++;
        heapItems[k] = j;
        heapScores[k] = s;
        while (k > 0) {
          const parent = (k - 1) >> 1;
          if (!worse(k, parent)) break;
          swap(heapItems, heapScores, k, parent);
          k = parent;
        }
      } else if (s > heapScores[0] || (s === heapScores[0] && j < heapItems[0])) {
        heapItems[0] = j;
        heapScores[0] = s;
        // Sift down.
        let k = 0;
        for (;;) {
          const l = 2 * k + 1;
          const r = l + 1;
          let m2 = k;
          if (l < size && worse(l, m2)) m2 = l;
          if (r < size && worse(r, m2)) m2 = r;
          if (m2 === k) break;
          swap(heapItems, heapScores, k, m2);
          k = m2;
        }
      }
    }
    const order = Array.from({ length: size }, (_, k) => k).sort((a, b) => heapScores[b] - heapScores[a] || heapItems[a] - heapItems[b]);
    for (const k of order) {
      outItems.push(heapItems[k]);
      outScores.push(heapScores[k]);
    }
    outOff[i + 1] = outItems.length;
  }
  return { offsets: outOff, items: Int32Array.from(outItems), scores: Float32Array.from(outScores) };
}

function swap(items: Int32Array, scores: Float64Array, a: number, b: number): void {
  const ti = items[a];
  items[a] = items[b];
  items[b] = ti;
  const ts = scores[a];
  scores[a] = scores[b];
  scores[b] = ts;
}

/** Each row's first `k` neighbours (the top-k, since rows are sorted and ties broken by index). */
function truncate(t: NeighbourTable, k: number): NeighbourTable {
  const n = t.offsets.length - 1;
  const offsets = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + Math.min(k, t.offsets[i + 1] - t.offsets[i]);
  const items = new Int32Array(offsets[n]);
  const scores = new Float32Array(offsets[n]);
  for (let i = 0; i < n; i++) {
    const len = offsets[i + 1] - offsets[i];
    items.set(t.items.subarray(t.offsets[i], t.offsets[i] + len), offsets[i]);
    scores.set(t.scores.subarray(t.offsets[i], t.offsets[i] + len), offsets[i]);
  }
  return { offsets, items, scores };
}

// Tuning tries several neighbourhood sizes on one store: the longest lists are computed once per matrix.
const longest = new WeakMap<InteractionMatrix, NeighbourTable>();

interface EncodedNeighbours {
  offsets: EncodedArray;
  items: EncodedArray;
  scores: EncodedArray;
}

/** Item-kNN neighbour lists as a fitted item state (params: { neighbours }). */
export const ITEM_KNN_NEIGHBOURS: ItemStateDefinition<{ neighbours: number }, NeighbourTable> = {
  key: 'item-knn-neighbours',
  version: 1,
  doc: 'item-kNN: top-N cosine neighbours of each item over the users who interacted with it before the cutoff',
  fit(m, { neighbours }) {
    let all = longest.get(m);
    if (!all) {
      all = itemCosineNeighbours(m, KNN_MAX_NEIGHBOURS);
      longest.set(m, all);
    }
    return truncate(all, neighbours);
  },
  encode: (t): EncodedNeighbours => ({ offsets: encodeArray(t.offsets), items: encodeArray(t.items), scores: encodeArray(t.scores) }),
  decode(value, n) {
    const v = (value ?? {}) as Partial<EncodedNeighbours>;
    const field = 'fitted.item-knn-neighbours';
    const offsets = decodeArray(v.offsets, 'int32', n + 1, `${field}.offsets`);
    const items = decodeArray(v.items, 'int32', offsets[n], `${field}.items`);
    return { offsets, items, scores: decodeArray(v.scores, 'float32', items.length, `${field}.scores`) };
  },
};

/** score(c) = sum_h sim_N(h, c) + contextWeight sim_N(ctx, c) + popularityWeight pop(c) + tie-break. */
export class ItemKnnRanker extends BaselineRanker {
  readonly name = 'item-knn';
  readonly params: Readonly<Record<string, number>>;
  private readonly table: NeighbourTable;
  private readonly contextWeight: number;
  private readonly base: Float32Array;
  private readonly acc: Float64Array;

  constructor(store: FeatureStore, opts: ItemKnnOptions = {}) {
    super(store);
    const neighbours = knob(this.name, 'neighbours', opts.neighbours ?? 50, { min: 1, integer: true });
    if (neighbours > KNN_MAX_NEIGHBOURS)
      throw new UsageError(`item-knn ranker: neighbours must be at most ${KNN_MAX_NEIGHBOURS}, got ${neighbours}`);
    this.contextWeight = knob(this.name, 'contextWeight', opts.contextWeight ?? 1);
    const popWeight = knob(this.name, 'popularityWeight', opts.popularityWeight ?? 0);
    this.params = { neighbours, contextWeight: this.contextWeight, popularityWeight: popWeight };
    this.table = fittedItemState(store, itemStateUse(ITEM_KNN_NEIGHBOURS, { neighbours }));
    this.base = Float32Array.from(this.items.popNorm, (p, i) => popWeight * p + this.items.tie[i]);
    this.acc = new Float64Array(store.itemIds.length);
  }

  protected scoreKnown(req: RankRequest, idx: Int32Array, out: Float32Array): void {
    const { offsets, items, scores } = this.table;
    const acc = this.acc;
    const touched: number[] = [];
    const add = (i: number | undefined, weight: number) => {
      if (i === undefined) return;
      for (let k = offsets[i]; k < offsets[i + 1]; k++) {
        if (acc[items[k]] === 0) touched.push(items[k]);
        acc[items[k]] += weight * scores[k];
      }
    };
    for (const h of this.store.user(req.userId)?.history ?? []) add(this.items.index.get(h.itemId), 1);
    if (req.contextItemId !== undefined && this.contextWeight > 0) add(this.items.index.get(req.contextItemId), this.contextWeight);
    for (let r = 0; r < idx.length; r++) if (idx[r] >= 0) out[r] = acc[idx[r]] + this.base[idx[r]];
    for (const j of touched) acc[j] = 0;
  }
}
