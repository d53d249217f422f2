import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { errorMessage } from '../errors.js';
import { sha256Hex } from './fsutil.js';
import { listVersions, loadVersion, readManifest, verifyVersion } from './load-version.js';
import { prune } from './prune.js';
import { gitCommit, listStaging, publishVersion } from './publish.js';
import { RegistryError } from './registry-error.js';
import { runChild, sampleInput, tempModelsDir } from './testing/models-dir.js';

describe('publishVersion', () => {
  let tmp: Awaited<ReturnType<typeof tempModelsDir>>;
  beforeEach(async () => {
    tmp = await tempModelsDir();
  });
  afterEach(async () => {
    await tmp.cleanup();
  });

  it('writes models/<name>/<version>/ with a manifest listing every file with its sha256 and size', async () => {
    const input = sampleInput('first');
    const r = await publishVersion(tmp.dir, 'demo', input);
    expect(r.version).toBe(1);
    expect(r.dir).toBe(path.join(tmp.dir, 'demo', '1'));
    const table = input.files['tables/popularity.json'] as string;
    expect(r.manifest.artifacts['tables/popularity.json']).toEqual({ sha256: sha256Hex(table), bytes: Buffer.byteLength(table) });
    expect(Object.keys(r.manifest.artifacts).sort()).toEqual(['tables/popularity.json', 'warmup.json']);
    expect(r.manifest).toMatchObject({ formatVersion: 1, name: 'demo', version: 1, kind: 'popularity', warmup: 'warmup.json' });
    expect(r.manifest.lineage).toMatchObject({ producer: 'test', seed: 1, gitCommit: null, tfjsBackend: null, split: {} });
    expect(Date.parse(r.manifest.createdAt)).toBeGreaterThan(Date.now() - 60_000);
    expect(await readManifest(tmp.dir, 'demo', 1)).toEqual(r.manifest);
    expect((await readdir(r.dir)).sort()).toEqual(['manifest.json', 'tables', 'warmup.json']);
    expect(await listStaging(tmp.dir, 'demo')).toEqual([]);

    const second = await publishVersion(tmp.dir, 'demo', sampleInput('second'));
    expect(second.version).toBe(2);
    expect(await listVersions(tmp.dir, 'demo')).toEqual([1, 2]);
  });

  it('fills lineage.gitCommit from git when not given (a commit hash, or null outside a checkout)', async () => {
    const input = sampleInput();
    const { gitCommit: _omit, ...lineage } = input.manifest.lineage;
    const r = await publishVersion(tmp.dir, 'demo', { ...input, manifest: { ...input.manifest, lineage } });
    expect(r.manifest.lineage.gitCommit === null || /^[0-9a-f]{40,64}$/.test(r.manifest.lineage.gitCommit)).toBe(true);
    expect(await gitCommit(tmp.dir)).toBeNull();
  });

  it('refuses bad input before writing anything, naming the problem', async () => {
    const cases: [Parameters<typeof publishVersion>[2], RegExp][] = [
      [{ ...sampleInput(), files: { '../escape.json': '{}' } }, /"\.\.\/escape\.json" is not allowed/],
      [{ ...sampleInput(), files: { 'manifest.json': '{}' } }, /"manifest\.json" is not allowed/],
      [{ ...sampleInput(), files: {} }, /no files/],
      [sampleInput(0, { kind: 'Not A Kind' }), /field "kind"/],
      [sampleInput(0, { warmup: 'missing.json' }), /field "warmup": names "missing\.json"/],
      [sampleInput(0, { metrics: { ndcg: Number.NaN } }), /field "metrics\.ndcg"/],
    ];
    for (const [input, message] of cases) {
      const err = await publishVersion(tmp.dir, 'demo', input).catch((e: unknown) => e);
      expect(err, String(message)).toBeInstanceOf(RegistryError);
      expect(errorMessage(err)).toMatch(message);
    }
    await expect(publishVersion(tmp.dir, '../evil', sampleInput())).rejects.toThrow(/model name "\.\.\/evil" is not allowed/);
    expect(await readdir(tmp.dir)).toEqual([]);
  });

  it('a crash between staging and rename leaves no visible version, and the next publish works', async () => {
    let seen: string[] = [];
    const err = await publishVersion(tmp.dir, 'demo', {
      ...sampleInput('crash'),
      hooks: {
        beforeRename: async (staging) => {
          seen = (await readdir(staging)).sort();
          throw new Error('simulated crash');
        },
      },
    }).catch((e: unknown) => e);
    expect(errorMessage(err)).toBe('simulated crash');
    expect(seen).toEqual(['manifest.json', 'tables', 'warmup.json']);
    expect(await listVersions(tmp.dir, 'demo')).toEqual([]);
    expect(await listStaging(tmp.dir, 'demo')).toEqual([]);
    const next = await publishVersion(tmp.dir, 'demo', sampleInput('after'));
    expect(next.version).toBe(1);
    await expect(verifyVersion(tmp.dir, 'demo', 1)).resolves.toBeDefined();
  });

  it('a publish killed (SIGKILL) before the rename leaves only a hidden staging dir that prune removes', async () => {
    await publishVersion(tmp.dir, 'demo', sampleInput('before'));
    const child = await runChild(['crash-publish', tmp.dir, 'demo']);
    expect(child.signal).toBe('SIGKILL');
    const staging = await listStaging(tmp.dir, 'demo');
    expect(staging).toHaveLength(1);
    expect(JSON.parse(child.stdout).staging).toBe(path.join(tmp.dir, 'demo', staging[0]));
    expect(await listVersions(tmp.dir, 'demo')).toEqual([1]);
    const loaded = await loadVersion(tmp.dir, 'demo', 'latest');
    expect(loaded.version).toBe(1);
    expect((await publishVersion(tmp.dir, 'demo', sampleInput('after'))).version).toBe(2);
    const pruned = await prune(tmp.dir, 'demo', { keepLast: 5 });
    expect(pruned.cleaned).toEqual(staging);
    expect(pruned.removed).toEqual([]);
    expect(await listStaging(tmp.dir, 'demo')).toEqual([]);
  });

  it('retries with the next number when its version was taken, rewriting the manifest to match', async () => {
    await publishVersion(tmp.dir, 'demo', sampleInput('one'));
    const r = await publishVersion(tmp.dir, 'demo', {
      ...sampleInput('mine'),
      hooks: {
        // Another publisher wins version 2 while this one is staged.
        beforeRename: async () => {
          await mkdir(path.join(tmp.dir, 'demo', '2'));
          await writeFile(path.join(tmp.dir, 'demo', '2', 'manifest.json'), '{}');
        },
      },
    });
    expect(r.version).toBe(3);
    expect(r.manifest.version).toBe(3);
    expect(JSON.parse(await readFile(path.join(r.dir, 'manifest.json'), 'utf8')).version).toBe(3);
    const loaded = await loadVersion(tmp.dir, 'demo', 3);
    expect((await loaded.readJson<{ tag: string }>('tables/popularity.json')).tag).toBe('mine');
  });

  it('concurrent publishes get distinct consecutive versions, each verifiable and holding its own files', async () => {
    const n = 8;
    const results = await Promise.all(Array.from({ length: n }, (_, i) => publishVersion(tmp.dir, 'demo', sampleInput(i))));
    expect(results.map((r) => r.version).sort((a, b) => a - b)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(await listVersions(tmp.dir, 'demo')).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    for (const [i, r] of results.entries()) {
      const loaded = await loadVersion(tmp.dir, 'demo', r.version);
      expect(loaded.manifest.version).toBe(r.version);
      expect((await loaded.readJson<{ tag: number }>('tables/popularity.json')).tag).toBe(i);
    }
    expect(await listStaging(tmp.dir, 'demo')).toEqual([]);
    expect((await stat(path.join(tmp.dir, 'demo'))).isDirectory()).toBe(true);
  });
});
