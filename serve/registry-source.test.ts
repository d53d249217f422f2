import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../src/paths.js';
import { publishVersion } from '../src/registry/publish.js';
import { sampleInput, tempModelsDir } from '../src/registry/testing.js';
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
    await registrySetAlias(dir)('demo', 'champion', 1);
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

  it.skipIf(existsSync(path.join(PROJECT_ROOT, 'src', 'registry', 'servable-factory.ts')))(
    'without a servable factory, refuses versions with a message saying what is missing',
    async () => {
      const dir = await modelsDir();
      await publishVersion(dir, 'demo', sampleInput(1));
      const source = createRegistrySource(dir);
      await expect(source.load('demo', 1)).rejects.toThrow(/servable-factory/);
    },
  );
});
