/**
 * The known-answer check of src/offline/synthetic-truth.test.ts (the trained ranker against every
 * baseline on the TRUE affinities, paired bootstrap) at several seeds, on the store of the current
 * generator or of the frozen legacy one (bench/synthetic-legacy.ts, from git history), with the test's options. One
 * line per seed and baseline: the top-20 and graded truth-NDCG@10 differences with 95% intervals.
 *
 *   npx tsx bench/synthetic-truth-seeds.ts [--generator current|legacy] [--seeds 42,7,2026]
 */
import { parseArgs } from 'node:util';
import { generateSyntheticStore, type SyntheticDataset } from '../src/data/synthetic-store.js';
import { trainAndEvaluate } from '../src/offline/train-evaluate.js';
import { legacySyntheticGenerator } from './synthetic-legacy.js';

const { values } = parseArgs({
  options: {
    generator: { type: 'string', default: 'current' },
    seeds: { type: 'string', default: '42,7,2026' },
  },
});
const generate = values.generator === 'legacy' ? await legacySyntheticGenerator() : generateSyntheticStore;
const seeds = values.seeds.split(',').map(Number);
const s = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;

for (const seed of seeds) {
  const t0 = performance.now();
  const dataset = generate({ seed }) as SyntheticDataset;
  const run = await trainAndEvaluate(dataset, { bootstrapResamples: 1000, maxValidUsers: 300 });
  run.ranker?.model.dispose();
  const truth = run.truth;
  if (!truth) throw new Error('no truth report');
  const worst = Math.min(...truth.comparisons.flatMap((c) => [c.top.diff.lo, c.graded.diff.lo]));
  for (const c of truth.comparisons) {
    console.log(
      `${values.generator} seed ${seed} vs ${c.baseline.padEnd(12)} top ${s(c.top.diff.mean)} [${s(c.top.diff.lo)}, ${s(c.top.diff.hi)}]` +
        `  graded ${s(c.graded.diff.mean)} [${s(c.graded.diff.lo)}, ${s(c.graded.diff.hi)}]`,
    );
  }
  const models = truth.models.map((m) => `${m.name} ${m.topNdcg.mean.toFixed(3)}/${m.gradedNdcg.mean.toFixed(3)}`).join(', ');
  console.log(`${values.generator} seed ${seed} truth-NDCG@10 top/graded: ${models}`);
  console.log(
    `${values.generator} seed ${seed}: lowest lower bound ${s(worst)} -> ${worst > 0 ? 'PASS' : 'FAIL'} (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
  );
}
