/**
 * `workbench train --name NAME [--source ...] [--path P] [--kind KIND]... [--models DIR] [--json]`:
 * trains, evaluates (the offline protocol) and publishes one version per kind; the first version of
 * a model becomes `champion`. KIND is any registered model kind (src/models/kinds.ts): the built-in
 * ones, or those the modules in WORKBENCH_MODEL_KINDS register.
 */
import { UsageError } from '../../errors.js';
import { type Command, MODELS_OPTION, modelsDir, parseCommandArgs, printJson, STATE_OPTION, stateDir } from '../context.js';
import { DATASET_OPTIONS, DATASET_USAGE, datasetSpecFrom } from '../dataset-args.js';
import { TRAINING_OPTIONS, TRAINING_USAGE, trainRunOptionsFrom } from '../training-args.js';

/** The built-in kinds, for the usage text (loading the registry would load TensorFlow.js). */
const BUILT_IN_KINDS = ['ltr-mlp', 'popularity', 'repeat', 'cooccurrence', 'attributes'] as const;

export const trainCommand: Command = {
  summary: 'Train, evaluate and publish one model version (the first becomes champion)',
  usage: `workbench train --name NAME ${DATASET_USAGE} [--kind ${BUILT_IN_KINDS.join('|')}|REGISTERED]... ${TRAINING_USAGE} [--models DIR] [--state DIR] [--json]`,
  async run(argv, io) {
    const { values, positionals } = parseCommandArgs(
      argv,
      {
        ...DATASET_OPTIONS,
        ...TRAINING_OPTIONS,
        ...MODELS_OPTION,
        ...STATE_OPTION,
        name: { type: 'string' },
        kind: { type: 'string', multiple: true },
      },
      true,
    );
    if (positionals.length) throw new UsageError(`unexpected argument "${positionals[0]}"; usage: ${this.usage}`);
    if (!values.name) throw new UsageError(`--name is required; usage: ${this.usage}`);
    const { hasModelKind, modelKinds } = await import('../../models/kinds.js');
    const kinds = values.kind ?? ['ltr-mlp'];
    for (const k of kinds) {
      if (!hasModelKind(k)) {
        const known = modelKinds()
          .map((m) => m.name)
          .join(', ');
        throw new UsageError(
          `--kind "${k}" is not a registered model kind (${known}; WORKBENCH_MODEL_KINDS lists modules that register more)`,
        );
      }
    }
    const spec = await datasetSpecFrom(values, io);
    const { trainAndPublish } = await import('../../pipeline/train-publish.js');
    const dir = modelsDir(values.models, io);
    const { published, report } = await trainAndPublish({
      data: spec,
      modelsDir: dir,
      name: values.name,
      kinds,
      training: trainRunOptionsFrom(values),
      stateDir: stateDir(values.state, io),
      log: (l) => io.err(l),
    });
    if (values.json) printJson(io, { modelsDir: dir, published, report });
    else {
      const { reportToMarkdown } = await import('../../eval/report-markdown.js');
      io.out(reportToMarkdown(report, { metrics: ['ndcg@10', 'recall@10', 'mrr', 'auc'] }));
      for (const p of published)
        io.out(`published ${values.name} v${p.version} (${p.kind}) at ${p.dir}${p.aliases.length ? ` [${p.aliases.join(', ')}]` : ''}`);
    }
    return 0;
  },
};
