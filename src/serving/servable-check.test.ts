/**
 * A version that verifies but cannot be served (its weights truncated and the manifest's hashes
 * updated to match) must not be promoted: `checkServable` opens and warms it as the service would,
 * and `workbench models promote` and the registry's setAlias refuse it, leaving the alias alone.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../cli/main.js';
import { recordingIO } from '../cli/testing/recording-io.js';
import { trainAndPublish } from '../pipeline/train-publish.js';
import { setAlias } from '../registry/aliases.js';
import { readAliases } from '../registry/aliases-store.js';
import { RegistryError } from '../registry/registry-error.js';
import { checkServable } from './servable-check.js';

let root: string;
let modelsDir: string;

beforeAll(async () => {
  root = await mkdtemp(path.join(tmpdir(), 'servable-check-'));
  modelsDir = path.join(root, 'models');
  await trainAndPublish({
    data: { source: 'synthetic', seed: 5 },
    modelsDir,
    name: 'shop',
    kinds: ['ltr-mlp', 'popularity'],
    training: { epochs: 1, maxValidUsers: 50, bootstrapResamples: 20 },
  });
  // Version 1 (the TF.js ranker): truncate its weights and update the manifest so it still verifies.
  const manifestFile = path.join(modelsDir, 'shop', '1', 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8')) as { artifacts: Record<string, { sha256: string; bytes: number }> };
  const weights = Object.keys(manifest.artifacts).find((f) => f.endsWith('.bin'));
  if (!weights) throw new Error('the ltr-mlp version has no weights file');
  const bytes = await readFile(path.join(modelsDir, 'shop', '1', weights));
  const cut = bytes.subarray(0, Math.floor(bytes.byteLength / 2));
  await writeFile(path.join(modelsDir, 'shop', '1', weights), cut);
  manifest.artifacts[weights] = { sha256: createHash('sha256').update(cut).digest('hex'), bytes: cut.byteLength };
  await writeFile(manifestFile, JSON.stringify(manifest));
}, 240_000);
afterAll(() => rm(root, { recursive: true, force: true }));

describe('checkServable', () => {
  it('passes a sound version and refuses one whose truncated weights verify', async () => {
    await checkServable(modelsDir, 'shop', 2);
    await expect(checkServable(modelsDir, 'shop', 1)).rejects.toMatchObject({ code: 'unservable' });
  });

  it('setAlias with the check refuses the version and leaves the alias unchanged', async () => {
    const check = (name: string, version: number) => checkServable(modelsDir, name, version);
    await expect(setAlias(modelsDir, 'shop', 'challenger', 1, { check })).rejects.toBeInstanceOf(RegistryError);
    expect(await readAliases(modelsDir, 'shop')).not.toHaveProperty('challenger');
  });

  it('workbench models promote refuses it (exit 1, naming why), and --no-check only verifies files', async () => {
    const io = recordingIO('/', { WORKBENCH_MODELS_DIR: modelsDir });
    expect(await main(['models', 'promote', 'shop', '1', '--alias', 'challenger'], io)).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/version 1 of model "shop" cannot be served/);
    expect(await readAliases(modelsDir, 'shop')).not.toHaveProperty('challenger');
    expect(await main(['models', 'promote', 'shop', '2', '--alias', 'challenger'], io)).toBe(0);
    expect(await main(['models', 'promote', 'shop', '1', '--alias', 'challenger', '--no-check'], io)).toBe(0);
    // Rolling back checks its target too: back to 2 (sound) is fine.
    expect(await main(['models', 'rollback', 'shop', '--alias', 'challenger'], io)).toBe(0);
    expect((await readAliases(modelsDir, 'shop')).challenger).toBe(2);
  });
});
