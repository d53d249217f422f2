/**
 * Feature store benchmark on Online Retail (last 4 weeks held out) and the synthetic store:
 * build time (total and per stage), candidates() and features() latency for ~500 candidates per
 * request (median, p99 over many users), full-catalogue features() per user, and the tables' size.
 * Baselines measured in the same run: a naive DuckDB self-join counting every co-occurring pair
 * (no basket cap, no top-N), and a naive features loop (history x candidates lookups). Also the
 * online side of user state: one `apply` per event (median, p99) and memory per user state.
 *
 *   node --expose-gc --import tsx bench/features.ts [--runs 3] [--users 1000]
 */
import { parseArgs } from 'node:util';
import { Duck } from '../src/data/duckdb.js';
import { loadDataset } from '../src/data/load.js';
import type { Dataset, InteractionEvent } from '../src/data/schema.js';
import { splitByLastDays } from '../src/data/split.js';
import { errorMessage } from '../src/errors.js';
import { FEATURE_NAMES } from '../src/features/contract.js';
import { buildFeatureStore, featureStoreFromTables, featureStoreToTables, type TableFeatureStore } from '../src/features/store.js';
import type { FeatureTables } from '../src/features/tables.js';
import { MemoryUserStateStore } from '../src/features/user-state-store.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, users: { type: 'string', default: '1000' } } });
const RUNS = Number(values.runs);
const USERS = Number(values.users);

function quantile(xs: number[], q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}
const median = (xs: number[]) => quantile(xs, 0.5);
const ms = (x: number) => `${x.toFixed(x < 10 ? 3 : 0)} ms`;

/** The naive baseline: every co-occurring pair of the raw events counted in DuckDB (self-join per basket). */
async function naivePairCount(events: readonly InteractionEvent[]): Promise<{ ms: number; pairs: number }> {
  const duck = await Duck.open();
  try {
    const t0 = performance.now();
    await duck.loadEvents('ev', events);
    const [row] = await duck.query<{ n: number }>(
      `with b as (select distinct user_id, coalesce(session_id, '') as s, item_id from ev)
       select count(*) as n from (select x.item_id, y.item_id from b x join b y on x.user_id = y.user_id and x.s = y.s and x.item_id < y.item_id group by 1, 2)`,
    );
    return { ms: performance.now() - t0, pairs: Number(row.n) };
  } finally {
    duck.close();
  }
}

/** Naive co-occurrence sum per candidate: for each candidate, scan every history item's neighbour list. */
function naiveCoocSum(store: TableFeatureStore, userId: string, candidates: readonly string[]): Float32Array {
  const out = new Float32Array(candidates.length);
  const history = store.user(userId)?.history ?? [];
  candidates.forEach((c, r) => {
    for (const h of history) for (const n of store.neighbours(h.itemId)) if (n.itemId === c) out[r] += n.score;
  });
  return out;
}

/** Builds the store RUNS times: stage timings and the naive pair-count baseline. */
async function benchBuild(data: Dataset, cutoff: number): Promise<TableFeatureStore> {
  const builds: TableFeatureStore[] = [];
  const stages: Record<string, number[]> = { window: [], popularity: [], cooccurrence: [], userState: [], total: [] };
  for (let r = 0; r < RUNS; r++) {
    const store = await buildFeatureStore(data.events, data.items, { cutoff });
    for (const [k, v] of Object.entries(store.report!.timingsMs)) stages[k].push(v);
    builds.push(store);
  }
  const store = builds[0];
  const rep = store.report!;
  console.log(
    `window: ${rep.eventsUsed} events used of ${rep.eventsRead} (${JSON.stringify(rep.ignored)}), ${rep.users} users, ${store.itemIds.length} items, ${rep.baskets} baskets`,
  );
  console.log(
    `co-occurrence: ${rep.cooccurrence.pairs} distinct pairs, ${rep.cooccurrence.cappedBaskets} baskets above the cap, ${rep.cooccurrence.kept} neighbour entries kept`,
  );
  console.log(
    `build (median of ${RUNS}): ${Object.entries(stages)
      .map(([k, v]) => `${k} ${ms(median(v))}`)
      .join(', ')}`,
  );
  const naive = await naivePairCount(data.events.filter((e) => e.ts < cutoff));
  console.log(
    `baseline, same run: naive DuckDB pair count (load + self-join, no cap/top-N): ${ms(naive.ms)} for ${naive.pairs} pairs; ` +
      `our co-occurrence stage / naive = ${(median(stages.cooccurrence) / naive.ms).toFixed(2)}x`,
  );
  return store;
}

/** candidates() and features() per request, the naive lookup baseline, and full-catalogue features(). */
function benchLookups(store: TableFeatureStore): void {
  // Users: every k-th user of the store (deterministic), warmed up first.
  const all = store.userIds;
  const step = Math.max(1, Math.floor(all.length / USERS));
  const users = all.filter((_, i) => i % step === 0).slice(0, USERS);
  for (const u of users.slice(0, 50)) store.features(u, store.candidates(u));
  const candT: number[] = [];
  const featT: number[] = [];
  const naiveT: number[] = [];
  let nCand = 0;
  for (const [k, u] of users.entries()) {
    let t = performance.now();
    const cands = store.candidates(u, { limit: 500 });
    candT.push(performance.now() - t);
    nCand += cands.length;
    const ctx = k % 2 === 0 ? cands[0] : undefined;
    t = performance.now();
    store.features(u, cands, ctx);
    featT.push(performance.now() - t);
    if (k < 200) {
      t = performance.now();
      naiveCoocSum(store, u, cands);
      naiveT.push(performance.now() - t);
    }
  }
  console.log(
    `${users.length} users, ${(nCand / users.length).toFixed(0)} candidates each (half with a context item): ` +
      `candidates() median ${ms(median(candT))}, p99 ${ms(quantile(candT, 0.99))}; ` +
      `features() median ${ms(median(featT))}, p99 ${ms(quantile(featT, 0.99))}`,
  );
  console.log(
    `baseline, same run (200 users): naive history x candidates co-occurrence sum (1 of ${FEATURE_NAMES.length} features) median ${ms(median(naiveT))}; ` +
      `naive / our full features() = ${(median(naiveT) / median(featT.slice(0, 200))).toFixed(1)}x`,
  );
  const fullT: number[] = [];
  for (const u of users) {
    const t = performance.now();
    store.features(u, store.itemIds);
    fullT.push(performance.now() - t);
  }
  const total = fullT.reduce((a, b) => a + b, 0);
  console.log(
    `full catalogue (${store.itemIds.length} items) features(): median ${ms(median(fullT))}, p99 ${ms(quantile(fullT, 0.99))} per user; ` +
      `${users.length} users in ${ms(total)}`,
  );
}

/** The online side: one apply per event, and memory per user state. */
function benchOnlineState(data: Dataset, cutoff: number): void {
  // Online user state: every training event applied one at a time, as the service does.
  const stream = data.events.filter((e) => e.ts < cutoff).sort((a, b) => a.ts - b.ts);
  const gc = (globalThis as { gc?: () => void }).gc;
  const live = new MemoryUserStateStore();
  const perEvent: number[] = [];
  const one: InteractionEvent[] = [stream[0]];
  for (const e of stream) {
    one[0] = e;
    const t0 = performance.now();
    live.apply(one);
    perEvent.push(performance.now() - t0);
  }
  // Memory: the same state rebuilt alone between two full collections.
  gc?.();
  gc?.();
  const heap0 = process.memoryUsage().heapUsed;
  const measured = new MemoryUserStateStore();
  measured.apply(stream);
  gc?.();
  gc?.();
  const heap1 = process.memoryUsage().heapUsed;
  if (measured.size !== live.size) throw new Error('state sizes differ');
  const entries = live.userIds().reduce((n, u) => n + (live.get(u)?.history.items.size ?? 0), 0);
  console.log(
    `online state update: ${stream.length} events applied one by one: median ${(1000 * median(perEvent)).toFixed(2)} us, p99 ${(1000 * quantile(perEvent, 0.99)).toFixed(2)} us per event; ` +
      `memory ${gc ? '' : '(approximate: run with --expose-gc) '}${((heap1 - heap0) / live.size / 1024).toFixed(2)} KB per user state (${live.size} users, ${(entries / live.size).toFixed(1)} items each)`,
  );
}

/** The item tables as the model directory stores them: size and (de)serialisation time. */
function benchTables(store: TableFeatureStore): void {
  let t = performance.now();
  const json = JSON.stringify(featureStoreToTables(store));
  const toMs = performance.now() - t;
  t = performance.now();
  featureStoreFromTables(JSON.parse(json) as FeatureTables);
  const fromMs = performance.now() - t;
  console.log(
    `item tables (the model directory's features.json, no user state): ${(json.length / 1e6).toFixed(2)} MB JSON; to tables + stringify ${ms(toMs)}, parse + from tables ${ms(fromMs)}`,
  );
}

async function benchDataset(label: string, data: Dataset): Promise<void> {
  const split = splitByLastDays(data.events, { testDays: 28 });
  const cutoff = split.boundaries.testStart;
  console.log(
    `\n== ${label}: ${data.events.length} events, ${data.items.length} items; cutoff ${new Date(cutoff).toISOString().slice(0, 10)} (last 28 days held out)`,
  );
  const store = await benchBuild(data, cutoff);
  benchLookups(store);
  benchOnlineState(data, cutoff);
  benchTables(store);
}

console.log(`feature store benchmark (node ${process.versions.node}, ${RUNS} builds per dataset)`);
try {
  await benchDataset('online-retail', await loadDataset({ source: 'online-retail' }));
} catch (e) {
  console.log(`online-retail: skipped (${errorMessage(e)})`);
}
await benchDataset('synthetic', await loadDataset({ source: 'synthetic' }));
