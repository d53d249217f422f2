/**
 * Two replicas of `workbench serve --models s3://BUCKET/PREFIX` (separate processes, ports and
 * working folders) over one S3-compatible server (s3rver on loopback, started and removed here):
 * the version published to S3 is served by both, and a newly published version promoted there
 * reaches both by polling. (Replicas sharing Redis: shared-state.test.ts.)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { trainAndPublish } from '../src/pipeline/train-publish.js';
import { setAlias } from '../src/registry/aliases.js';
import { listVersions } from '../src/registry/load-version.js';
import { startTestS3, type TestS3Server } from '../src/registry/s3-testing.js';
import { type ServeProcess, startServeProcess } from './testing/serve-process.js';

const ENV_KEYS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'WORKBENCH_MODELS_CACHE'] as const;

async function servedVersion(url: string): Promise<number> {
  const res = await fetch(`${url}/v1/recommendations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'someone', k: 5 }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { model: { version: number } }).model.version;
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('replicas serving models from S3', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'shared-models-'));
  const models = 's3://models/prod/registry';
  const saved: Partial<Record<(typeof ENV_KEYS)[number], string>> = {};
  let s3: TestS3Server;
  const replicas: ServeProcess[] = [];
  const publish = () =>
    trainAndPublish({
      data: { source: 'synthetic' },
      modelsDir: models,
      name: 'shop',
      kinds: ['popularity'],
      training: { bootstrapResamples: 20, maxValidUsers: 100 },
      stateDir: path.join(root, 'seed-state'),
    });

  beforeAll(async () => {
    s3 = await startTestS3('models');
    for (const k of ENV_KEYS) saved[k] = process.env[k];
    Object.assign(process.env, s3.env, { WORKBENCH_MODELS_CACHE: path.join(root, 'publisher-cache') });
    await publish();
    for (const name of ['a', 'b']) {
      replicas.push(
        await startServeProcess(
          ['--models', models, '--name', 'shop', '--state', path.join(root, 'seed-state'), '--events', path.join(root, name, 'events')],
          { ...s3.env, WORKBENCH_POLL_MS: '200', WORKBENCH_MODELS_CACHE: path.join(root, name, 'models-cache') },
        ),
      );
    }
    for (const r of replicas) await until('ready', async () => (await fetch(`${r.url}/readyz`)).status === 200, 90_000);
  }, 240_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    for (const k of ENV_KEYS) {
      if (saved[k] === undefined) delete process.env[k];
      else process.env[k] = saved[k];
    }
    await s3?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('serve the version published to S3, and pick up a new one by polling', async () => {
    const [a, b] = replicas;
    expect(await listVersions(models, 'shop')).toEqual([1]);
    expect(await servedVersion(a.url)).toBe(1);
    expect(await servedVersion(b.url)).toBe(1);

    const next = await publish();
    const version = next.published[0].version;
    expect(version).toBe(2);
    await setAlias(models, 'shop', 'champion', version);
    for (const r of replicas) await until(`version ${version} on ${r.url}`, async () => (await servedVersion(r.url)) === version);
  }, 120_000);
});
