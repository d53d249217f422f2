// Ad-hoc benchmark (kept outside the tree: bench/ is not assigned to the eval engineer).
// Run from /work/main: npx tsx /tmp/evalbench/eval-ranking.ts
import { evaluateRankers } from '../src/eval/protocol.js';
import { relevantRanks, topKIndices } from '../src/eval/ranking.js';
import type { Ranker, RankRequest } from '../src/models/ranker.js';
import { Rng } from '../src/util/random.js';

const N = 4000,
  USERS = 1000,
  K = 20,
  RUNS = 5;
const rng = new Rng(1);
const catalogue = Array.from({ length: N }, (_, i) => `i${i}`);
const rel = Array.from({ length: USERS }, () => rng.shuffle(Array.from({ length: N }, (_, i) => i)).slice(0, 1 + rng.int(10)));
function makeScores(ties: boolean) {
  return Array.from({ length: USERS }, () => Float32Array.from({ length: N }, () => (ties ? rng.int(50) : rng.next())));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
function time(f: () => void): number {
  const t = performance.now();
  f();
  return performance.now() - t;
}
let sink = 0;
function fullSort(scores: Float32Array[]) {
  for (let u = 0; u < USERS; u++) {
    const s = scores[u];
    const idx = Array.from({ length: N }, (_, i) => i).sort((a, b) => s[b] - s[a] || a - b);
    const pos = new Int32Array(N);
    idx.forEach((item, r) => {
      pos[item] = r;
    });
    sink += idx[K - 1] + rel[u].map((r) => pos[r]).reduce((a, b) => a + b, 0);
  }
}
function partial(scores: Float32Array[]) {
  for (let u = 0; u < USERS; u++) {
    const top = topKIndices(scores[u], K);
    sink += top[K - 1] + relevantRanks(scores[u], rel[u]).reduce((a, b) => a + b, 0);
  }
}
for (const ties of [false, true]) {
  const scores = makeScores(ties);
  fullSort(scores);
  partial(scores); // warm-up
  const a: number[] = [],
    b: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    a.push(time(() => fullSort(scores)));
    b.push(time(() => partial(scores)));
  }
  console.log(`${ties ? 'tied (50 levels)' : 'distinct'} scores, ${USERS} users x ${N} items, top-${K} + ranks of 1-10 relevant:`);
  console.log(
    `  full sort (baseline): ${median(a).toFixed(0)} ms   heap+counting: ${median(b).toFixed(0)} ms   speed-up x${(median(a) / median(b)).toFixed(1)}`,
  );
}
// End to end: 5 models whose scores are precomputed, so the time is the evaluation's own.
const tables = Array.from({ length: 5 }, () => makeScores(false));
const userIndex = new Map(Array.from({ length: USERS }, (_, u) => [`u${u}`, u]));
const rankers: Ranker[] = tables.map((t, m) => ({
  name: `m${m}`,
  score: (req: RankRequest) => t[userIndex.get(req.userId)!],
  dispose: () => {},
}));
const cases = rel.map((r, u) => ({ userId: `u${u}`, relevant: r.map((i) => catalogue[i]) }));
const e2e: number[] = [];
for (let r = 0; r < 3; r++) {
  e2e.push(0);
  const t = performance.now();
  await evaluateRankers({
    rankers,
    cases,
    catalogue,
    protocol: 'bench',
    baselineNames: ['m0', 'm1'],
    bootstrap: { resamples: 1000, seed: 1 },
  });
  e2e[r] = performance.now() - t;
}
console.log(
  `evaluateRankers, 5 models x ${USERS} users x ${N} items, ks 5/10/20, 1000 resamples (scoring excluded): median ${median(e2e).toFixed(0)} ms (${(median(e2e) / 5).toFixed(0)} ms per model)`,
);
if (sink === 42) console.log('');
