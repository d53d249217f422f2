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
import { closeRequest, type ItemRuntime, openRequest, type UserView } from './request.js';

/** Default number of candidates (what the service scores per request). */
export const DEFAULT_CANDIDATES = 500;

const RANK_BITS = 2 ** 22;
const SCORE_STEPS = 2 ** 30;

/**
 * The (at most `limit`) items with a positive score, best first; ties by popularity rank.
 * Sorts packed float64 keys (score quantised to 2^-30 of the maximum, then rank), which is several
 * times faster than a comparator sort on the request path.
 */
function topByScore(rt: ItemRuntime, items: ArrayLike<number>, scores: ArrayLike<number>, n: number, limit: number): number[] {
  let max = 0;
  for (let t = 0; t < n; t++) if (scores[t] > max) max = scores[t];
  if (max <= 0) return [];
  const out: number[] = [];
  if (rt.popRank.length >= RANK_BITS) {
    const idx = Array.from({ length: n }, (_, t) => t).filter((t) => scores[t] > 0);
    idx.sort((x, y) => scores[y] - scores[x] || rt.popRank[items[x]] - rt.popRank[items[y]]);
    for (let t = 0; t < Math.min(limit, idx.length); t++) out.push(items[idx[t]]);
    return out;
  }
  const keys = new Float64Array(n);
  let m = 0;
  for (let t = 0; t < n; t++) {
    if (scores[t] <= 0) continue;
    const q = Math.floor((scores[t] / max) * SCORE_STEPS);
    keys[m++] = q * RANK_BITS + (RANK_BITS - 1 - rt.popRank[items[t]]);
  }
  const sorted = keys.subarray(0, m).sort();
  for (let t = m - 1; t >= 0 && out.length < limit; t--) out.push(rt.popOrder[RANK_BITS - 1 - (sorted[t] % RANK_BITS)]);
  return out;
}

/** Items by attribute similarity to the context item (ties: popularity). */
function contextAttributeNeighbours(rt: ItemRuntime, ctx: number, limit: number): number[] {
  const n = rt.d.itemIds.length;
  const items = new Int32Array(n);
  const scores = new Float64Array(n);
  let m = 0;
  for (let j = 0; j < n; j++) {
    if (j === ctx) continue;
    const sim = attributeSimilarityAt(rt.d.attrs, ctx, j);
    if (sim > 0) {
      items[m] = j;
      scores[m++] = sim;
    }
  }
  return topByScore(rt, items, scores, m, limit);
}

/** Items by the user's summed attribute affinity (scratch must hold the user's affinities). */
function userAttributeNeighbours(rt: ItemRuntime, limit: number): number[] {
  const a = rt.d.attrs;
  const aff = rt.s.aff;
  const n = rt.d.itemIds.length;
  const items = new Int32Array(n);
  const scores = new Float64Array(n);
  let m = 0;
  for (let j = 0; j < n; j++) {
    let sc = 0;
    if (a.brand[j] >= 0) sc += aff.brand[a.brand[j]];
    if (a.colour[j] >= 0) sc += aff.colour[a.colour[j]];
    if (a.category[j] >= 0) sc += aff.category[a.category[j]];
    if (a.priceBand[j] >= 0) sc += aff.priceBand[a.priceBand[j]];
    for (let x = 0; x < a.extra.length; x++) {
      const v = a.extra[x].index[j];
      if (v >= 0) sc += aff.extra[x][v];
    }
    if (sc > 0) {
      items[m] = j;
      scores[m++] = sc;
    }
  }
  return topByScore(rt, items, scores, m, limit);
}

/** The user's own items by weight desc, then last interaction desc, then vocabulary order. */
function ownItems(user: UserView): Int32Array {
  const idx = Int32Array.from(user.items.keys());
  idx.sort((a, b) => user.weights[b] - user.weights[a] || user.lastTs[b] - user.lastTs[a] || user.items[a] - user.items[b]);
  return Int32Array.from(idx, (e) => user.items[e]);
}

const NO_CANDIDATES = new Int32Array(0);

/**
 * Candidate item indices for a user (undefined: unknown) and context item `ctx` (-1: none).
 * @param limit - maximum number of candidates (positive integer).
 * @param now - the clock user state is read at.
 */
export function generateCandidates(rt: ItemRuntime, user: UserView | undefined, ctx: number, limit: number, now: number): number[] {
  const { d, s } = rt;
  const sources: ArrayLike<number>[] = [];
  const req = openRequest(rt, user, NO_CANDIDATES, ctx, now);
  try {
    if (ctx >= 0) sources.push(d.nbrs.items.subarray(d.nbrs.offsets[ctx], d.nbrs.offsets[ctx + 1]));
    if (user) {
      const co = s.coTouched.subarray(0, s.nCo);
      sources.push(
        topByScore(
          rt,
          co,
          Float64Array.from(co, (j) => s.coSum[j]),
          co.length,
          limit,
        ),
      );
      sources.push(ownItems(user));
    }
    if (ctx >= 0) sources.push(contextAttributeNeighbours(rt, ctx, limit));
    if (user) sources.push(userAttributeNeighbours(rt, limit));
  } finally {
    closeRequest(req);
  }
  sources.push(rt.popOrder);

  const out: number[] = [];
  const pos = new Array<number>(sources.length).fill(0);
  try {
    if (ctx >= 0) s.seen[ctx] = 1;
    let progressed = true;
    while (out.length < limit && progressed) {
      progressed = false;
      for (let k = 0; k < sources.length && out.length < limit; k++) {
        const src = sources[k];
        while (pos[k] < src.length && s.seen[src[pos[k]]]) pos[k]++;
        if (pos[k] < src.length) {
          const j = src[pos[k]++];
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
