/**
 * The shoppers a simulation plays, built from a dataset:
 * - the synthetic store, regenerated with the SAME seed (and size) the served model was trained
 *   on, so user ids and the ground-truth affinities match what the service knows;
 * - a real purchase log (Online Retail) replayed: the last `testDays` days are held out; customers
 *   who bought both before and during that period are played, and a recommended item counts as
 *   clicked (and bought) when it is among the items they bought in the held-out period. The
 *   served model must have been trained on data before that period, or the replay is leaky.
 */
import { loadDataset } from '../data/load.js';
import type { InteractionEvent } from '../data/schema.js';
import { splitByLastDays } from '../data/split.js';
import { generateSyntheticStore, SYNTHETIC_DEFAULTS, type SyntheticOptions, syntheticUserId } from '../data/synthetic-store.js';
import { UsageError } from '../errors.js';
import { Rng } from '../util/random.js';
import { type ClickModelOptions, positionBasedShoppers, replayShoppers, type ShopperModel } from './shoppers.js';

/** `n` distinct users drawn with a seeded shuffle (all of them, shuffled, when n is larger). */
export function sampleUsers(users: readonly string[], n: number, seed: number): string[] {
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--users must be a positive integer, got ${n}`);
  if (n > users.length) {
    throw new UsageError(`--users ${n} is more than the ${users.length} users available; use --requests-per-user for more traffic`);
  }
  return new Rng(seed).shuffle([...users].sort()).slice(0, n);
}

/** Shoppers of the synthetic store (ground-truth affinities, position-based clicks). */
export function syntheticShoppers(opts: {
  users: number;
  seed?: number;
  store?: Omit<SyntheticOptions, 'seed'>;
  click?: ClickModelOptions;
}): ShopperModel {
  const seed = opts.seed ?? 42;
  const store = generateSyntheticStore({ ...opts.store, seed });
  // Every shopper of the store, including those with no history yet (they get a non-personal ranking).
  const all = Array.from({ length: opts.store?.users ?? SYNTHETIC_DEFAULTS.users }, (_, u) => syntheticUserId(u));
  return positionBasedShoppers(store.truth, sampleUsers(all, opts.users, seed), opts.click);
}

/**
 * What each held-out customer bought next: customers with purchases both before and in the last
 * `testDays` days, mapped to the items bought in those days.
 */
export function heldOutPurchases(events: readonly InteractionEvent[], testDays = 30): Map<string, Set<string>> {
  const split = splitByLastDays(
    events.filter((e) => e.type === 'purchase'),
    { testDays },
  );
  const known = new Set(split.train.map((e) => e.userId));
  const next = new Map<string, Set<string>>();
  for (const e of split.test) {
    if (!known.has(e.userId)) continue;
    const bought = next.get(e.userId);
    if (bought) bought.add(e.itemId);
    else next.set(e.userId, new Set([e.itemId]));
  }
  return next;
}

/** Replay shoppers from the Online Retail log (see the module comment). */
export async function onlineRetailShoppers(opts: {
  users: number;
  seed?: number;
  path?: string;
  testDays?: number;
}): Promise<ShopperModel> {
  const ds = await loadDataset({ source: 'online-retail', path: opts.path });
  const next = heldOutPurchases(ds.events, opts.testDays);
  return replayShoppers(next, sampleUsers([...next.keys()], opts.users, opts.seed ?? 42));
}
