/**
 * A separate process for the registry's tests (`node --import tsx/esm src/registry/testing/registry-child.ts
 * <mode> <modelsDir> <name> ...`), so they can load a model in a FRESH process, crash a publish
 * with a real SIGKILL, and update aliases from two processes at once. Prints one JSON line.
 */
import type { Tensor } from '@tensorflow/tfjs';
import { errorMessage } from '../../errors.js';
import { setAlias } from '../aliases.js';
import { loadVersion } from '../load-version.js';
import { publishVersion } from '../publish.js';
import { sampleInput } from './models-dir.js';

async function run(): Promise<void> {
  const [mode, modelsDir, name, ...rest] = process.argv.slice(2);
  if (mode === 'load') {
    // Predict the inputs stored beside the model and echo the tables: the test compares both.
    const loaded = await loadVersion(modelsDir, name, 'latest', { kinds: ['ltr-mlp'] });
    const inputs = await loaded.readJson<number[][]>('tables/inputs.json');
    const table = await loaded.readJson('tables/neighbours.json');
    const { tf } = await import('../../models/backend.js');
    const model = await loaded.loadLayersModel();
    const predictions = tf.tidy(() => Array.from((model.predict(tf.tensor2d(inputs), { batchSize: inputs.length }) as Tensor).dataSync()));
    model.dispose();
    process.stdout.write(`${JSON.stringify({ version: loaded.version, predictions, table, backend: tf.getBackend() })}\n`);
  } else if (mode === 'crash-publish') {
    // Killed between staging and rename, as a power cut or OOM kill would.
    await publishVersion(modelsDir, name, {
      ...sampleInput('crash'),
      hooks: {
        beforeRename: async (staging) => {
          process.stdout.write(`${JSON.stringify({ staging })}\n`);
          process.kill(process.pid, 'SIGKILL');
        },
      },
    });
  } else if (mode === 'set-aliases') {
    const [alias, ...versions] = rest;
    for (const v of versions) await setAlias(modelsDir, name, alias, Number(v));
    process.stdout.write(`${JSON.stringify({ done: versions.length })}\n`);
  } else {
    throw new Error(`unknown mode "${mode}"`);
  }
}

run().catch((err: unknown) => {
  process.stderr.write(`${errorMessage(err)}\n`);
  process.exitCode = 1;
});
