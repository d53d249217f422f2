import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { errorMessage } from '../errors.js';
import { initBackend, tf } from '../models/backend.js';
import { fileLoadHandler, fileSaveHandler, layersModelFiles, loadHandlerFrom } from './io-handlers.js';
import { RegistryError } from './registry-error.js';
import { tempModelsDir } from './testing/models-dir.js';

function smallModel(): tf.Sequential {
  const model = tf.sequential();
  model.add(
    tf.layers.dense({ units: 4, inputShape: [3], activation: 'relu', kernelInitializer: tf.initializers.randomNormal({ seed: 7 }) }),
  );
  model.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.randomNormal({ seed: 8 }), biasInitializer: 'ones' }));
  return model;
}

function predict(model: tf.LayersModel, rows: number[][]): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor2d(rows), { batchSize: rows.length }) as tf.Tensor).dataSync() as Float32Array);
}

const ROWS = [
  [0, 1, 2],
  [1, -1, 0.5],
  [3, 0.25, -2],
];

describe('TF.js file IO handlers (no native file:// handler)', () => {
  let tmp: Awaited<ReturnType<typeof tempModelsDir>>;
  beforeAll(async () => {
    await initBackend();
  });
  beforeEach(async () => {
    tmp = await tempModelsDir();
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('saves model.json + weights.bin and loads a model with identical predictions, leaking no tensors', async () => {
    const before = tf.memory().numTensors;
    const model = smallModel();
    const expected = predict(model, ROWS);
    const result = await model.save(fileSaveHandler(tmp.dir));
    expect(result.modelArtifactsInfo.weightDataBytes).toBe((3 * 4 + 4 + 4 * 1 + 1) * 4);
    const json = JSON.parse(await readFile(path.join(tmp.dir, 'model.json'), 'utf8'));
    expect(json.weightsManifest).toEqual([{ paths: ['weights.bin'], weights: expect.any(Array) }]);
    expect(json.weightsManifest[0].weights.map((w: { name: string }) => w.name)).toHaveLength(4);
    expect(json.modelTopology.class_name ?? json.modelTopology.config).toBeDefined();
    expect((await readFile(path.join(tmp.dir, 'weights.bin'))).length).toBe(result.modelArtifactsInfo.weightDataBytes);

    const loaded = await tf.loadLayersModel(fileLoadHandler(tmp.dir));
    expect(Array.from(predict(loaded, ROWS))).toEqual(Array.from(expected));
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('layersModelFiles gives the same files as saving to a directory', async () => {
    const before = tf.memory().numTensors;
    const model = smallModel();
    const files = await layersModelFiles(model);
    expect(Object.keys(files).sort()).toEqual(['model.json', 'weights.bin']);
    await model.save(fileSaveHandler(tmp.dir));
    expect(Buffer.from(files['weights.bin']).equals(await readFile(path.join(tmp.dir, 'weights.bin')))).toBe(true);
    const loaded = await tf.loadLayersModel(loadHandlerFrom(async (f) => files[f]));
    expect(Array.from(predict(loaded, ROWS))).toEqual(Array.from(predict(model, ROWS)));
    model.dispose();
    loaded.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a malformed model.json naming the file', async () => {
    await writeFile(path.join(tmp.dir, 'model.json'), '{"modelTopology": ');
    const err = await tf.loadLayersModel(fileLoadHandler(tmp.dir)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect(errorMessage(err)).toMatch(/model\.json: malformed JSON/);
    await writeFile(path.join(tmp.dir, 'model.json'), '{"format": "layers-model"}');
    await expect(tf.loadLayersModel(fileLoadHandler(tmp.dir))).rejects.toThrow(/model\.json: not a TF\.js layers model/);
  });
});
