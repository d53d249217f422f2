/**
 * Controlled randomisation of a served ranking, with the exact probability (propensity) that the
 * logging policy showed each item at its position, so that off-policy estimators (src/ope/) can
 * evaluate another ranking from these logs. Configured per variant in the experiment file:
 *
 *   "exploration": { "kind": "epsilon", "epsilon": 0.2, "topK": 20 }
 *
 * With probability 1 - epsilon the request gets the model's top k in order; with probability
 * epsilon it gets k items drawn uniformly without replacement from the model's top `topK`, in
 * random order. So the marginal probability that item a is shown at position p is
 * (1 - epsilon) [a is the model's p-th] + epsilon / M for the M = min(topK, pool) items of the
 * pool, and 0 outside it (positions past the pool, when k > topK, show the model's items): exact, and cheap to compute on the request path (the marginal per
 * (item, position) is what position-based estimators need). Randomness comes from a seed per
 * request (the request id), so a logged ranking can be re-drawn.
 */
import { z } from 'zod';
import { hashString, Rng } from '../util/random.js';

/** Epsilon exploration inside the model's top `topK` (see the module comment). */
export const explorationSchema = z
  .object({
    kind: z.literal('epsilon'),
    /** Share of requests whose list is drawn at random from the pool, in (0, 1]. */
    epsilon: z.number().gt(0).max(1),
    /** Size of the pool the random list is drawn from (the model's best `topK`, 2..200). */
    topK: z.number().int().min(2).max(200),
  })
  .strict();
/** An exploration config (validated). */
export type Exploration = z.infer<typeof explorationSchema>;

/** A served list with the propensity of each shown item at its position. */
export interface ExploredList<T> {
  items: T[];
  /** propensities[p]: probability that items[p] is shown at position p by this policy. */
  propensities: number[];
  /** Whether this request drew the random list. */
  explored: boolean;
}

/** How many items the model must rank for a request of `k` items under `exploration`. */
export function poolSize(exploration: Exploration, k: number): number {
  return Math.max(k, exploration.topK);
}

/** The seed of a request's draw (stable for a request id). */
export function requestSeed(requestId: string): number {
  return hashString(`exploration\u0000${requestId}`);
}

/**
 * Draws the served list of `k` items from `pool` (the model's ranking, best first) and gives each
 * shown item's propensity at its position.
 */
export function exploreRanking<T>(pool: readonly T[], k: number, exploration: Exploration, rng: Rng): ExploredList<T> {
  const m = Math.min(exploration.topK, pool.length);
  const shown = Math.min(k, pool.length);
  const eps = exploration.epsilon;
  const explored = m > 1 && rng.next() < eps;
  let order: number[];
  if (explored) {
    // Partial Fisher-Yates: the first `shown` of a uniform permutation of the pool.
    const idx = Array.from({ length: m }, (_, i) => i);
    const take = Math.min(shown, m);
    for (let i = 0; i < take; i++) {
      const j = i + rng.int(m - i);
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    // Positions past the pool (k > topK) show the model's own items in both branches.
    order = [...idx.slice(0, take), ...Array.from({ length: shown - take }, (_, i) => take + i)];
  } else order = Array.from({ length: shown }, (_, i) => i);
  const propensities = order.map((rank, position) => propensityAt(rank, position, m, eps));
  return { items: order.map((i) => pool[i]), propensities, explored };
}

/** P(the model's item of rank `rank` is shown at `position`) with a pool of `m` and `epsilon`. */
export function propensityAt(rank: number, position: number, m: number, epsilon: number): number {
  if (m <= 1 || rank >= m) return rank === position ? 1 : 0;
  return (rank === position ? 1 - epsilon : 0) + epsilon / m;
}

/** A short description for logs and reports ("epsilon 0.2 in top 20"). */
export function describeExploration(exploration: Exploration | undefined): string {
  return exploration ? `epsilon ${exploration.epsilon} in top ${exploration.topK}` : 'off';
}

/** The seeded generator of a request (see requestSeed). */
export function requestRng(requestId: string): Rng {
  return new Rng(requestSeed(requestId));
}
