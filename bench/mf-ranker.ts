/**
 * Does the ranker learn collaborative signal when that is the only signal there is (issue 14,
 * point 5)? Trains `ltr-mlp` twice on the same data, on the default features and on the feature
 * set "mf" (the default plus `mf_score`, the BPR score), and compares both on the same test users
 * (paired bootstrap of NDCG@10, the default ranker as the reference). Prints figures; asserts nothing.
 *
 *   npx tsx bench/mf-ranker.ts [--seed 1]               # a generated log whose only signal is who bought what
 *   npx tsx bench/mf-ranker.ts --source synthetic       # the built-in synthetic store
 *   npx tsx bench/mf-ranker.ts --source online-retail   # the shared Online Retail log (~5 minutes)
 *
 * The generated log (seed 1 unless --seed): 2,000 users in 10 taste groups of 40 items each (400
 * items), 10 weeks; a visit buys 1-2 items, 80% from the user's group, never an item the user already has,
 * so there is no repeat signal, almost no basket co-occurrence, flat popularity and no attributes:
 * only the users' histories say which items go together.
 */

import { loadDataset } from '../src/data/load.js';
import { generatedReport } from '../src/data/load-report.js';
import type { Dataset, InteractionEvent, Item } from '../src/data/schema.js';
import { buildEvalCases, evaluateRankers, reportToMarkdown } from '../src/eval/index.js';
import { DAY_MS, MF_FEATURE_SET } from '../src/features/index.js';
import { LtrRanker } from '../src/models/ltr/ltr-ranker.js';
import { eventsBetween } from '../src/offline/protocol-windows.js';
import { disposeTrainedRun, type TrainedRun, trainAndEvaluate } from '../src/offline/train-evaluate.js';
import { Rng } from '../src/util/random.js';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const source = arg('--source') ?? 'generated';
const print = (line: string) => process.stdout.write(`${line}\n`);

/** The generated log described in the module comment. */
function collaborativeOnlyLog(seed: number): Dataset {
  const rng = new Rng(seed);
  const groups = 10;
  const perGroup = 40;
  const items: Item[] = Array.from({ length: groups * perGroup }, (_, i) => ({
    itemId: `g${String(i).padStart(3, '0')}`,
    title: `item ${i}`,
  }));
  const start = Date.UTC(2025, 0, 6);
  const events: InteractionEvent[] = [];
  for (let u = 0; u < 2000; u++) {
    const userId = `c${String(u).padStart(4, '0')}`;
    const group = rng.int(groups);
    const owned = new Set<number>();
    for (let week = 0; week < 10; week++) {
      if (!rng.chance(0.6)) continue;
      const ts = start + (week * 7 + rng.next() * 7) * DAY_MS;
      const basket = 1 + rng.int(2);
      for (let k = 0; k < basket; k++) {
        let item = -1;
        for (let t = 0; t < 20 && (item < 0 || owned.has(item)); t++) {
          item = rng.chance(0.8) ? group * perGroup + rng.int(perGroup) : rng.int(groups * perGroup);
        }
        if (owned.has(item)) continue;
        owned.add(item);
        events.push({ userId, itemId: items[item].itemId, ts: ts + k * 60_000, type: 'purchase', sessionId: `${userId}-${week}` });
      }
    }
  }
  events.sort((a, b) => a.ts - b.ts);
  return { source: 'generated', events, items, report: generatedReport('generated', events.length) };
}

const dataset =
  source === 'generated'
    ? collaborativeOnlyLog(Number(arg('--seed') ?? 1))
    : await loadDataset({ source: source as 'synthetic' | 'online-retail' });
print(`${source}: ${dataset.events.length.toLocaleString('en-US')} events, ${dataset.items.length} items`);
const runs: TrainedRun[] = [];
for (const featureSet of ['default', MF_FEATURE_SET]) {
  const t0 = performance.now();
  const run = await trainAndEvaluate({ ...dataset, truth: undefined }, { featureSet, bootstrapResamples: 200 });
  runs.push(run);
  print(
    `trained on feature set "${featureSet}" in ${((performance.now() - t0) / 1000).toFixed(0)} s (best epoch ${run.ranker?.train.bestEpoch})`,
  );
}
const [base, mf] = runs;
if (!base.ranker || !mf.ranker) throw new Error('no ranker was trained');
print('');
print(`Every model of the "${MF_FEATURE_SET}" run (test window, full catalogue):`);
print(reportToMarkdown(mf.report, { metrics: ['ndcg@10', 'recall@10'] }).split('\n\n')[0]);

// Both rankers on the same test users; the default one as the reference ("baseline").
const { testStart, end } = base.windows;
const cases = buildEvalCases(
  dataset.events.filter((e) => e.ts < testStart),
  eventsBetween(dataset.events, testStart, end),
);
const rankers = [
  new LtrRanker({ store: base.testStore, contract: base.ranker.contract, model: base.ranker.model, name: 'ltr-mlp (default features)' }),
  new LtrRanker({ store: mf.testStore, contract: mf.ranker.contract, model: mf.ranker.model, name: 'ltr-mlp (+ mf_score)' }),
];
const paired = await evaluateRankers({
  rankers,
  cases,
  catalogue: base.testStore.itemIds,
  baselineNames: [rankers[0].name],
  bootstrap: { resamples: 1000, seed: 42 },
  protocol: base.report.protocol,
});
print('');
print('The ranker with the MF feature against the default ranker (same test users):');
print(reportToMarkdown(paired, { metrics: ['ndcg@10', 'recall@10'] }).split('\n\nProtocol')[0]);
disposeTrainedRun(base);
disposeTrainedRun(mf);
