/**
 * Candidate generation: the items worth scoring for a user (and the item on the page). Sources, each
 * an ordered list: co-occurrence neighbours of the context item; items co-occurring with the user's
 * history (by summed co-occurrence); the user's own items (by weight, then recency); items sharing
 * the context item's attributes; items matching the user's attribute affinities; popular items.
 * They are merged round-robin (so every source is represented whatever the limit), without
 * duplicates and without the context item itself. Ties break by popularity, then vocabulary order,
 * so the list is deterministic.
 */
import { attributeSimilarityAt } from './attributes.js';
import { closeRequest, type FeatureRequest, type ItemRuntime, openRequest, type UserView } from './request.js';

/** Default number of candidates (what the service scores per request). */
export const DEFAULT_CANDIDATES = 500;

const RANK_BITS = 2 ** 22;
const NO_CANDIDATES = new Int32Array(0);
const SCORE_STEPS = 2 ** 30;

/** A ranked source of item indices, read in order: `peek` is the next item (-1: none left), `skip` passes it. */
interface Source {
  peek(): number;
  skip(): void;
}

/** Restores the max-heap property of `h[0 .. n)` below position `i`. */
function siftDown(h: Float64Array, n: number, i: number): void {
  const x = h[i];
  for (;;) {
    let c = 2 * i + 1;
    if (c >= n) break;
    if (c + 1 < n && h[c + 1] > h[c]) c++;
    if (h[c] <= x) break;
    h[i] = h[c];
    i = c;
  }
  h[i] = x;
}

/** A source over a ready list. */
class ListSource implements Source {
  private at = 0;
  constructor(private readonly list: ArrayLike<number>) {}
  peek(): number {
    return this.at < this.list.length ? this.list[this.at] : -1;
  }
  skip(): void {
    this.at++;
  }
}

/**
 * The best `limit` of packed keys (score quantised to 2^-30 of the maximum, then popularity rank)
 * in descending order, taken lazily from a binary max-heap: the round-robin merge reads a few
 * hundred items of each source, so sorting all of a catalogue-wide list would be wasted work.
 * Keys are distinct (ranks are), so the order is the one a full sort gives.
 */
class KeyHeapSource implements Source {
  private next = -1;
  private left: number;
  /** @param refill - the key that replaces a popped one (its source's next item), or -1: none. */
  constructor(
    private readonly popOrder: Int32Array,
    private readonly heap: Float64Array,
    private size: number,
    limit: number,
    private readonly refill?: (top: number) => number,
  ) {
    this.left = limit;
    for (let i = (size >> 1) - 1; i >= 0; i--) siftDown(heap, size, i);
    this.pop();
  }
  peek(): number {
    return this.next;
  }
  skip(): void {
    this.pop();
  }
  private pop(): void {
    if (this.size === 0 || this.left === 0) {
      this.next = -1;
      return;
    }
    const h = this.heap;
    const top = h[0];
    const key = this.refill ? this.refill(top) : -1;
    h[0] = key >= 0 ? key : h[--this.size];
    siftDown(h, this.size, 0);
    this.left--;
    this.next = this.popOrder[RANK_BITS - 1 - (top % RANK_BITS)];
  }
}

/**
 * The (at most `limit`) items with a positive score, best first; ties by popularity rank.
 * `scores[t]` belongs to `items[t]` (t < n). Packed float64 keys in a heap (KeyHeapSource), far
 * cheaper than a comparator sort on the request path.
 */
function topByScore(rt: ItemRuntime, items: ArrayLike<number>, scores: ArrayLike<number>, n: number, limit: number): Source {
  let max = 0;
  for (let t = 0; t < n; t++) if (scores[t] > max) max = scores[t];
  if (max <= 0) return new ListSource(NO_CANDIDATES);
  if (rt.popRank.length >= RANK_BITS) {
    const idx = Array.from({ length: n }, (_, t) => t).filter((t) => scores[t] > 0);
    idx.sort((x, y) => scores[y] - scores[x] || rt.popRank[items[x]] - rt.popRank[items[y]]);
    return new ListSource(idx.slice(0, limit).map((t) => items[t]));
  }
  const keys = new Float64Array(n);
  let m = 0;
  for (let t = 0; t < n; t++) {
    if (scores[t] <= 0) continue;
    const q = Math.floor((scores[t] / max) * SCORE_STEPS);
    keys[m++] = q * RANK_BITS + (RANK_BITS - 1 - rt.popRank[items[t]]);
  }
  return new KeyHeapSource(rt.popOrder, keys, m, limit);
}

/**
 * The (at most `limit`) items of classes with a positive score, best first, ties by popularity
 * rank, leaving out item `skip` (-1: none): the order `topByScore` gives over the classes' items,
 * from a k-way merge of the classes (each lists its items by popularity) instead of every item.
 */
function topByClassScore(rt: ItemRuntime, scores: Float64Array, skip: number, limit: number): Source {
  const { rep, offsets, items, classOf } = rt.classes;
  const K = rep.length;
  let max = 0;
  for (let k = 0; k < K; k++) {
    // A class holding only the skipped item scores no item.
    if (scores[k] > max && !(offsets[k + 1] - offsets[k] === 1 && items[offsets[k]] === skip)) max = scores[k];
  }
  if (max <= 0) return new ListSource(NO_CANDIDATES);
  if (rt.popRank.length >= RANK_BITS) {
    const ids = Int32Array.from(rt.popOrder.filter((j) => j !== skip));
    return topByScore(
      rt,
      ids,
      Float64Array.from(ids, (j) => scores[classOf[j]]),
      ids.length,
      limit,
    );
  }
  return classMergeSource(rt, scores, max, skip, limit);
}

/** {@link topByClassScore} read to the end: the ranked item indices (for tests of the merge). */
export function rankedByClassScore(rt: ItemRuntime, scores: Float64Array, skip: number, limit: number): number[] {
  const src = topByClassScore(rt, scores, skip, limit);
  const out: number[] = [];
  for (let j = src.peek(); j >= 0; j = src.peek()) {
    out.push(j);
    src.skip();
  }
  return out;
}

/**
 * The merge behind `topByClassScore`: a heap of each class's next item's packed key; taking a
 * class's item puts the key of its next one (by popularity) in its place.
 */
function classMergeSource(rt: ItemRuntime, scores: Float64Array, max: number, skip: number, limit: number): Source {
  const { rep, offsets, items, classOf } = rt.classes;
  const at = offsets.slice(0, rep.length);
  /** The key of class k's next item (passing the skipped item), or -1 when the class is done. */
  const keyOf = (k: number, q: number) => {
    if (at[k] < offsets[k + 1] && items[at[k]] === skip) at[k]++;
    return at[k] < offsets[k + 1] ? q * RANK_BITS + (RANK_BITS - 1 - rt.popRank[items[at[k]]]) : -1;
  };
  const heap = new Float64Array(rep.length);
  let size = 0;
  for (let k = 0; k < rep.length; k++) {
    const key = scores[k] > 0 ? keyOf(k, Math.floor((scores[k] / max) * SCORE_STEPS)) : -1;
    if (key >= 0) heap[size++] = key;
  }
  return new KeyHeapSource(rt.popOrder, heap, size, limit, (top) => {
    const k = classOf[rt.popOrder[RANK_BITS - 1 - (top % RANK_BITS)]];
    at[k]++;
    return keyOf(k, Math.floor(top / RANK_BITS));
  });
}

/** Items by attribute similarity to the context item (ties: popularity). */
function contextAttributeNeighbours(rt: ItemRuntime, ctx: number, limit: number): Source {
  const { rep } = rt.classes;
  const scores = new Float64Array(rep.length);
  for (let k = 0; k < rep.length; k++) scores[k] = attributeSimilarityAt(rt.d.attrs, ctx, rep[k]);
  return topByClassScore(rt, scores, ctx, limit);
}

/** Items by the user's summed attribute affinity (scratch must hold the user's affinities). */
function userAttributeNeighbours(rt: ItemRuntime, limit: number): Source {
  const a = rt.d.attrs;
  const aff = rt.s.aff;
  const { rep } = rt.classes;
  const scores = new Float64Array(rep.length);
  for (let k = 0; k < rep.length; k++) {
    const j = rep[k];
    let sc = 0;
    if (a.brand[j] >= 0) sc += aff.brand[a.brand[j]];
    if (a.colour[j] >= 0) sc += aff.colour[a.colour[j]];
    if (a.category[j] >= 0) sc += aff.category[a.category[j]];
    if (a.priceBand[j] >= 0) sc += aff.priceBand[a.priceBand[j]];
    for (let x = 0; x < a.extra.length; x++) {
      const v = a.extra[x].index[j];
      if (v >= 0) sc += aff.extra[x][v];
    }
    scores[k] = sc;
  }
  return topByClassScore(rt, scores, -1, limit);
}

/** The user's own items by weight desc, then last interaction desc, then vocabulary order. */
function ownItems(user: UserView): Int32Array {
  const n = user.items.length;
  // A plain array sorts faster with a comparator than a typed one; history entries are in item
  // order, so comparing entry positions is comparing item indices.
  const idx: number[] = new Array(n);
  for (let e = 0; e < n; e++) idx[e] = e;
  const { weights: w, lastTs: t } = user;
  idx.sort((x, y) => w[y] - w[x] || t[y] - t[x] || x - y);
  const out = new Int32Array(n);
  for (let e = 0; e < n; e++) out[e] = user.items[idx[e]];
  return out;
}

/**
 * Candidate item indices for a user (undefined: unknown) and context item `ctx` (-1: none).
 * @param limit - maximum number of candidates (positive integer).
 * @param now - the clock user state is read at.
 */
export function generateCandidates(rt: ItemRuntime, user: UserView | undefined, ctx: number, limit: number, now: number): number[] {
  const req = openRequest(rt, user, NO_CANDIDATES, ctx, now);
  try {
    return candidatesOf(req, limit);
  } finally {
    closeRequest(req);
  }
}

/**
 * Candidate item indices of an open request (its user and context item; its candidates are not
 * read), as `generateCandidates` gives them: for a request path that then computes the features
 * of these candidates in the same request.
 */
export function candidatesOf(req: FeatureRequest, limit: number): number[] {
  const rt = req.items;
  const { d, s } = rt;
  const { user, context: ctx } = req;
  const sources: Source[] = [];
  if (ctx >= 0) sources.push(new ListSource(d.nbrs.items.subarray(d.nbrs.offsets[ctx], d.nbrs.offsets[ctx + 1])));
  if (user) {
    const co = s.coTouched.subarray(0, s.nCo);
    const coScores = new Float64Array(co.length);
    for (let t = 0; t < co.length; t++) coScores[t] = s.coSum[co[t]];
    sources.push(topByScore(rt, co, coScores, co.length, limit));
    sources.push(new ListSource(ownItems(user)));
  }
  if (ctx >= 0) sources.push(contextAttributeNeighbours(rt, ctx, limit));
  if (user) sources.push(userAttributeNeighbours(rt, limit));
  sources.push(new ListSource(rt.popOrder));

  const out: number[] = [];
  try {
    if (ctx >= 0) s.seen[ctx] = 1;
    let progressed = true;
    while (out.length < limit && progressed) {
      progressed = false;
      for (let k = 0; k < sources.length && out.length < limit; k++) {
        const src = sources[k];
        let j = src.peek();
        while (j >= 0 && s.seen[j]) {
          src.skip();
          j = src.peek();
        }
        if (j >= 0) {
          src.skip();
          s.seen[j] = 1;
          out.push(j);
          progressed = true;
        }
      }
    }
  } finally {
    for (const j of out) s.seen[j] = 0;
    if (ctx >= 0) s.seen[ctx] = 0;
  }
  return out;
}
