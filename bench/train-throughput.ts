/**
 * Training throughput and scoring latency of the LTR scorer on every available TF.js backend, and
 * the gather-gradient kernel against the stock one. Prints figures; asserts nothing.
 *
 *   npx tsx bench/train-throughput.ts            # everything (the stock cpu gather gradient takes ~30 s)
 *   npx tsx bench/train-throughput.ts --quick    # fewer pairs, skips the stock kernel
 *   npx tsx bench/train-throughput.ts --embedding-quality [online-retail]
 *       # only: does a 16-d item embedding pay for its cost? Full-catalogue NDCG@10 with and
 *       # without it (src/eval protocol) on the synthetic store (or Online Retail, last 28 days held out)
 *
 * Every throughput is the median of 3 runs after a warm-up run. The baseline, measured in the
 * same run on the same backend, is the straightforward implementation: each pair stacked as two
 * rows and the logistic loss written with tf ops (what DESIGN.md measured at 10k / 33-58k pairs/s).
 */
import '@tensorflow/tfjs-backend-wasm';
import { FEATURE_NAMES } from '../src/features/contract.js';
import { initBackend, tf } from '../src/models/backend.js';
import { installScatterAddKernels, uninstallScatterAddKernels } from '../src/models/kernels/scatter-add.js';
import type { TrainingGroup } from '../src/models/ltr/batches.js';
import { createScorer, type ScorerOptions, scoreRows } from '../src/models/ltr/mlp.js';
import { groupPairs } from '../src/models/ltr/pairs.js';
import { plantedGroups } from '../src/models/ltr/planted-groups.js';
import { type TrainOptions, trainRanker } from '../src/models/ltr/train-ranker.js';
import { Rng } from '../src/util/random.js';

const QUICK = process.argv.includes('--quick');
const RUNS = 3;
const TARGET = 100_000;
const DIM = FEATURE_NAMES.length;
const BATCH_SIZES = [512, 2048, 8192, 32768];
/** 2 positives + 20 negatives per group: 40 pairs over 22 rows (a user's label window and samples). */
const GROUPS = plantedGroups({ groups: QUICK ? 1500 : 5000, dim: DIM, seed: 1, vocab: 5000 });
const PAIRS = GROUPS.reduce((s, g) => s + groupPairs(g.labels).w.length, 0);
const ROWS = GROUPS.reduce((s, g) => s + g.labels.length, 0);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const print = (line: string) => process.stdout.write(`${line}\n`);

/** Median pairs/s of one epoch of trainRanker over GROUPS (fresh model per run, warm-up first). */
async function ours(scorer: Partial<ScorerOptions>, train: TrainOptions): Promise<{ pairs: number; rows: number }> {
  const results: { pairs: number; rows: number }[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const model = createScorer({ inputDim: DIM, seed: 1, ...scorer });
    const r = await trainRanker(model, GROUPS, { epochs: 1, seed: run, ...train });
    model.dispose();
    if (run > 0) results.push({ pairs: r.pairsPerSec, rows: r.rowsPerSec });
  }
  return { pairs: median(results.map((r) => r.pairs)), rows: median(results.map((r) => r.rows)) };
}

/** The straightforward baseline: both rows of every pair stacked, loss in tf ops, Adam. */
function baseline(batchPairs: number, pairsTotal: number): number {
  const rng = new Rng(5);
  const xi = new Float32Array(pairsTotal * DIM);
  const xj = new Float32Array(pairsTotal * DIM);
  const w = new Float32Array(pairsTotal);
  for (let k = 0; k < pairsTotal; k++) {
    const g: TrainingGroup = GROUPS[rng.int(GROUPS.length)];
    const p = groupPairs(g.labels);
    const q = rng.int(p.w.length);
    xi.set(g.features.subarray(p.i[q] * DIM, (p.i[q] + 1) * DIM), k * DIM);
    xj.set(g.features.subarray(p.j[q] * DIM, (p.j[q] + 1) * DIM), k * DIM);
    w[k] = p.w[q];
  }
  const times: number[] = [];
  for (let run = 0; run <= RUNS; run++) {
    const model = createScorer({ inputDim: DIM, seed: 1 });
    const opt = tf.train.adam(0.003);
    const vars = model.trainableWeights.map((v) => v.read() as tf.Variable);
    const t0 = performance.now();
    for (let start = 0; start < pairsTotal; start += batchPairs) {
      const n = Math.min(batchPairs, pairsTotal - start);
      tf.tidy(() => {
        const a = tf.tensor2d(xi.subarray(start * DIM, (start + n) * DIM), [n, DIM]);
        const b = tf.tensor2d(xj.subarray(start * DIM, (start + n) * DIM), [n, DIM]);
        const weights = tf.tensor1d(w.subarray(start, start + n));
        opt.minimize(
          () => {
            const s = (model.apply(tf.concat([a, b])) as tf.Tensor).reshape([2, n]);
            const [si, sj] = tf.unstack(s);
            return tf.div(tf.sum(tf.mul(weights, tf.softplus(tf.neg(tf.sub(si, sj))))), tf.sum(weights)) as tf.Scalar;
          },
          false,
          vars,
        );
      });
    }
    const seconds = (performance.now() - t0) / 1000;
    if (run > 0) times.push(pairsTotal / seconds);
    opt.dispose();
    model.dispose();
  }
  return median(times);
}

/** Scoring latency of 500 candidates (one forward pass), ms. */
function scoringLatency(): { median: number; p99: number } {
  const model = createScorer({ inputDim: DIM, seed: 1 });
  const rng = new Rng(9);
  const rows = Float32Array.from({ length: 500 * DIM }, () => rng.normal());
  for (let i = 0; i < 50; i++) scoreRows(model, rows, 500);
  const times: number[] = [];
  for (let i = 0; i < (QUICK ? 300 : 1000); i++) {
    const t0 = performance.now();
    scoreRows(model, rows, 500);
    times.push(performance.now() - t0);
  }
  model.dispose();
  return { median: median(times), p99: quantile(times, 0.99) };
}

/** Median seconds of `f` over `runs` calls (inside tidy, result read back). */
function timeIt(runs: number, f: () => tf.Tensor): number {
  const times: number[] = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    const out = tf.tidy(f);
    out.dataSync();
    out.dispose();
    times.push((performance.now() - t0) / 1000);
  }
  return median(times);
}

/**
 * The gather gradient's kernel alone (UnsortedSegmentSum of 1024 x 32 values into 5000 rows) and
 * the whole gradient of sum(gather(table, ids) * w) w.r.t. a 5000 x 32 table: seconds per call.
 */
function gatherGradient(runs: number, wholeGradient: boolean): { kernel: number; gradient?: number } {
  const rng = new Rng(3);
  const table = tf.tensor2d(
    Float32Array.from({ length: 5000 * 32 }, () => rng.normal()),
    [5000, 32],
  );
  const ids = tf.tensor1d(
    Int32Array.from({ length: 1024 }, () => rng.int(5000)),
    'int32',
  );
  const w = tf.tensor2d(
    Float32Array.from({ length: 1024 * 32 }, () => rng.normal()),
    [1024, 32],
  );
  const kernel = timeIt(runs, () => tf.unsortedSegmentSum(w, ids, 5000));
  const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.gather(t, ids), w)));
  const gradient = wholeGradient ? timeIt(runs, () => grad(table)) : undefined;
  tf.dispose([table, ids, w]);
  return { kernel, gradient };
}

/**
 * Trains the MLP with and without an item embedding on a label window, then evaluates both and a
 * recent-popularity baseline on the following window over the full catalogue (src/eval).
 */
async function embeddingQuality(source: 'synthetic' | 'online-retail'): Promise<void> {
  const { loadDataset } = await import('../src/data/load.js');
  const { splitByLastDays } = await import('../src/data/split.js');
  const { buildFeatureStore } = await import('../src/features/store.js');
  const { buildEvalCases, evaluateRankers, temporalProtocol } = await import('../src/eval/protocol.js');
  const { buildTrainingGroups } = await import('../src/models/ltr/groups.js');
  const { evaluateGroups } = await import('../src/models/ltr/group-metrics.js');
  const { LtrRanker } = await import('../src/models/ltr/ltr-ranker.js');
  const data = await loadDataset({ source });
  const days = source === 'synthetic' ? 7 : 28;
  const split = splitByLastDays(data.events, { testDays: days, validDays: days });
  const { validStart, testStart, end } = split.boundaries;
  // Train: features before validStart, labels in [validStart, testStart). Test: features before testStart.
  const trainStore = await buildFeatureStore(split.train, data.items, { cutoff: validStart });
  const history = [...split.train, ...split.valid];
  const testStore = await buildFeatureStore(history, data.items, { cutoff: testStart });
  const built = buildTrainingGroups(trainStore, split.valid, { negativesHard: 20, negativesRandom: 20, seed: 1, withItemIndex: true });
  const fit = built.groups.filter((_, i) => i % 5 !== 0);
  const early = built.groups.filter((_, i) => i % 5 === 0);
  print(`== item embedding, ${source}: ${built.groups.length} training groups, ${data.items.length} items ==`);
  const rankers = [];
  for (const embedding of [false, true]) {
    const model = createScorer({
      inputDim: built.contract.names.length,
      seed: 1,
      itemEmbedding: embedding ? { vocabSize: trainStore.itemIds.length, dim: 16 } : undefined,
    });
    const r = await trainRanker(model, fit, {
      epochs: 40,
      batchPairs: 2048,
      patience: 4,
      validate: () => evaluateGroups(model, early).ndcg,
    });
    const name = embedding ? 'ltr-mlp+item-embedding' : 'ltr-mlp';
    print(`${name}: best epoch ${r.bestEpoch} of ${r.epochsRun}, validation-group NDCG@10 ${r.bestValid?.toFixed(4)}`);
    // The vocabulary is the catalogue's order in both stores, so item indices line up.
    rankers.push(new LtrRanker({ store: testStore, contract: built.contract, model, name }));
  }
  const popularity = {
    name: 'popularity-recent',
    score: (req: { candidates: readonly string[] }) => Float32Array.from(req.candidates, (id) => testStore.popularity(id).recent),
    dispose() {},
  };
  const report = await evaluateRankers({
    rankers: [popularity, ...rankers],
    cases: buildEvalCases(history, split.test),
    catalogue: testStore.itemIds,
    protocol: temporalProtocol({ start: testStart, end }),
    baselineNames: [popularity.name],
    bootstrap: { resamples: 200, seed: 1 },
  });
  for (const m of report.models) {
    const ndcg = m.metrics['ndcg@10'];
    print(`${m.name.padEnd(24)} NDCG@10 ${ndcg.mean.toFixed(4)} [${ndcg.lo.toFixed(4)}, ${ndcg.hi.toFixed(4)}] over ${m.users} users`);
  }
  for (const r of rankers) r.dispose();
}

async function main(): Promise<void> {
  const report = await initBackend();
  print(`TF.js ${report.tfjsVersion}; default backend ${report.active} (${report.reason})`);
  print(`data: ${fmt(GROUPS.length)} groups, ${fmt(ROWS)} rows, ${fmt(PAIRS)} pairs, ${DIM} features, model ${DIM}-64-32-1`);
  print(`figures: median of ${RUNS} runs after a warm-up; target ${fmt(TARGET)} pairs/s\n`);
  const backends = (['cpu', 'wasm', 'tensorflow'] as const).filter((b) => tf.findBackendFactory(b) !== null);
  installScatterAddKernels();
  for (const name of backends) {
    if (!(await tf.setBackend(name))) {
      print(`${name}: could not start, skipped\n`);
      continue;
    }
    await tf.ready();
    print(`== backend ${name} ==`);
    print('batchPairs   pairs/s      rows/s   x target');
    let best = { batch: BATCH_SIZES[0], pairs: 0 };
    for (const batchPairs of BATCH_SIZES) {
      const r = await ours({}, { batchPairs });
      if (r.pairs > best.pairs) best = { batch: batchPairs, pairs: r.pairs };
      print(
        `${String(batchPairs).padStart(10)} ${fmt(r.pairs).padStart(9)} ${fmt(r.rows).padStart(11)} ${(r.pairs / TARGET).toFixed(2).padStart(9)}`,
      );
    }
    const base = baseline(best.batch, Math.min(PAIRS, QUICK ? 20_000 : 60_000));
    print(`best batch ${best.batch}: ${fmt(best.pairs)} pairs/s = ${(best.pairs / TARGET).toFixed(2)} x target`);
    print(
      `baseline (pairs stacked as 2 rows, loss in tf ops) at ${best.batch}: ${fmt(base)} pairs/s; ours is ${(best.pairs / base).toFixed(1)}x`,
    );
    const sgd = await ours({}, { batchPairs: best.batch, optimizer: 'sgd' });
    print(`update rule at ${best.batch}: adam ${fmt(best.pairs)} vs sgd ${fmt(sgd.pairs)} pairs/s (sgd bounds any hand-written update)`);
    const lambda = await ours({}, { batchPairs: best.batch, lambdaWeights: true });
    print(`lambda (|delta NDCG|) weights at ${best.batch}: ${fmt(lambda.pairs)} pairs/s`);
    const l1 = await ours({}, { batchPairs: best.batch, l1: 1e-4, l2: 1e-4 });
    print(`elastic net (l1, l2) at ${best.batch}: ${fmt(l1.pairs)} pairs/s`);
    const emb = await ours({ itemEmbedding: { vocabSize: 5000, dim: 16 } }, { batchPairs: best.batch });
    print(`+ item embedding (5000 x 16, scatter-add gradient) at ${best.batch}: ${fmt(emb.pairs)} pairs/s`);
    const lat = scoringLatency();
    print(`scoring 500 candidates: median ${lat.median.toFixed(2)} ms, p99 ${lat.p99.toFixed(2)} ms\n`);
  }

  print('== gather gradient: UnsortedSegmentSum of 1024 x 32 into a 5000-row table ==');
  const ms = (sec: number) => `${(sec * 1000).toFixed(2)} ms`;
  await tf.setBackend('cpu');
  const cpu = gatherGradient(20, true);
  print(`cpu, scatter-add kernel: ${ms(cpu.kernel)}; whole gather gradient ${ms(cpu.gradient ?? 0)} (median of 20)`);
  if (backends.includes('wasm')) {
    await tf.setBackend('wasm');
    const wasm = gatherGradient(20, true);
    print(
      `wasm, scatter-add kernel: ${ms(wasm.kernel)}; whole gather gradient ${ms(wasm.gradient ?? 0)} (median of 20; wasm has no stock kernel)`,
    );
    await tf.setBackend('cpu');
  }
  if (QUICK) print('cpu, stock UnsortedSegmentSum: skipped (--quick)');
  else {
    uninstallScatterAddKernels();
    const stock = gatherGradient(1, false);
    installScatterAddKernels();
    print(`cpu, stock UnsortedSegmentSum kernel: ${ms(stock.kernel)} (1 run: it is that slow)`);
    print(`scatter-add kernel is ${fmt(stock.kernel / cpu.kernel)}x faster than the stock cpu kernel`);
  }
}

const quality = process.argv.indexOf('--embedding-quality');
if (quality >= 0) {
  await initBackend();
  await embeddingQuality(process.argv[quality + 1] === 'online-retail' ? 'online-retail' : 'synthetic');
} else await main();
