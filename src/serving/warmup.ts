/**
 * Warm-up of a freshly loaded version, before it serves (the service) or before an alias may name
 * it (promote): its own representative requests (the manifest's warm-up file) and one rank and
 * predict, each checked against the ServableModel contract (arrays, at most k items, string ids,
 * finite scores). A version failing here is refused.
 */
import type { RecommendQuery, ScoredItem, ServableModel } from './servable.js';

/** At most this many warm-up requests per version. */
export const MAX_WARMUP_QUERIES = 32;

function checkItems(items: ScoredItem[], query: RecommendQuery, what: string): void {
  if (!Array.isArray(items)) throw new Error(`${what} returned ${typeof items}, not an array`);
  if (items.length > query.k) throw new Error(`${what} returned ${items.length} items for k=${query.k}`);
  for (const it of items) {
    if (typeof it?.itemId !== 'string' || !Number.isFinite(it.score)) {
      throw new Error(`${what} returned a bad item ${JSON.stringify(it)} (itemId must be a string, score finite)`);
    }
  }
}

const yieldToRequests = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * Runs a version's warm-up requests (and one rank and predict), checking that results honour the
 * contract. Yields between requests so warm-up never blocks serving for long.
 * @returns warm-up time in ms.
 */
export async function warmUp(model: ServableModel): Promise<number> {
  const t0 = performance.now();
  const queries: readonly RecommendQuery[] = model.warmup.length
    ? model.warmup.slice(0, MAX_WARMUP_QUERIES)
    : [{ userId: '__warmup__', k: 10 }];
  let seen: string[] = [];
  for (const [i, q] of queries.entries()) {
    const items = model.recommend(q);
    checkItems(items, q, `warm-up request ${i}`);
    if (items.length) seen = items.map((it) => it.itemId);
    await yieldToRequests();
  }
  const ids = seen.length ? seen : ['__warmup_item__'];
  const ranked = model.rank('__warmup__', ids);
  checkItems(ranked, { userId: '__warmup__', k: ids.length }, 'warm-up rank');
  const scores = model.predict([{ userId: '__warmup__', itemId: ids[0] }]);
  if (scores.length !== 1 || !Number.isFinite(scores[0])) throw new Error(`warm-up predict returned ${JSON.stringify(scores)}`);
  return performance.now() - t0;
}
