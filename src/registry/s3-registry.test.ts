import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { NotFoundError } from '../errors.js';
import { rollbackAlias, setAlias } from './aliases.js';
import { readAliases, readAliasesFile } from './aliases-store.js';
import { listModels, listVersions, loadVersion, readManifest } from './load-version.js';
import { prune } from './prune.js';
import { publishVersion } from './publish.js';
import { RegistryError } from './registry-error.js';
import { s3Registry } from './s3-registry.js';
import { sampleInput } from './testing/models-dir.js';
import { startTestS3, type TestS3Server } from './testing/s3-server.js';

const ENV_KEYS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'WORKBENCH_MODELS_CACHE'] as const;

describe('the model registry on S3 (s3rver on loopback)', () => {
  let s3: TestS3Server;
  let cache: string;
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
  let run = 0;
  let url: string;
  const raw = () =>
    new S3Client({
      endpoint: s3.endpoint,
      forcePathStyle: true,
      region: 'us-east-1',
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });

  beforeAll(async () => {
    s3 = await startTestS3('models');
    cache = await mkdtemp(path.join(tmpdir(), 'workbench-s3-cache-'));
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    Object.assign(process.env, s3.env, { WORKBENCH_MODELS_CACHE: cache });
  });
  afterAll(async () => {
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await s3.close();
    await rm(cache, { recursive: true, force: true });
  });
  beforeEach(() => {
    url = `s3://models/team/run${++run}`; // a fresh prefix per test
  });

  it('publishes, loads with verified hashes, promotes and rolls back', async () => {
    expect(await listVersions(url, 'demo')).toEqual([]);
    const first = await publishVersion(url, 'demo', sampleInput(1));
    expect(first).toMatchObject({ version: 1, dir: `${url}/demo/1` });
    await publishVersion(url, 'demo', sampleInput(2));
    expect(await listModels(url)).toEqual(['demo']);
    expect(await listVersions(url, 'demo')).toEqual([1, 2]);
    expect((await readManifest(url, 'demo', 2)).artifacts['tables/popularity.json'].bytes).toBeGreaterThan(0);

    const latest = await loadVersion(url, 'demo', 'latest');
    expect(latest.version).toBe(2);
    expect(latest.dir.startsWith(cache)).toBe(true); // downloaded into the cache, verified there
    expect(JSON.parse((await latest.readFile('tables/popularity.json')).toString())).toMatchObject({ tag: 2 });

    await setAlias(url, 'demo', 'champion', 1);
    expect(await setAlias(url, 'demo', 'champion', 2)).toMatchObject({ previous: 1, version: 2, changed: true });
    expect((await loadVersion(url, 'demo', { alias: 'champion' })).version).toBe(2);
    expect(await rollbackAlias(url, 'demo', 'champion')).toMatchObject({ previous: 2, version: 1 });
    expect(await readAliases(url, 'demo')).toEqual({ champion: 1 });
    await expect(rollbackAlias(url, 'demo', 'champion')).rejects.toThrow(/no earlier version/);
    await expect(setAlias(url, 'demo', 'champion', 7)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('loses no alias change when two registries (as two processes) write at once', async () => {
    await publishVersion(url, 'demo', sampleInput(1));
    await publishVersion(url, 'demo', sampleInput(2));
    const a = await s3Registry(url, { env: process.env, cacheDir: cache });
    const b = await s3Registry(url, { env: process.env, cacheDir: cache });
    const writes: Promise<unknown>[] = [];
    const champion: Promise<{ changed: boolean }>[] = [];
    for (let i = 0; i < 8; i++) {
      writes.push(a.setAlias('demo', `a${i}`, 1 + (i % 2)));
      writes.push(b.setAlias('demo', `b${i}`, 2 - (i % 2)));
      champion.push((i % 2 ? a : b).setAlias('demo', 'champion', 1 + (i % 2)));
    }
    await Promise.all(writes);
    const moves = (await Promise.all(champion)).filter((c) => c.changed).length;
    const file = await readAliasesFile(url, 'demo');
    expect(Object.keys(file.aliases).sort()).toEqual(['champion', ...[0, 1, 2, 3, 4, 5, 6, 7].flatMap((i) => [`a${i}`, `b${i}`])].sort());
    // Every move of champion reported as done is in its history (the first had nothing before it).
    expect(file.aliases.champion.history.length).toBe(moves - 1);
  });

  it('gives concurrent publishers distinct versions', async () => {
    const a = await s3Registry(url, { env: process.env, cacheDir: cache });
    const b = await s3Registry(url, { env: process.env, cacheDir: cache });
    const results = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => (i % 2 ? a : b).publishVersion('demo', sampleInput(i))));
    expect(results.map((r) => r.version).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    for (const r of results) {
      const loaded = await loadVersion(url, 'demo', r.version);
      expect(loaded.manifest.createdAt).toBe(r.manifest.createdAt);
    }
  });

  it('never serves a torn publish (files without manifest); prune removes it', async () => {
    await publishVersion(url, 'demo', sampleInput(1));
    // What a publisher killed before its manifest leaves behind: a claim and the files.
    const client = raw();
    const prefix = url.slice('s3://models/'.length);
    for (const key of ['.claim', 'tables/popularity.json', 'warmup.json'])
      await client.send(new PutObjectCommand({ Bucket: 'models', Key: `${prefix}/demo/2/${key}`, Body: '{}' }));
    expect(await listVersions(url, 'demo')).toEqual([1]);
    expect((await loadVersion(url, 'demo', 'latest')).version).toBe(1);
    await expect(loadVersion(url, 'demo', 2)).rejects.toBeInstanceOf(NotFoundError);
    await expect(setAlias(url, 'demo', 'champion', 2)).rejects.toThrow(/no version 2/);
    // A publish that fails before its manifest leaves nothing visible either.
    await expect(
      publishVersion(url, 'demo', {
        ...sampleInput(3),
        hooks: {
          beforeManifest: async () => {
            throw new Error('killed');
          },
        },
      }),
    ).rejects.toThrow('killed');
    expect(await listVersions(url, 'demo')).toEqual([1]);
    expect((await publishVersion(url, 'demo', sampleInput(4))).version).toBe(3);
    const pruned = await prune(url, 'demo', { keepLast: 5, leftoverAfterMs: 0 });
    expect(pruned.cleaned).toEqual(['2/ (no manifest)']);
    expect(await listVersions(url, 'demo')).toEqual([1, 3]);
    client.destroy();
  });

  it('refuses an object changed in the bucket, naming its URL', async () => {
    await publishVersion(url, 'demo', sampleInput(1));
    const client = raw();
    const key = `${url.slice('s3://models/'.length)}/demo/1/tables/popularity.json`;
    await client.send(
      new PutObjectCommand({ Bucket: 'models', Key: key, Body: JSON.stringify({ tag: 9, items: ['a', 'b', 'c'], counts: [3, 2, 9] }) }),
    );
    client.destroy();
    const err = await loadVersion(url, 'demo', 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as RegistryError).message).toMatch(/sha256 mismatch/);
    expect((err as RegistryError).message).toContain(`${url}/demo/1/`);
  });

  it('prunes old versions and keeps what aliases need', async () => {
    for (let i = 1; i <= 4; i++) await publishVersion(url, 'demo', sampleInput(i));
    await setAlias(url, 'demo', 'champion', 1);
    await setAlias(url, 'demo', 'champion', 2);
    const result = await prune(url, 'demo', { keepLast: 1 });
    expect(result.removed).toEqual([3]);
    expect(await listVersions(url, 'demo')).toEqual([1, 2, 4]);
    await expect(loadVersion(url, 'demo', 3)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('says what is wrong: missing bucket, wrong credentials, unreachable endpoint', async () => {
    const missing = await listVersions('s3://no-such-bucket/x', 'demo').catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/s3:\/\/no-such-bucket.*bucket "no-such-bucket" does not exist/);

    const wrong = await s3Registry(url, { env: { ...process.env, AWS_ACCESS_KEY_ID: 'NOT-A-KEY' }, cacheDir: cache });
    await expect(wrong.listVersions('demo')).rejects.toThrow(/refused the credentials/);
    const down = await s3Registry(url, {
      env: { ...process.env, AWS_ENDPOINT_URL: 'http://127.0.0.1:9', AWS_MAX_ATTEMPTS: '1' },
      cacheDir: cache,
    });
    await expect(down.listModels()).rejects.toThrow(/cannot reach S3 endpoint http:\/\/127.0.0.1:9/);
  });

  it('refuses to write where the server ignores conditional writes', async () => {
    const plain = await startTestS3('plain', { conditional: false });
    try {
      const reg = await s3Registry('s3://plain/m', { env: { ...process.env, ...plain.env }, cacheDir: cache });
      await expect(reg.publishVersion('demo', sampleInput(1))).rejects.toThrow(/ignores conditional writes/);
      expect(await reg.listVersions('demo')).toEqual([]);
    } finally {
      await plain.close();
    }
  });
});
