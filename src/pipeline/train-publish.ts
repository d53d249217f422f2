/**
 * `workbench train` in one call: load, train and evaluate, publish the chosen kinds (any
 * registered kind: src/models/kinds.ts), and set `champion` when the model has none yet. Returns
 * what was published and the report.
 */
import { type DatasetSpec, loadDataset } from '../data/load.js';
import type { EvalReport } from '../eval/protocol.js';
import { modelKind } from '../models/kinds.js';
import { LTR_KIND } from '../models/ltr/index.js';
import { disposeTrainedRun, servingStore, type TrainRunOptions, trainAndEvaluate } from '../offline/train-evaluate.js';
import { setAlias } from '../registry/aliases.js';
import { readAliases } from '../registry/aliases-store.js';
import { type PublishKind, publishRun } from './publish-model.js';
import { seedUserState } from './seed-state.js';

/** Options of `trainAndPublish`. */
export interface TrainPublishOptions {
  data: DatasetSpec;
  modelsDir: string;
  name: string;
  /**
   * What to publish, by registered kind name (default ["ltr-mlp"]). The scorer kinds among them are
   * trained (with any in `training.kinds`); the report always covers every baseline and every
   * trained scorer.
   */
  kinds?: PublishKind[];
  training?: TrainRunOptions;
  producer?: string;
  /** Seed the user state folder from the training data (what the service restores on start). */
  stateDir?: string;
  log?: (line: string) => void;
}

/** One published version. */
export interface PublishedVersion {
  kind: PublishKind;
  version: number;
  dir: string;
  aliases: string[];
}

/** Trains, evaluates and publishes; the first version of a model becomes `champion`. */
export async function trainAndPublish(opts: TrainPublishOptions): Promise<{ published: PublishedVersion[]; report: EvalReport }> {
  const log = opts.log ?? (() => {});
  const kinds = opts.kinds ?? [LTR_KIND];
  // Unknown kinds fail here, before the data is loaded.
  const scorers = kinds.filter((k) => modelKind(k).family === 'scorer');
  const trainKinds = [...new Set([...(opts.training?.kinds ?? []), ...scorers])];
  for (const k of trainKinds) modelKind(k);
  const dataset = await loadDataset(opts.data);
  log(`loaded ${dataset.source}: ${dataset.events.length} events, ${dataset.items.length} items`);
  const run = await trainAndEvaluate(dataset, { ...opts.training, kinds: trainKinds, skipRanker: trainKinds.length === 0, log });
  try {
    const serving = await servingStore(dataset, run.windows, opts.training);
    const published: PublishedVersion[] = [];
    for (const kind of kinds) {
      const result = await publishRun(run, {
        modelsDir: opts.modelsDir,
        name: opts.name,
        kind,
        dataset,
        serving,
        producer: opts.producer ?? 'workbench train',
      });
      const aliases: string[] = [];
      if ((await readAliases(opts.modelsDir, opts.name)).champion === undefined) {
        await setAlias(opts.modelsDir, opts.name, 'champion', result.version);
        aliases.push('champion');
      }
      published.push({ kind, version: result.version, dir: result.dir, aliases });
      log(`published ${opts.name} version ${result.version} (${kind})${aliases.length ? ` as ${aliases.join(', ')}` : ''}`);
    }
    if (opts.stateDir) {
      const seeded = seedUserState(opts.stateDir, dataset, run.windows.end, opts.training?.features?.sessionGapMinutes);
      log(`user state: ${seeded.users} users seeded into ${seeded.file} (${seeded.ms} ms)`);
    }
    return { published, report: run.report };
  } finally {
    disposeTrainedRun(run);
  }
}
