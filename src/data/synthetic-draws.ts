/**
 * Weighted draws without replacement for the synthetic store's sessions, by inverse CDF with one
 * uniform a draw: the draws of `Rng.weighted` over a pool whose drawn weights are zeroed (what the
 * generator did when it scanned its pools), with the same uniforms giving the same positions, but
 * without a pass over the pool per draw. Split from synthetic-store.ts so each file stays one idea.
 */
import type { Rng } from '../util/random.js';

/**
 * Sequential weighted sampling without replacement by inverse CDF, exactly as `Rng.weighted`
 * over a pool whose drawn weights are zeroed (what the generator did when it scanned the pool):
 * each draw takes ONE uniform r in [0, remaining total) and returns the first position whose
 * remaining cumulative weight exceeds r. So the same uniforms give the same positions as the
 * scan (up to float rounding of the sums, about 1e-16 of the total), at O(drawn + log len) a
 * draw given the prefix sums, instead of O(len).
 *
 * Positions of weight 0 (e.g. items not released yet) are never drawn. `count` is the number of
 * positions in the pool and `last` the last of them: like the scan, at most `count` positions are
 * drawn, and a draw that finds no crossing (rounding) returns `last`, or stops the draws when
 * `last` is drawn already or weighs 0. Stops early too when nothing of weight > 0 is left.
 *
 * @param cum prefix sums of `weights` over positions [0, len), summed left to right (cum[p] = weights[0] + ... + weights[p]).
 * @returns the drawn positions, in draw order.
 */
export function drawDistinctByPrefix(
  rng: Rng,
  weights: ArrayLike<number>,
  cum: ArrayLike<number>,
  len: number,
  count: number,
  last: number,
  k: number,
): number[] {
  const out: number[] = [];
  /** Drawn positions, ascending. */
  const drawn: number[] = [];
  let removed = 0;
  const want = Math.min(k, count);
  while (out.length < want) {
    if (removed > CANCELLATION * (cum[len - 1] - removed)) {
      const w = Float64Array.from({ length: len }, (_, p) => weights[p]);
      for (const p of drawn) w[p] = 0;
      return scanDraws(rng, w, last, want, out);
    }
    const r = rng.next() * (cum[len - 1] - removed);
    // Between two drawn positions the remaining cumulative weight is cum minus the drawn weight
    // before them: find the first segment that crosses r, then the crossing inside it.
    let before = 0;
    let from = 0;
    let p = -1;
    for (let s = 0; s <= drawn.length && p < 0; s++) {
      const to = s < drawn.length ? drawn[s] : len; // segment [from, to)
      if (to > from && cum[to - 1] > r + before) {
        let lo = from;
        let hi = to - 1;
        while (lo < hi) {
          const mid = (lo + hi) >> 1;
          if (cum[mid] > r + before) hi = mid;
          else lo = mid + 1;
        }
        p = lo;
      } else if (s < drawn.length) {
        before += weights[to];
        from = to + 1;
      }
    }
    if (p < 0) {
      if (drawn.includes(last)) break;
      p = last;
    }
    // As the scan: a position of weight 0 ends the draws (only rounding can land on one).
    if (!(weights[p] > 0)) break;
    out.push(p);
    drawn.splice(upperBound(drawn, p), 0, p);
    removed += weights[p];
  }
  return out;
}

/**
 * Above this ratio of the weight drawn to the weight left, `total - drawn` has lost too many
 * digits to stand for the scan's sum of what is left: the draws left are made by the scan itself.
 * (It takes a drawn item weighing a thousand times all the rest together.)
 */
const CANCELLATION = 1e3;

/**
 * The scan itself, for the draws left: `Rng.weighted` over `w` (the weights of the positions
 * still in the pool, 0 elsewhere), each drawn weight zeroed; `last` is the pool's last position,
 * which the scan returns when rounding leaves it without a crossing. Appends to `out`, up to `want`.
 */
function scanDraws(rng: Rng, w: Float64Array, last: number, want: number, out: number[]): number[] {
  while (out.length < want) {
    let total = 0;
    for (let p = 0; p < w.length; p++) total += w[p];
    let r = rng.next() * total;
    let pick = last;
    for (let p = 0; p < w.length; p++) {
      r -= w[p];
      if (r < 0) {
        pick = p;
        break;
      }
    }
    if (!(w[pick] > 0)) break;
    out.push(pick);
    w[pick] = 0;
  }
  return out;
}

/** The number of elements of the ascending `xs` that are <= x. */
function upperBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Block sums of one set of weights over a {@link ReleasedPool} (see {@link ReleasedPool.sums}). */
export interface PoolSums {
  /** Per block: the weight of its positions released from the period's start. */
  early: Float64Array;
  /** Per block, in the order of its later releases (by release time): prefix sums of their weights. */
  lateCum: Float64Array;
}

/**
 * The positions of a pool (0..len-1, in the pool's order) with their release times, in blocks of
 * about sqrt(len) positions, for inverse-CDF draws among the positions released by a session's
 * start without a pass over the pool per session: a block's released weight at time t is that of
 * its positions released from the period's start plus a prefix sum of its later releases, sorted
 * by release time, up to t (binary search). {@link ReleasedPool.draw} then costs O(blocks x log)
 * for the totals and O(blocks + block size) a draw. Session starts are at or after the period's start.
 */
export class ReleasedPool {
  private readonly len: number;
  private readonly size: number;
  private readonly blocks: number;
  private readonly releasedAt: Float64Array;
  private readonly periodStart: number;
  /** Per block: how many of its positions are released from the period's start. */
  private readonly earlyCount: Int32Array;
  /** Block b's later releases are lateOrder[lateFrom[b]..lateFrom[b + 1]), by release time (lateAt). */
  private readonly lateFrom: Int32Array;
  private readonly lateOrder: Int32Array;
  private readonly lateAt: Float64Array;
  /** Scratch of a draw: each block's remaining weight, and drawn[p] === stamp for the drawn positions. */
  private readonly remaining: Float64Array;
  private readonly drawn: Int32Array;
  private stamp = 0;

  constructor(releasedAt: Float64Array, periodStart: number) {
    const len = releasedAt.length;
    this.len = len;
    this.releasedAt = releasedAt;
    this.periodStart = periodStart;
    this.size = Math.max(16, Math.ceil(Math.sqrt(len)));
    this.blocks = Math.ceil(len / this.size);
    this.earlyCount = new Int32Array(this.blocks);
    this.lateFrom = new Int32Array(this.blocks + 1);
    const late: number[] = [];
    for (let b = 0; b < this.blocks; b++) {
      this.lateFrom[b] = late.length;
      const later: number[] = [];
      for (let p = b * this.size; p < Math.min(len, (b + 1) * this.size); p++) {
        if (releasedAt[p] <= periodStart) this.earlyCount[b]++;
        else later.push(p);
      }
      late.push(...later.sort((x, y) => releasedAt[x] - releasedAt[y] || x - y));
    }
    this.lateFrom[this.blocks] = late.length;
    this.lateOrder = Int32Array.from(late);
    this.lateAt = Float64Array.from(late, (p) => releasedAt[p]);
    this.remaining = new Float64Array(this.blocks);
    this.drawn = new Int32Array(len);
  }

  /** The block sums of `weights` (aligned with the pool), written into `out` when given. O(len). */
  sums(weights: ArrayLike<number>, out?: PoolSums): PoolSums {
    const s = out ?? { early: new Float64Array(this.blocks), lateCum: new Float64Array(this.lateOrder.length) };
    for (let b = 0; b < this.blocks; b++) {
      let early = 0;
      for (let p = b * this.size; p < Math.min(this.len, (b + 1) * this.size); p++) {
        if (this.releasedAt[p] <= this.periodStart) early += weights[p];
      }
      s.early[b] = early;
      let acc = 0;
      for (let j = this.lateFrom[b]; j < this.lateFrom[b + 1]; j++) {
        acc += weights[this.lateOrder[j]];
        s.lateCum[j] = acc;
      }
    }
    return s;
  }

  /**
   * Up to k distinct positions released by `start`, by inverse CDF with one uniform of `rng` a
   * draw: each draw returns the first position (in pool order) not drawn yet where the cumulative
   * weight of the released positions not drawn yet exceeds the uniform times their total. That is
   * the old scan (`Rng.weighted` over the released positions, drawn weights zeroed): the same
   * uniforms give the same positions, up to float rounding of the sums (about 1e-16 of the total).
   * Like the scan, at most as many positions as are released are drawn, a draw that finds no
   * crossing (rounding) takes the last released position, and the draws stop when that one is
   * drawn already or weighs 0.
   */
  draw(rng: Rng, weights: ArrayLike<number>, sums: PoolSums, start: number, k: number): number[] {
    const { blocks, size, len, releasedAt, lateFrom, lateAt, remaining, drawn } = this;
    const stamp = ++this.stamp;
    let total = 0;
    let count = 0;
    let lastBlock = -1;
    for (let b = 0; b < blocks; b++) {
      let lo = lateFrom[b];
      let hi = lateFrom[b + 1];
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (lateAt[mid] <= start) lo = mid + 1;
        else hi = mid;
      }
      const w = lo > lateFrom[b] ? sums.early[b] + sums.lateCum[lo - 1] : sums.early[b];
      remaining[b] = w;
      total += w;
      const c = this.earlyCount[b] + lo - lateFrom[b];
      count += c;
      if (c > 0) lastBlock = b;
    }
    let last = -1;
    for (let p = Math.min(len, (lastBlock + 1) * size) - 1; lastBlock >= 0 && p >= lastBlock * size; p--) {
      if (releasedAt[p] <= start) {
        last = p;
        break;
      }
    }
    const out: number[] = [];
    const want = Math.min(k, count);
    let removed = 0;
    while (out.length < want) {
      if (removed > CANCELLATION * (total - removed)) {
        const w = Float64Array.from({ length: len }, (_, p) => (releasedAt[p] <= start && drawn[p] !== stamp ? weights[p] : 0));
        return scanDraws(rng, w, last, want, out);
      }
      const r = rng.next() * (total - removed);
      let p = -1;
      let acc = 0;
      for (let b = 0; b < blocks && p < 0; b++) {
        if (!(acc + remaining[b] > r)) {
          acc += remaining[b];
          continue;
        }
        // The crossing is in block b (or, by rounding, a little after it).
        for (let q = b * size; q < Math.min(len, (b + 1) * size); q++) {
          if (releasedAt[q] > start || drawn[q] === stamp) continue;
          acc += weights[q];
          if (acc > r) {
            p = q;
            break;
          }
        }
      }
      if (p < 0) {
        if (last < 0 || drawn[last] === stamp) break;
        p = last;
      }
      // As the scan: a position of weight 0 ends the draws (only rounding can land on one).
      if (!(weights[p] > 0)) break;
      out.push(p);
      drawn[p] = stamp;
      remaining[Math.floor(p / size)] -= weights[p];
      removed += weights[p];
    }
    return out;
  }
}
