/**
 * Matrix-factorisation training speed: BPR SGD updates per second (one update = one (user, item,
 * sampled negative) triple) of the hand-written Float32Array loop in src/features/bpr.ts, on one
 * thread, beside LightFM's published ~790k BPR updates/s on one thread (the figure issue 14
 * quotes). Also: the same updates written in TF.js (`--tfjs`: batched gathers, the gradient
 * through the project's scatter-add kernel), fold-in cost per user, and the item-kNN fit.
 * Prints figures; asserts nothing.
 *
 *   npx tsx bench/mf.ts                          # synthetic store (seed 42)
 *   npx tsx bench/mf.ts --source online-retail   # the shared Online Retail log
 *   npx tsx bench/mf.ts --tfjs                   # also time the TF.js version
 *
 * Each figure is the median of RUNS runs (fresh factors each, after one warm-up run) of EPOCHS
 * epochs over the interactions before the test window (what `workbench eval` fits on), per
 * wall-clock second and per CPU second of the process (the loop is single-threaded, so the latter
 * is what one idle core does even when other work shares the machine).
 */
import os from 'node:os';
import { loadDataset } from '../src/data/load.js';
import { BPR_DEFAULTS, type BprModel, foldInUser, trainBpr } from '../src/features/bpr.js';
import type { InteractionMatrix } from '../src/features/item-state.js';
import { interactionMatrix } from '../src/features/item-state.js';
import { buildFeatureStore } from '../src/features/store.js';
import { initBackend, tf } from '../src/models/backend.js';
import { itemCosineNeighbours } from '../src/models/baselines/item-knn.js';
import { installScatterAddKernels } from '../src/models/kernels/scatter-add.js';
import { protocolWindows } from '../src/offline/protocol-windows.js';
import { Rng } from '../src/util/random.js';

/** LightFM's published BPR training speed, one thread (updates/s), as quoted by issue 14. */
const LIGHTFM_UPDATES_PER_SEC = 790_000;
const RUNS = 5;
const EPOCHS = 10;

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const source = (arg('--source') ?? 'synthetic') as 'synthetic' | 'online-retail';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const print = (line: string) => process.stdout.write(`${line}\n`);

/** One timed piece of work: wall-clock seconds and this process's CPU seconds (user + system). */
function timed(work: () => number): { units: number; wall: number; cpu: number } {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const units = work();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { units, wall, cpu: (c.user + c.system) / 1e6 };
}

/**
 * Median updates/s of trainBpr over RUNS timed runs (plus a warm-up), per wall-clock second and per
 * CPU second of this process: on a busy shared machine the second is what one idle core would do.
 */
function jsUpdatesPerSec(m: InteractionMatrix, factors: number): { wall: number; cpu: number; runs: number[] } {
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const r = timed(() => trainBpr(m, { factors, epochs: EPOCHS, seed: run + 1 }).updates);
    if (run === 0) continue;
    wall.push(r.units / r.wall);
    cpu.push(r.units / r.cpu);
  }
  return { wall: median(wall), cpu: median(cpu), runs: wall };
}

/** The same BPR step in TF.js: a batch of triples, gathers, autodiff, plain SGD. Median updates/s. */
async function tfjsUpdatesPerSec(m: InteractionMatrix, factors: number, batch: number): Promise<number> {
  await initBackend();
  installScatterAddKernels();
  const rng = new Rng(1);
  const nnz = m.cols.length;
  const rowOf = new Int32Array(nnz);
  for (let u = 0; u < m.users; u++) rowOf.fill(u, m.offsets[u], m.offsets[u + 1]);
  const U = tf.variable(tf.randomUniform([m.users, factors], -0.5 / factors, 0.5 / factors, 'float32', 1));
  const V = tf.variable(tf.randomUniform([m.items, factors], -0.5 / factors, 0.5 / factors, 'float32', 2));
  const b = tf.variable(tf.zeros([m.items]));
  const opt = tf.train.sgd(BPR_DEFAULTS.learningRate);
  const rates: number[] = [];
  const steps = Math.max(20, Math.ceil(Math.min(nnz, 200_000) / batch));
  for (let run = 0; run <= RUNS; run++) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) {
      const us = new Int32Array(batch);
      const is = new Int32Array(batch);
      const js = new Int32Array(batch);
      for (let k = 0; k < batch; k++) {
        const e = rng.int(nnz);
        us[k] = rowOf[e];
        is[k] = m.cols[e];
        js[k] = rng.int(m.items);
      }
      tf.tidy(() => {
        const ut = tf.tensor1d(us, 'int32');
        const it = tf.tensor1d(is, 'int32');
        const jt = tf.tensor1d(js, 'int32');
        opt.minimize(() => {
          const uu = tf.gather(U, ut);
          const x = tf.sum(tf.mul(uu, tf.sub(tf.gather(V, it), tf.gather(V, jt))), 1).add(tf.sub(tf.gather(b, it), tf.gather(b, jt)));
          return tf.mean(tf.softplus(tf.neg(x))) as tf.Scalar; // -ln sigma(x)
        });
      });
    }
    await b.data(); // wait for the last step
    if (run > 0) rates.push((steps * batch) / ((performance.now() - t0) / 1000));
  }
  opt.dispose();
  U.dispose();
  V.dispose();
  b.dispose();
  return median(rates);
}

/** Median microseconds to fold one user in, over the matrix's users. */
function foldInMicros(model: BprModel, m: InteractionMatrix): number {
  const out = new Float32Array(model.params.factors);
  const t0 = performance.now();
  for (let u = 0; u < m.users; u++) foldInUser(model, m.cols.subarray(m.offsets[u], m.offsets[u + 1]), out);
  return ((performance.now() - t0) * 1000) / m.users;
}

const dataset = await loadDataset({ source });
const windows = protocolWindows(dataset.events);
const store = await buildFeatureStore(dataset.events, dataset.items, { cutoff: windows.testStart, threads: 1 });
const matrix = interactionMatrix(store.users, new Map(store.itemIds.map((id, i) => [id, i])));
print(`${source}: ${fmt(matrix.users)} users x ${fmt(matrix.items)} items, ${fmt(matrix.cols.length)} interactions before the test window`);
print(`BPR, hand-written Float32Array SGD, one thread, ${EPOCHS} epochs, median of ${RUNS} runs:`);
const vsLightFm = (x: number) => `${(x / LIGHTFM_UPDATES_PER_SEC).toFixed(2)}x LightFM's ~${fmt(LIGHTFM_UPDATES_PER_SEC)}/s`;
for (const factors of [10, BPR_DEFAULTS.factors, 64]) {
  const r = jsUpdatesPerSec(matrix, factors);
  print(
    `  factors ${String(factors).padStart(2)}: ${fmt(r.wall)} updates/s wall clock = ${vsLightFm(r.wall)} (runs ${r.runs.map(fmt).join(', ')})`,
  );
  print(`              ${fmt(r.cpu)} updates per CPU second = ${vsLightFm(r.cpu)}`);
}
print(`  (load average ${os.loadavg()[0].toFixed(1)} on ${os.cpus().length} cores: wall-clock figures fall when others share the machine)`);
const fit = trainBpr(matrix, BPR_DEFAULTS);
print(
  `fold-in (${BPR_DEFAULTS.foldInEpochs} steps per history item, factors ${BPR_DEFAULTS.factors}): ${foldInMicros(fit.model, matrix).toFixed(0)} us per user on average`,
);
const t0 = performance.now();
itemCosineNeighbours(matrix, 200);
print(`item-kNN: cosine over users, top 200 neighbours of every item: ${((performance.now() - t0) / 1000).toFixed(2)} s`);
if (process.argv.includes('--tfjs')) {
  for (const batch of [1024, 8192]) {
    const r = await tfjsUpdatesPerSec(matrix, BPR_DEFAULTS.factors, batch);
    print(
      `TF.js (${tf.getBackend()}), factors ${BPR_DEFAULTS.factors}, batches of ${batch}: ${fmt(r)} updates/s = ${(r / LIGHTFM_UPDATES_PER_SEC).toFixed(2)}x LightFM`,
    );
  }
}
