import { mkdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { NotFoundError } from '../errors.js';
import { listModels, listVersions, loadVersion, readManifest, verifyVersion } from './load-version.js';
import { publishVersion } from './publish.js';
import { RegistryError } from './registry-error.js';
import { sampleInput, tempModelsDir } from './testing/models-dir.js';

async function refusal(p: Promise<unknown>): Promise<RegistryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(RegistryError);
  return err as RegistryError;
}

describe('loading and verifying a version', () => {
  let tmp: Awaited<ReturnType<typeof tempModelsDir>>;
  let dir: string;
  const table = () => path.join(dir, 'tables', 'popularity.json');
  const manifestFile = () => path.join(dir, 'manifest.json');

  beforeEach(async () => {
    tmp = await tempModelsDir();
    dir = (await publishVersion(tmp.dir, 'demo', sampleInput('v1'))).dir;
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('loads a verified version and reads its files and JSON', async () => {
    const loaded = await loadVersion(tmp.dir, 'demo', 1, { kinds: ['popularity'] });
    expect(loaded).toMatchObject({ name: 'demo', version: 1, dir, unlisted: [] });
    expect((await loaded.readFile('warmup.json')).toString()).toBe('[{"userId":"u1","k":3}]');
    const schema = z.object({ tag: z.string(), counts: z.array(z.number()) });
    expect(await loaded.readJson('tables/popularity.json', schema)).toEqual({ tag: 'v1', counts: [3, 2, 1] });
    await expect(loaded.readJson('tables/popularity.json', z.object({ tag: z.number() }))).rejects.toThrow(
      /popularity\.json: unexpected content: field "tag"/,
    );
    await expect(loaded.readFile('other.json')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('refuses a truncated file, naming it and the sizes', async () => {
    await truncate(table(), 5);
    const err = await refusal(loadVersion(tmp.dir, 'demo', 1));
    expect(err.code).toBe('corrupt_model');
    expect(err.message).toMatch(
      /demo\/1\/tables\/popularity\.json: size mismatch \(manifest \d+ bytes, file 5 bytes; truncated or altered\)/,
    );
  });

  it('refuses a file with one byte flipped, naming both hashes', async () => {
    const bytes = await readFile(table());
    bytes[3] ^= 0x01;
    await writeFile(table(), bytes);
    const err = await refusal(loadVersion(tmp.dir, 'demo', 1));
    const { sha256 } = (await readManifest(tmp.dir, 'demo', 1)).artifacts['tables/popularity.json'];
    expect(err.message).toContain(`popularity.json: sha256 mismatch (manifest ${sha256.slice(0, 12)}..., file `);
    expect(err.file).toMatch(/demo\/1\/tables\/popularity\.json$/);
  });

  it('refuses a version whose manifest was deleted', async () => {
    await rm(manifestFile());
    const err = await refusal(loadVersion(tmp.dir, 'demo', 1));
    expect(err.message).toMatch(/demo\/1\/manifest\.json: missing/);
  });

  it('refuses malformed manifest JSON', async () => {
    await writeFile(manifestFile(), '{"formatVersion": 1, "name": "demo",');
    const err = await refusal(loadVersion(tmp.dir, 'demo', 1));
    expect(err.message).toMatch(/manifest\.json: malformed JSON/);
  });

  it('refuses an unknown format version, a kind the caller cannot serve, and an invalid manifest', async () => {
    const manifest = JSON.parse(await readFile(manifestFile(), 'utf8'));
    await expect(loadVersion(tmp.dir, 'demo', 1, { kinds: ['ltr-mlp'] })).rejects.toThrow(
      /manifest\.json: kind "popularity" cannot be served here \(supported: ltr-mlp\)/,
    );
    await writeFile(manifestFile(), JSON.stringify({ ...manifest, formatVersion: 2 }));
    const err = await refusal(loadVersion(tmp.dir, 'demo', 1));
    expect(err.code).toBe('unsupported_model');
    expect(err.message).toMatch(/unknown formatVersion 2 \(this workbench reads 1\)/);
    await writeFile(manifestFile(), JSON.stringify({ ...manifest, lineage: { ...manifest.lineage, producer: 5 } }));
    expect((await refusal(loadVersion(tmp.dir, 'demo', 1))).message).toMatch(/invalid manifest: field "lineage\.producer"/);
  });

  it('refuses a missing artifact, a copied directory, and paths escaping the version', async () => {
    await rm(path.join(dir, 'warmup.json'));
    expect((await refusal(loadVersion(tmp.dir, 'demo', 1))).message).toMatch(/demo\/1\/warmup\.json: missing \(listed in the manifest\)/);
    const manifest = JSON.parse(await readFile(manifestFile(), 'utf8'));
    await writeFile(manifestFile(), JSON.stringify({ ...manifest, version: 7 }));
    expect((await refusal(loadVersion(tmp.dir, 'demo', 1))).message).toMatch(
      /manifest says demo version 7 but the directory is demo version 1/,
    );
    const evil = { ...manifest, artifacts: { ...manifest.artifacts, '../../secret': manifest.artifacts['warmup.json'] } };
    await writeFile(manifestFile(), JSON.stringify(evil));
    expect((await refusal(loadVersion(tmp.dir, 'demo', 1))).message).toMatch(/field "artifacts\.\.\.\/\.\.\/secret"/);
  });

  it('re-checks each file as it is read, so a change after loading is caught', async () => {
    const loaded = await loadVersion(tmp.dir, 'demo', 1);
    await writeFile(table(), '{"tag":"v2","items":[],"counts":[]}');
    await expect(loaded.readJson('tables/popularity.json')).rejects.toThrow(/popularity\.json: (size|sha256) mismatch/);
  });

  it('reports files the manifest does not list, without serving them', async () => {
    await writeFile(path.join(dir, 'notes.txt'), 'hello');
    const { unlisted } = await verifyVersion(tmp.dir, 'demo', 1);
    expect(unlisted).toEqual(['notes.txt']);
    const loaded = await loadVersion(tmp.dir, 'demo', 1);
    await expect(loaded.readFile('notes.txt')).rejects.toThrow(/not an artifact of demo version 1/);
  });

  it('lists models and versions, ignoring hidden, non-integer and non-directory entries', async () => {
    await publishVersion(tmp.dir, 'demo', sampleInput('v2'));
    await publishVersion(tmp.dir, 'other', sampleInput('o1'));
    for (const d of ['demo/.staging-1-abc', 'demo/01', 'demo/tmp', '.hidden', 'bad name']) await mkdir(path.join(tmp.dir, d));
    await writeFile(path.join(tmp.dir, 'README.md'), '#');
    await writeFile(path.join(tmp.dir, 'demo', '9'), 'a file');
    expect(await listModels(tmp.dir)).toEqual(['demo', 'other']);
    expect(await listVersions(tmp.dir, 'demo')).toEqual([1, 2]);
    expect(await listVersions(tmp.dir, 'nothing')).toEqual([]);
    expect(await listModels(path.join(tmp.dir, 'missing'))).toEqual([]);
  });

  it('resolves latest and aliases, and says what does not exist', async () => {
    await publishVersion(tmp.dir, 'demo', sampleInput('v2'));
    expect((await loadVersion(tmp.dir, 'demo', 'latest')).version).toBe(2);
    await expect(loadVersion(tmp.dir, 'demo', 5)).rejects.toThrow(new NotFoundError(`model "demo" has no version 5 in ${tmp.dir}`));
    await expect(loadVersion(tmp.dir, 'demo', { alias: 'champion' })).rejects.toThrow('model "demo" has no alias "champion"');
    await expect(loadVersion(tmp.dir, 'nope', 'latest')).rejects.toBeInstanceOf(NotFoundError);
  });
});
