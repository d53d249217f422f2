/**
 * A tiny deterministic feature source with the FeatureStore methods the LTR code uses: features
 * are stable hashes of (user, item, context), so tests of group building and the ranker need no
 * event pipeline. The real store lives in src/features.
 */
import type { FeatureContract } from '../../../features/contract.js';
import { hashString } from '../../../util/random.js';
import type { GroupFeatureSource } from '../groups.js';

/** Feature names of the toy store, in order. */
export const TOY_FEATURES = ['quality', 'user_match', 'context_match', 'noise'];

/** A toy store: `items` catalogue items i0.., `users` known users u0.., features from hashes. */
export interface ToyStore extends GroupFeatureSource {
  /** quality + user_match: what toy users "really" like (for planting labels). */
  utility(userId: string, itemId: string): number;
}

function unit(key: string): number {
  return (hashString(key) % 1000) / 1000;
}

/** Builds the toy store. */
export function toyStore(opts: { items: number; users: number; cutoff?: number }): ToyStore {
  const itemIds = Array.from({ length: opts.items }, (_, i) => `i${i}`);
  const known = new Set(itemIds);
  const users = new Set(Array.from({ length: opts.users }, (_, u) => `u${u}`));
  const contract: FeatureContract = { version: 1, names: [...TOY_FEATURES] };
  const quality = (id: string) => (known.has(id) ? unit(`q|${id}`) : 0);
  const match = (userId: string, id: string) => (users.has(userId) && known.has(id) ? unit(`m|${userId}|${id}`) : 0);
  const byQuality = [...itemIds].sort((a, b) => quality(b) - quality(a) || (a < b ? -1 : 1));
  return {
    cutoff: opts.cutoff ?? 1000,
    itemIds,
    contract,
    utility: (userId, itemId) => quality(itemId) + match(userId, itemId),
    user: (userId) => (users.has(userId) ? { history: [{ itemId: itemIds[hashString(userId) % itemIds.length] }] } : undefined),
    candidates: (_userId, o = {}) => byQuality.slice(0, o.limit ?? 50),
    features(userId, candidates, contextItemId) {
      const out = new Float32Array(candidates.length * TOY_FEATURES.length);
      candidates.forEach((id, r) => {
        out.set(
          [
            quality(id),
            match(userId, id),
            contextItemId === undefined || !known.has(id) ? 0 : unit(`c|${contextItemId}|${id}`),
            unit(`n|${id}`),
          ],
          r * TOY_FEATURES.length,
        );
      });
      return out;
    },
  };
}
