/**
 * What the scale benches (redis-state-scale.ts, archive-scale.ts) share: order statistics, a
 * positive-integer flag parser with a clear error, and a deterministic synthetic traffic
 * generator (Zipf-like item popularity, sessions, a realistic mix of event types) cheap enough to
 * produce millions of events without holding them all.
 */
import type { InteractionEvent } from '../src/data/schema.js';
import { UsageError } from '../src/errors.js';
import { Rng } from '../src/util/random.js';

/** The q-quantile (nearest rank) of `xs`. */
export function quantile(xs: readonly number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

/** The median of `xs`. */
export function median(xs: readonly number[]): number {
  return quantile(xs, 0.5);
}

/**
 * Parses a flag that must be a positive integer (underscores allowed: `1_000_000`).
 * @throws UsageError naming the flag and the value otherwise.
 */
export function positiveInt(flag: string, value: string): number {
  const n = Number(value.replaceAll('_', ''));
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${flag} must be a positive integer, got "${value}"`);
  return n;
}

/** Start of the synthetic traffic (UTC). */
export const SCALE_T0 = Date.UTC(2026, 0, 1);
const TYPES: readonly InteractionEvent['type'][] = [
  'view',
  'view',
  'view',
  'impression',
  'impression',
  'click',
  'cart',
  'wishlist',
  'purchase',
];

/** Item ids drawn with a heavy head: index = floor(items * u^3) favours low indices. */
function itemOf(rng: Rng, items: number): string {
  const u = rng.next();
  return `i${Math.floor(items * u * u * u)}`;
}

/**
 * One user's events, in time order: `count` events in sessions of about 4, a few minutes apart,
 * starting at a user-specific time within `spanDays` of SCALE_T0.
 */
export function userEvents(userIndex: number, count: number, opts: { items: number; spanDays: number; seed?: number }): InteractionEvent[] {
  const rng = new Rng((opts.seed ?? 1) * 1_000_003 + userIndex);
  const userId = `u${userIndex}`;
  let ts = SCALE_T0 + rng.int(opts.spanDays * 86_400_000);
  const out: InteractionEvent[] = [];
  for (let k = 0; k < count; k++) {
    ts += 60_000 + rng.int(600_000);
    const e: InteractionEvent = { userId, itemId: itemOf(rng, opts.items), type: TYPES[rng.int(TYPES.length)], ts };
    if (k % 2 === 0) e.sessionId = `s${userIndex}-${Math.floor(k / 4)}`;
    out.push(e);
  }
  return out;
}

/**
 * `n` events of `users` users over `items` items, interleaved across users and sorted by time
 * within each user; generated in chunks of about `chunk` events so a caller can write millions
 * without holding them (each chunk is one slice of users, whole).
 */
export function* trafficChunks(
  n: number,
  opts: { users: number; items: number; spanDays: number; chunk: number },
): Generator<InteractionEvent[]> {
  const per = Math.max(1, Math.round(n / opts.users));
  let made = 0;
  let buf: InteractionEvent[] = [];
  for (let u = 0; made < n; u++) {
    const evs = userEvents(u, Math.min(per, n - made), opts);
    made += evs.length;
    for (const e of evs) buf.push(e);
    if (buf.length >= opts.chunk) {
      yield buf;
      buf = [];
    }
  }
  if (buf.length) yield buf;
}
