/**
 * A model kind registered outside the registry code goes the whole way: the test writes a kind
 * module (`ltr-linear`: one Dense layer over the features, see testing/example-kind.ts), registers it, trains it next to
 * ltr-mlp in one run, publishes both into a temp models dir, loads the new kind through the path
 * the service uses (loadVersion + openServable), and serves both as A/B arms from a real
 * `workbench serve` process that learns the kind from WORKBENCH_MODEL_KINDS. A version whose kind
 * is not registered is refused, naming the kind.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServeProcess } from '../cli/testing/serve-process.js';
import { generateSyntheticStore } from '../data/synthetic-store.js';
import { type FeatureTables, featureStoreFromTables, withNormalisation } from '../features/index.js';
import { initBackend, tf } from '../models/backend.js';
import { hasModelKind, importModelKinds, modelKind, scorerRanker } from '../models/kinds.js';
import { LtrRanker } from '../models/ltr/index.js';
import { writeLinearKindModule } from '../models/testing/example-kind.js';
import { disposeTrainedRun, servingStore, type TrainedRun, trainAndEvaluate } from '../offline/train-evaluate.js';
import { setAlias } from '../registry/aliases.js';
import { layersModelFiles } from '../registry/io-handlers.js';
import { loadVersion } from '../registry/load-version.js';
import { publishVersion } from '../registry/publish.js';
import { FEATURES_FILE, openServable, rankerFromVersion } from '../serving/servable-factory.js';
import { publishRun } from './publish-model.js';

const dataset = generateSyntheticStore({ users: 300, items: 100, weeks: 6 });
const TRAINING = { epochs: 2, maxValidUsers: 100, bootstrapResamples: 50 };

let tmp: string;
let kindFile: string;
let modelsDir: string;
let run: TrainedRun | undefined;

beforeAll(async () => {
  await initBackend();
  tmp = await mkdtemp(path.join(os.tmpdir(), 'model-kinds-'));
  kindFile = await writeLinearKindModule(tmp);
  modelsDir = path.join(tmp, 'models');
  expect(await importModelKinds(path.basename(kindFile), tmp)).toEqual(['ltr-linear']);
});

afterAll(async () => {
  disposeTrainedRun(run);
  await rm(tmp, { recursive: true, force: true });
});

describe('a model kind registered outside the registry code', () => {
  it('is trained next to ltr-mlp and evaluated in the same report, leaving ltr-mlp unchanged', async () => {
    expect(hasModelKind('ltr-linear')).toBe(true);
    const baseline = await trainAndEvaluate(dataset, TRAINING);
    const both = await trainAndEvaluate(dataset, { ...TRAINING, kinds: ['ltr-mlp', 'ltr-linear'] });
    run = both;
    try {
      expect(baseline.scorers.map((s) => s.kind)).toEqual(['ltr-mlp']);
      expect(both.scorers.map((s) => s.kind)).toEqual(['ltr-mlp', 'ltr-linear']);
      expect(both.ranker?.kind).toBe('ltr-mlp');
      const names = both.report.models.map((m) => m.name);
      expect(names).toEqual([...baseline.report.models.map((m) => m.name), 'ltr-linear']);
      expect(both.report.comparisons.map((c) => c.model)).toEqual(['ltr-mlp', 'ltr-linear']);
      // ltr-mlp trains and scores exactly as in a default run.
      const mlp = (r: TrainedRun) => r.report.models.find((m) => m.name === 'ltr-mlp')?.metrics;
      expect(mlp(both)).toEqual(mlp(baseline));
      // The kind's own training knobs apply to it only; its architecture is the kind's.
      const linear = both.scorers[1];
      expect(linear.training).toMatchObject({ l2: 1e-4, learningRate: 0.01 });
      expect(both.scorers[0].training).toMatchObject({ l2: 1e-5, learningRate: 0.003 });
      expect(linear.model.layers.map((l) => l.name)).toEqual(['features', 'score']);
    } finally {
      disposeTrainedRun(baseline);
    }
  }, 240_000);

  it('is published and loaded through the registry (verify + openServable) as an LtrRanker named after the kind', async () => {
    if (!run) throw new Error('no run');
    const serving = await servingStore(dataset, run.windows);
    const common = { modelsDir, name: 'shop', dataset, serving, producer: 'model-kinds.test' };
    const v1 = await publishRun(run, { ...common, kind: 'ltr-mlp' });
    const v2 = await publishRun(run, { ...common, kind: 'ltr-linear' });
    await setAlias(modelsDir, 'shop', 'champion', v1.version);
    await setAlias(modelsDir, 'shop', 'challenger', v2.version);

    const loaded = await loadVersion(modelsDir, 'shop', v2.version);
    expect(loaded.manifest.kind).toBe('ltr-linear');
    expect(loaded.manifest.rankerParams).toMatchObject({ training: { l2: 1e-4 }, epochsRun: 2 });
    expect(Object.keys(loaded.manifest.artifacts)).toEqual(expect.arrayContaining(['model.json', 'features.json']));
    const ranker = await rankerFromVersion(loaded, featureStoreFromTables(await loaded.readJson<FeatureTables>(FEATURES_FILE)));
    expect(ranker).toBeInstanceOf(LtrRanker);
    expect(ranker.name).toBe('ltr-linear');
    ranker.dispose();
    const model = await openServable(loaded, { users: serving.users });
    try {
      expect(model.kind).toBe('ltr-linear');
      const userId = model.warmup[0].userId;
      const items = model.recommend({ userId, k: 5 });
      expect(items).toHaveLength(5);
      expect(items.every((x, i) => i === 0 || items[i - 1].score >= x.score)).toBe(true);
      expect(model.rank('never-seen', [items[1].itemId, 'no-such-item']).map((x) => x.itemId)).toEqual([items[1].itemId, 'no-such-item']);
      // The loaded model scores what the trained one scores.
      const trained = run.scorers[1];
      const normalisation = trained.contract.normalisation;
      if (!normalisation) throw new Error('no normalisation');
      const kind = modelKind('ltr-linear');
      if (kind.family !== 'scorer') throw new Error('ltr-linear is not a scorer kind');
      const inMemory = scorerRanker(kind, {
        store: withNormalisation(serving, normalisation),
        contract: trained.contract,
        model: trained.model,
      });
      expect(inMemory.name).toBe('ltr-linear');
      const scores = inMemory.score({ userId, candidates: items.map((x) => x.itemId) });
      expect(items.map((x) => x.score)).toEqual(Array.from(scores, (s) => expect.closeTo(s, 5)));
    } finally {
      model.dispose();
    }
  });

  it('refuses to load a version whose kind is not registered, naming the kind', async () => {
    const scorer = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [2] })] });
    const files = await layersModelFiles(scorer);
    scorer.dispose();
    const contract = { version: 1, names: ['a', 'b'], normalisation: { mean: [0, 0], std: [1, 1] } };
    const lineage = { data: { source: 'synthetic' }, gitCommit: null, producer: 'test' };
    const { version } = await publishVersion(modelsDir, 'odd', {
      files,
      manifest: { kind: 'ltr-unregistered', featureContract: contract, lineage },
    });
    const loaded = await loadVersion(modelsDir, 'odd', version);
    await expect(openServable(loaded)).rejects.toThrow(
      /kind "ltr-unregistered" is not registered in this process \(registered: ltr-mlp, .*ltr-linear\)/,
    );
    if (!run) throw new Error('no run');
    const serving = await servingStore(dataset, run.windows);
    await expect(publishRun(run, { modelsDir, name: 'odd', kind: 'ltr-unregistered', dataset, serving, producer: 'test' })).rejects.toThrow(
      /unknown model kind "ltr-unregistered"/,
    );
    await expect(trainAndEvaluate(dataset, { kinds: ['ltr-unregistered'] })).rejects.toThrow(/unknown model kind "ltr-unregistered"/);
  });
});

/** Starts `workbench serve` on the temp models dir; resolves once it listens. */
const startService = (env: Record<string, string>, args: string[]) =>
  startServeProcess(['--models', modelsDir, '--name', 'shop', '--workers', '1', ...args], env, { startTimeoutMs: 60_000 });

type VersionState = { version: number; state: string; error?: string };

async function settledVersions(url: string): Promise<VersionState[]> {
  const deadline = Date.now() + 30_000;
  let versions: VersionState[] = [];
  while (Date.now() < deadline) {
    versions = ((await (await fetch(`${url}/v1/models/shop`)).json()) as { model_version_status: VersionState[] }).model_version_status;
    if (versions.length > 0 && versions.every((v) => v.state === 'AVAILABLE' || v.state === 'FAILED')) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return versions;
}

describe('the service', () => {
  it('serves the new kind as an A/B arm when WORKBENCH_MODEL_KINDS names its module', async () => {
    const experiment = path.join(tmp, 'mlp-vs-linear.json');
    await writeFile(
      experiment,
      JSON.stringify({
        id: 'mlp-vs-linear',
        salt: 'mlp-vs-linear-1',
        model: 'shop',
        variants: [
          { name: 'mlp', weight: 50, alias: 'champion' },
          { name: 'linear', weight: 50, alias: 'challenger' },
        ],
      }),
    );
    const service = await startService({ WORKBENCH_MODEL_KINDS: kindFile }, [
      '--experiment',
      experiment,
      '--events',
      path.join(tmp, 'events'),
    ]);
    try {
      const versions = await settledVersions(service.url);
      expect(versions.map((v) => [v.version, v.state])).toEqual([
        [2, 'AVAILABLE'],
        [1, 'AVAILABLE'],
      ]);
      const served = new Map<string, number>();
      for (let u = 1; u <= 40; u++) {
        const userId = `u${String(u).padStart(4, '0')}`;
        const res = await fetch(`${service.url}/v1/recommendations`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ userId, k: 5 }),
        });
        expect(res.status).toBe(200);
        const body = (await res.json()) as { items: unknown[]; variant: string; model: { version: number } };
        expect(body.items).toHaveLength(5);
        served.set(body.variant, body.model.version);
      }
      expect(Object.fromEntries(served)).toEqual({ mlp: 1, linear: 2 });
    } finally {
      await service.stop();
    }
  }, 120_000);

  it('refuses the version (naming its kind) when the kind is not registered there, and keeps serving the others', async () => {
    const service = await startService({ WORKBENCH_MODEL_KINDS: '' }, ['--events', path.join(tmp, 'events')]);
    try {
      const versions = await settledVersions(service.url);
      expect(versions.find((v) => v.version === 1)?.state).toBe('AVAILABLE');
      const refused = versions.find((v) => v.version === 2);
      expect(refused?.state).toBe('FAILED');
      expect(refused?.error).toMatch(/kind "ltr-linear" is not registered in this process/);
    } finally {
      await service.stop();
    }
  }, 120_000);
});
