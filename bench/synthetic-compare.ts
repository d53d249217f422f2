/**
 * Statistical comparison of the synthetic store generator (src/data/synthetic-store.ts) with the frozen
 * O(users x items) generator it replaced (bench/synthetic-legacy.ts, from git history): for each of `--seeds` seeds,
 * both generate the default store (2,000 users, 600 items, 10 weeks), and statistics of the
 * events are computed on each: events per type, events per user, item popularity (Gini, top-decile
 * share), the affinity of what is viewed and bought, purchases in the user's top attribute values
 * (by true affinity), re-views, repeat purchases, basket sizes. The catalogue and the users' tastes
 * of a seed are the same in both, so the per-seed differences are paired: the table gives each
 * statistic's mean over seeds for both, the mean difference, and z = mean difference / its
 * standard error. |z| below ~2.5 everywhere (28 statistics) is what two samplers of one
 * distribution give; the generator now draws the very same events as the old one, so every
 * difference is 0 (the last line counts the seeds whose events are identical).
 *
 *   npx tsx bench/synthetic-compare.ts [--seeds 10] [--users 2000] [--first-seed 1]
 */
import { parseArgs } from 'node:util';
import type { InteractionEvent } from '../src/data/schema.js';
import { generateSyntheticStore, type SyntheticDataset } from '../src/data/synthetic-store.js';
import { legacySyntheticGenerator } from './synthetic-legacy.js';

const legacyGenerateSyntheticStore = await legacySyntheticGenerator();

const { values } = parseArgs({
  options: {
    seeds: { type: 'string', default: '10' },
    'first-seed': { type: 'string', default: '1' },
    users: { type: 'string', default: '2000' },
  },
});
const SEEDS = Number(values.seeds);
const FIRST = Number(values['first-seed']);
const USERS = Number(values.users);

type Stats = Record<string, number>;

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let j = 0; j < xs.length; j++) s += xs[j];
  return xs.length > 0 ? s / xs.length : 0;
};
const sd = (xs: number[]) => {
  const m = mean(xs);
  return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / Math.max(1, xs.length - 1));
};
const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

/** Gini coefficient of non-negative counts (0 = all equal, 1 = all on one). */
function gini(counts: number[]): number {
  const x = [...counts].sort((a, b) => a - b);
  const n = x.length;
  const total = x.reduce((s, v) => s + v, 0);
  if (total === 0) return 0;
  let acc = 0;
  for (let j = 0; j < n; j++) acc += (2 * (j + 1) - n - 1) * x[j];
  return acc / (n * total);
}

/** Share of the total held by the top 10% of items. */
function topDecileShare(counts: number[]): number {
  const x = [...counts].sort((a, b) => b - a);
  const total = x.reduce((s, v) => s + v, 0);
  const k = Math.ceil(x.length / 10);
  return total === 0 ? 0 : x.slice(0, k).reduce((s, v) => s + v, 0) / total;
}

/**
 * How many purchases fall in the buyer's top category, brand and colour (by mean true affinity),
 * each and all three at once.
 */
function purchasesInTopAttributes(ds: SyntheticDataset, userIds: readonly string[], itemIndex: ReadonlyMap<string, number>) {
  const items = ds.items;
  // Each user's top attribute values by true affinity (mean over the items that have the value).
  const attrs = ['category', 'brand', 'colour'] as const;
  const values = attrs.map((k) => [...new Set(items.map((it) => it[k] as string))]);
  const valueIndex = attrs.map((k, a) => items.map((it) => values[a].indexOf(it[k] as string)));
  const top = new Map<string, number[]>();
  for (const userId of userIds) {
    const sums = values.map((v) => new Float64Array(v.length));
    const counts = values.map((v) => new Float64Array(v.length));
    for (let i = 0; i < items.length; i++) {
      const f = ds.truth.affinity(userId, items[i].itemId);
      for (let a = 0; a < attrs.length; a++) {
        sums[a][valueIndex[a][i]] += f;
        counts[a][valueIndex[a][i]]++;
      }
    }
    top.set(
      userId,
      sums.map((s, a) => {
        let best = 0;
        for (let v = 1; v < s.length; v++) if (s[v] / counts[a][v] > s[best] / counts[a][best]) best = v;
        return best;
      }),
    );
  }
  const inTop = [0, 0, 0];
  let inTopAll = 0;
  for (const e of ds.events) {
    if (e.type !== 'purchase') continue;
    const t = top.get(e.userId) as number[];
    const i = itemIndex.get(e.itemId) as number;
    let all = true;
    for (let a = 0; a < attrs.length; a++) {
      if (valueIndex[a][i] === t[a]) inTop[a]++;
      else all = false;
    }
    if (all) inTopAll++;
  }
  return { inTop, inTopAll };
}

function stats(ds: SyntheticDataset): Stats {
  const items = ds.items;
  const itemIndex = new Map(items.map((it, i) => [it.itemId, i]));
  const byType: Record<InteractionEvent['type'], number> = { view: 0, wishlist: 0, cart: 0, purchase: 0 } as Record<
    InteractionEvent['type'],
    number
  >;
  const perUser = new Map<string, number>();
  const viewsPerItem = new Array<number>(items.length).fill(0);
  const buysPerItem = new Array<number>(items.length).fill(0);
  const sessions = new Map<string, { views: number; carts: number; buys: number }>();
  const viewedBefore = new Set<string>();
  const boughtBefore = new Set<string>();
  let reviews = 0;
  let rebuys = 0;
  let affViews = 0;
  let affBuys = 0;
  for (const e of ds.events) {
    byType[e.type] = (byType[e.type] ?? 0) + 1;
    perUser.set(e.userId, (perUser.get(e.userId) ?? 0) + 1);
    const i = itemIndex.get(e.itemId) as number;
    const s = sessions.get(e.sessionId as string) ?? { views: 0, carts: 0, buys: 0 };
    sessions.set(e.sessionId as string, s);
    const key = `${e.userId}|${e.itemId}`;
    const a = ds.truth.affinity(e.userId, e.itemId);
    if (e.type === 'view') {
      viewsPerItem[i]++;
      s.views++;
      if (viewedBefore.has(key)) reviews++;
      viewedBefore.add(key);
      affViews += a;
    } else if (e.type === 'cart') s.carts++;
    else if (e.type === 'purchase') {
      buysPerItem[i]++;
      s.buys++;
      if (boughtBefore.has(key)) rebuys++;
      boughtBefore.add(key);
      affBuys += a;
    }
  }
  const { inTop, inTopAll } = purchasesInTopAttributes(ds, [...perUser.keys()], itemIndex);
  const epu = [...perUser.values()].sort((a, b) => a - b);
  const sess = [...sessions.values()];
  const baskets = sess.filter((s) => s.buys > 0).map((s) => s.buys);
  const p = byType.purchase;
  return {
    events: ds.events.length,
    views: byType.view,
    wishlists: byType.wishlist,
    carts: byType.cart,
    purchases: byType.purchase,
    'users with events': perUser.size,
    'events/user mean': mean(epu),
    'events/user sd': sd(epu),
    'events/user p10': quantile(epu, 0.1),
    'events/user median': quantile(epu, 0.5),
    'events/user p90': quantile(epu, 0.9),
    sessions: sessions.size,
    'views/session': byType.view / sessions.size,
    'item views Gini': gini(viewsPerItem),
    'item views top-decile share': topDecileShare(viewsPerItem),
    'item purchases Gini': gini(buysPerItem),
    'item purchases top-decile share': topDecileShare(buysPerItem),
    'mean affinity of views': affViews / byType.view,
    'mean affinity of purchases': affBuys / p,
    'purchases in top category': inTop[0] / p,
    'purchases in top brand': inTop[1] / p,
    'purchases in top colour': inTop[2] / p,
    'purchases in top cat+brand+colour': inTopAll / p,
    're-view share of views': reviews / byType.view,
    'repeat-purchase rate': rebuys / p,
    'sessions with a purchase': baskets.length / sessions.size,
    'basket size mean': mean(baskets),
    'baskets of 2+': baskets.filter((b) => b >= 2).length / baskets.length,
  };
}

const rows = new Map<string, { old: number[]; now: number[] }>();
let identical = 0;
for (let s = FIRST; s < FIRST + SEEDS; s++) {
  const opts = { seed: s, users: USERS };
  const oldStore = legacyGenerateSyntheticStore(opts) as SyntheticDataset;
  const nowStore = generateSyntheticStore(opts);
  if (JSON.stringify(oldStore.events) === JSON.stringify(nowStore.events)) identical++;
  const old = stats(oldStore);
  const now = stats(nowStore);
  for (const k of Object.keys(old)) {
    const r = rows.get(k) ?? { old: [], now: [] };
    rows.set(k, r);
    r.old.push(old[k]);
    r.now.push(now[k]);
  }
  process.stderr.write(`seed ${s} done\n`);
}

const f = (x: number) => (Math.abs(x) >= 100 ? Math.round(x).toLocaleString('en-GB') : x.toFixed(4));
console.log(
  `Synthetic store: legacy vs current generator, ${USERS} users, 600 items, 10 weeks, seeds ${FIRST}..${FIRST + SEEDS - 1} (paired by seed)`,
);
console.log('');
console.log('| statistic | legacy mean | current mean | diff | sd of diff | z |');
console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
let maxZ = 0;
for (const [k, r] of rows) {
  const d = r.now.map((x, j) => x - r.old[j]);
  const se = sd(d) / Math.sqrt(d.length);
  const z = se > 0 ? mean(d) / se : 0;
  maxZ = Math.max(maxZ, Math.abs(z));
  console.log(`| ${k} | ${f(mean(r.old))} | ${f(mean(r.now))} | ${f(mean(d))} | ${f(sd(d))} | ${se > 0 ? z.toFixed(2) : '-'} |`);
}
console.log('');
console.log(`max |z| = ${maxZ.toFixed(2)} over ${rows.size} statistics; events identical for ${identical} of ${SEEDS} seeds`);
