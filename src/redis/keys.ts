/**
 * The Redis keys of one deployment (a prefix, default `wb`, lets several share one Redis). A
 * user's key carries a hash tag, `{userId}`, so on Redis Cluster everything about one user lands
 * on one shard (a key per user today; any later per-user key with the same tag joins it). The
 * stream and its bookkeeping are single keys: one shard holds the stream.
 */

/** Default key prefix. */
export const DEFAULT_PREFIX = 'wb';

/** The keys of a deployment. */
export interface RedisKeys {
  prefix: string;
  /** Hash of a user's state: field `s` (the encoded row), field `id` (last stream entry applied). */
  user(userId: string): string;
  /** Latest event time applied (epoch ms): the clock user features are read at. */
  clock: string;
  /** Which user states and session gap the stored rows were written with. */
  meta: string;
  /** The event stream. */
  events: string;
  /** Lease of the one process that applies the stream to user state. */
  applierLease: string;
}

/** Keys under `prefix`. */
export function redisKeys(prefix = DEFAULT_PREFIX): RedisKeys {
  if (!/^[A-Za-z0-9_.:-]+$/.test(prefix)) throw new Error(`Redis key prefix "${prefix}" may hold only letters, digits and _ . : -`);
  return {
    prefix,
    user: (userId) => `${prefix}:user:{${userId}}`,
    clock: `${prefix}:clock`,
    meta: `${prefix}:meta`,
    events: `${prefix}:events`,
    applierLease: `${prefix}:applier-lease`,
  };
}

/** Stream entry ids ("ms-seq") compared numerically: negative when a < b. */
export function compareStreamIds(a: string, b: string): number {
  const [am, as = '0'] = a.split('-');
  const [bm, bs = '0'] = b.split('-');
  return Number(am) - Number(bm) || Number(as) - Number(bs);
}
