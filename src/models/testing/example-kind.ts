/**
 * Test helpers for model kinds (imported by tests only): a kind module as a data scientist would
 * write it, the README's `ltr-linear`, written to a directory so that this process
 * (importModelKinds) and a fresh one (WORKBENCH_MODEL_KINDS) can both load it.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../../paths.js';

const src = (rel: string) => pathToFileURL(path.join(PROJECT_ROOT, 'src', rel)).href;

/** The source of a module registering `ltr-linear`: one Dense layer over the features. */
export function linearKindModule(): string {
  return `
import { registerModelKind } from '${src('models/kinds.ts')}';
import { tf } from '${src('models/backend.ts')}';

export const LTR_LINEAR = registerModelKind({
  family: 'scorer',
  name: 'ltr-linear',
  description: 'one Dense layer over the features (a linear scorer)',
  defaults: {},
  training: { l2: 1e-4, learningRate: 0.01 },
  createModel: ({ inputDim, seed }) => {
    const features = tf.input({ shape: [inputDim], name: 'features' });
    const score = tf.layers
      .dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed }), name: 'score' })
      .apply(features);
    return tf.model({ inputs: features, outputs: score, name: 'ltr-linear' });
  },
});
`;
}

/** Writes the `ltr-linear` kind module into `dir`; returns its path (an .mts file: ESM wherever it lives). */
export async function writeLinearKindModule(dir: string): Promise<string> {
  const file = path.join(dir, 'ltr-linear.mts');
  await writeFile(file, linearKindModule());
  return file;
}
