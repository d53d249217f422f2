import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { publishVersion } from '../src/registry/publish.js';
import { sampleInput, tempModelsDir } from '../src/registry/testing/models-dir.js';
import { ModelStore } from './model-store.js';
import { createRegistrySource, registrySetAlias } from './registry-source.js';
import { createFixtureModel, fixtureTables } from './testing/fixture-model.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function modelsDir(): Promise<string> {
  const { dir, cleanup } = await tempModelsDir();
  cleanups.push(cleanup);
  return dir;
}

// Stands in for the lead's servable factory: a fixture model named after the verified version.
const openFixture = async (loaded: { name: string; version: number }) =>
  createFixtureModel({ name: loaded.name, version: loaded.version, tables: fixtureTables() });

describe('createRegistrySource', () => {
  it('describes published versions and aliases, and loads verified versions', async () => {
    const dir = await modelsDir();
    await publishVersion(dir, 'demo', sampleInput(1));
    await publishVersion(dir, 'demo', sampleInput(2));
    await registrySetAlias(dir, { check: false })('demo', 'champion', 1);
    const source = createRegistrySource(dir, { openServable: openFixture });
    expect(await source.describe('demo')).toEqual({ versions: [1, 2], aliases: { champion: 1 } });
    await expect(source.describe('nope')).rejects.toThrow(/no published versions/);
    const store = new ModelStore({ source, names: ['demo'], pollIntervalMs: 0 });
    await store.start();
    expect(store.resolve('demo', { alias: 'champion' })).toBe(1);
    expect(store.resolve('demo', { alias: 'latest' })).toBe(2);
    await store.close();
  });

  it('refuses a version whose artifact changed on disk, naming the file', async () => {
    const dir = await modelsDir();
    const { dir: v1 } = await publishVersion(dir, 'demo', sampleInput(1));
    const table = path.join(v1, 'tables', 'popularity.json');
    await writeFile(table, (await readFile(table, 'utf8')).replace('"a"', '"z"'));
    const source = createRegistrySource(dir, { openServable: openFixture });
    await expect(source.load('demo', 1)).rejects.toThrow(/popularity\.json.*sha256/);
  });

  it('serves a real published version (TF.js ranker and a baseline) through the servable factory, over the seeded user state', async () => {
    const dir = await modelsDir();
    const stateDir = await mkdtemp(path.join(tmpdir(), 'registry-source-state-'));
    cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    const { trainAndPublish } = await import('../src/pipeline/train-publish.js');
    await trainAndPublish({
      data: { source: 'synthetic', seed: 3 },
      modelsDir: dir,
      stateDir,
      name: 'shop',
      kinds: ['ltr-mlp', 'popularity'],
      training: { epochs: 2, maxValidUsers: 100, bootstrapResamples: 50 },
    });
    const { liveRegistry } = await import('./live-state.js');
    const { source, userState } = await liveRegistry(dir, { stateDir });
    userState.restore();
    expect(userState.size).toBeGreaterThan(1000);
    expect(await source.describe('shop')).toEqual({ versions: [1, 2], aliases: { champion: 1 } });
    for (const version of [1, 2]) {
      const model = await source.load('shop', version);
      expect(model.kind).toBe(version === 1 ? 'ltr-mlp' : 'popularity');
      const items = model.recommend({ userId: model.warmup[0].userId, k: 5 });
      expect(items).toHaveLength(5);
      if (version === 1)
        expect(items.map((x) => x.itemId)).not.toEqual(model.recommend({ userId: 'never-seen', k: 5 }).map((x) => x.itemId));
      expect(items.every((x, i) => i === 0 || items[i - 1].score >= x.score)).toBe(true);
      const cold = model.recommend({ userId: 'never-seen', k: 3, exclude: [items[0].itemId] });
      expect(cold).toHaveLength(3);
      expect(cold.map((x) => x.itemId)).not.toContain(items[0].itemId);
      const ranked = model.rank('never-seen', ['no-such-item', items[1].itemId]);
      expect(ranked.map((x) => x.itemId)).toEqual([items[1].itemId, 'no-such-item']);
      expect(model.predict([{ userId: 'u0001', itemId: items[0].itemId }])).toHaveLength(1);
      model.dispose();
    }
    await userState.close();
    // It trains and publishes a real run: past 60 s on a busy 2-core machine.
  }, 180_000);
});
