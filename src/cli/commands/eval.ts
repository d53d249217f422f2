/**
 * `workbench eval [--source ...] [--path P] [--json]`: runs the offline protocol (temporal split,
 * baselines tuned on validation, the TF.js ranker early-stopped on validation, everything ranked
 * over the full catalogue on the test window) and prints the report.
 */
import { UsageError } from '../../errors.js';
import { type Command, parseCommandArgs, printJson } from '../context.js';
import { DATASET_OPTIONS, DATASET_USAGE, datasetSpecFrom } from '../dataset-args.js';
import { TRAINING_OPTIONS, TRAINING_USAGE, trainRunOptionsFrom } from '../training-args.js';

export const evalCommand: Command = {
  summary: 'Evaluate every baseline and the TF.js ranker offline (temporal split, full catalogue, bootstrap intervals)',
  usage: `workbench eval ${DATASET_USAGE} ${TRAINING_USAGE} [--out FILE.md] [--json]`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(argv, { ...DATASET_OPTIONS, ...TRAINING_OPTIONS, out: { type: 'string' } }, true);
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${this.usage}`);
    const spec = await datasetSpecFrom(values, io);
    const options = trainRunOptionsFrom(values);
    const { loadDataset } = await import('../../data/load.js');
    const { disposeTrainedRun, trainAndEvaluate } = await import('../../offline/train-evaluate.js');
    const { reportToMarkdown, truthReportToMarkdown } = await import('../../eval/index.js');
    io.err(`loading ${spec.source}${spec.path ? ` from ${spec.path}` : ''} ...`);
    const dataset = await loadDataset(spec);
    const run = await trainAndEvaluate(dataset, { ...options, log: (l) => io.err(l) });
    disposeTrainedRun(run);
    // The synthetic store knows what users truly like: the report then also says how close each model gets.
    const sections = [reportToMarkdown(run.report), ...(run.truth ? [truthReportToMarkdown(run.truth)] : [])];
    const markdown = sections.join('\n\n');
    if (values.out) {
      const { writeFileSync } = await import('node:fs');
      const { resolve } = await import('node:path');
      const file = resolve(io.cwd, values.out);
      writeFileSync(file, `${markdown}\n`);
      io.err(`report written to ${file}`);
    }
    if (values.json)
      printJson(io, {
        report: run.report,
        truth: run.truth ?? null,
        baselines: run.baselines,
        timings: run.timings,
        backend: run.tfjsBackend,
        params: run.params,
      });
    else io.out(markdown);
    return 0;
  },
};
