import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredUserStates } from '../features/index.js';
import { restoreUserState } from '../features/user-state-snapshot.js';
import { tf } from '../models/backend.js';
import { ONNX_FILE } from '../models/scoring/onnx-export.js';
import { PARITY_TOLERANCE } from '../models/scoring/select.js';
import { trainAndPublish } from '../pipeline/train-publish.js';
import { loadVersion } from '../registry/load-version.js';
import { tempModelsDir } from '../registry/testing/models-dir.js';
import type { ServableModel } from './servable.js';
import { openServable } from './servable-factory.js';

let modelsDir: string;
let stateDir: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: modelsDir, cleanup } = await tempModelsDir());
  stateDir = await mkdtemp(path.join(tmpdir(), 'onnx-scoring-state-'));
  await trainAndPublish({
    data: { source: 'synthetic', seed: 5 },
    modelsDir,
    stateDir,
    name: 'shop',
    kinds: ['ltr-mlp'],
    training: { epochs: 2, maxValidUsers: 100, bootstrapResamples: 20 },
  });
}, 180_000);

afterAll(async () => {
  await cleanup();
  await rm(stateDir, { recursive: true, force: true });
});

async function open(env?: string): Promise<ServableModel> {
  const before = process.env.WORKBENCH_SCORER;
  if (env === undefined) delete process.env.WORKBENCH_SCORER;
  else process.env.WORKBENCH_SCORER = env;
  try {
    const users = restoreUserState({ stateDir, definitions: registeredUserStates() }).store;
    return await openServable(await loadVersion(modelsDir, 'shop', 1), { users });
  } finally {
    if (before === undefined) delete process.env.WORKBENCH_SCORER;
    else process.env.WORKBENCH_SCORER = before;
  }
}

describe('a published ltr-mlp version scores with onnxruntime-node', () => {
  it('carries model.onnx as a hashed artifact, checked against TF.js on the warm-up requests at publish', async () => {
    const loaded = await loadVersion(modelsDir, 'shop', 1);
    expect(loaded.manifest.artifacts[ONNX_FILE]).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const scoring = loaded.manifest.scoring as { onnx: string; parity: { maxAbsDiff: number; requests: number; tolerance: number } };
    expect(scoring.onnx).toBe(ONNX_FILE);
    expect(scoring.parity.requests).toBeGreaterThan(0);
    expect(scoring.parity.maxAbsDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
  });

  it('serves through ONNX (checked again at load), and falls back to TF.js with the same rankings when disabled', async () => {
    const tensors = tf.memory().numTensors;
    const native = await open();
    expect(native.scoring?.backend).toBe('onnxruntime');
    expect(native.scoring?.parity?.maxAbsDiff).toBeLessThanOrEqual(PARITY_TOLERANCE);
    expect(native.scoring?.reason).toMatch(/onnxruntime-node .*equals TF.js within 0.00001/);
    const fallback = await open('tfjs');
    expect(fallback.scoring).toEqual({ backend: 'tfjs', reason: 'WORKBENCH_SCORER=tfjs' });
    for (const q of native.warmup) {
      const a = native.recommend(q);
      const b = fallback.recommend(q);
      expect(a.length).toBe(b.length);
      for (const [i, it] of a.entries()) expect(Math.abs(it.score - b[i].score)).toBeLessThanOrEqual(PARITY_TOLERANCE);
    }
    native.dispose();
    fallback.dispose();
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it('refuses a version whose model.onnx changed on disk, naming the file', async () => {
    const { dir } = await loadVersion(modelsDir, 'shop', 1);
    await writeFile(path.join(dir, ONNX_FILE), 'not onnx');
    await expect(loadVersion(modelsDir, 'shop', 1)).rejects.toThrow(/model\.onnx/);
  });
});
