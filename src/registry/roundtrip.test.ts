import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../models/backend.js';
import { layersModelFiles } from './io-handlers.js';
import { loadVersion } from './load-version.js';
import { publishVersion } from './publish.js';
import { runChild, tempModelsDir } from './testing/models-dir.js';

const INPUTS = [
  [0.1, 0.2, 0.3, 0.4],
  [1, 0, -1, 0.5],
  [-2, 3, 0.25, 1],
  [0, 0, 0, 0],
];
const NEIGHBOURS = { items: ['a', 'b', 'c'], neighbours: [[1, 2], [0], []], weights: [[0.5, 0.25], [1], []] };

function scorer(): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.dense({ units: 8, inputShape: [4], activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) }),
  );
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }), biasInitializer: 'ones' }));
  return model;
}

describe('publish -> load round trip', () => {
  beforeAll(async () => {
    await initBackend();
  });

  it('a published TF.js model and its tables load in a fresh process with identical predictions', async () => {
    const tmp = await tempModelsDir();
    try {
      const before = tf.memory().numTensors;
      const model = scorer();
      const expected = tf.tidy(() =>
        Array.from((model.predict(tf.tensor2d(INPUTS), { batchSize: INPUTS.length }) as tf.Tensor).dataSync()),
      );
      const files = {
        ...(await layersModelFiles(model)),
        'tables/inputs.json': JSON.stringify(INPUTS),
        'tables/neighbours.json': JSON.stringify(NEIGHBOURS),
        'warmup.json': JSON.stringify([{ userId: 'u1', k: 5 }]),
      };
      model.dispose();
      const published = await publishVersion(tmp.dir, 'scorer', {
        files,
        manifest: {
          kind: 'ltr-mlp',
          featureContract: { names: ['f1', 'f2', 'f3', 'f4'], normalisation: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } },
          metrics: { 'ndcg@10': { mean: 0.31, lo: 0.29, hi: 0.33 } },
          lineage: {
            data: { source: 'synthetic', sha256: 'abc' },
            split: { trainEnd: '2024-01-01' },
            params: { hidden: [8] },
            seed: 3,
            producer: 'roundtrip.test.ts',
            tfjsBackend: tf.getBackend(),
          },
          warmup: 'warmup.json',
        },
      });
      expect(Object.keys(published.manifest.artifacts).sort()).toEqual([
        'model.json',
        'tables/inputs.json',
        'tables/neighbours.json',
        'warmup.json',
        'weights.bin',
      ]);

      // Same process, through the verified loader: identical, and no tensors left behind.
      const loaded = await loadVersion(tmp.dir, 'scorer', 'latest', { kinds: ['ltr-mlp'] });
      const again = await loaded.loadLayersModel();
      const here = tf.tidy(() => Array.from((again.predict(tf.tensor2d(INPUTS), { batchSize: INPUTS.length }) as tf.Tensor).dataSync()));
      again.dispose();
      expect(here).toEqual(expected);
      expect(tf.memory().numTensors).toBe(before);

      const child = await runChild(['load', tmp.dir, 'scorer']);
      expect(child.stderr).toBe('');
      const out = JSON.parse(child.stdout) as { version: number; predictions: number[]; table: unknown; backend: string };
      expect(out.version).toBe(1);
      expect(out.backend).toBe(tf.getBackend());
      expect(out.predictions).toEqual(expected);
      expect(out.table).toEqual(NEIGHBOURS);
    } finally {
      await tmp.cleanup();
    }
  });
});
