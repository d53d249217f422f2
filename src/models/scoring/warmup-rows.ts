/**
 * The rows a version's warm-up requests score: what the ONNX export is checked against TF.js on,
 * at publish and at load. Candidates as serving takes them (the request's own, or the store's up to
 * `limit`), less the page's item and the exclusions.
 */
import type { FeatureContract } from '../../features/contract.js';
import { scorerInput } from '../ltr/ltr-ranker.js';
import type { ParityRows } from './select.js';

/** What the rows are built from (a FeatureStore satisfies it). */
export interface WarmupRowSource {
  candidates(userId: string, opts?: { contextItemId?: string; limit?: number }): string[];
  features(userId: string, candidates: readonly string[], contextItemId?: string): Float32Array;
}

/** A warm-up request (the manifest's warm-up file). */
export interface WarmupRowQuery {
  userId: string;
  itemId?: string;
  candidates?: readonly string[];
  exclude?: readonly string[];
}

/** One ParityRows per warm-up request, normalised with `contract` (non-finite values as 0, as the ranker does). */
export function warmupRows(
  source: WarmupRowSource,
  contract: FeatureContract,
  queries: readonly WarmupRowQuery[],
  limit = 500,
): ParityRows[] {
  return queries.map((q) => {
    const drop = new Set(q.exclude ?? []);
    if (q.itemId !== undefined) drop.add(q.itemId);
    const pool = q.candidates ?? source.candidates(q.userId, { contextItemId: q.itemId, limit });
    const candidates = [...new Set(pool)].filter((id) => !drop.has(id));
    return { rows: scorerInput(source.features(q.userId, candidates, q.itemId), contract), n: candidates.length };
  });
}
