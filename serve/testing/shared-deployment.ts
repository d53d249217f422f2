/**
 * Test helper (not product code): the shared deployment on one machine. One redis-server and one
 * s3rver on loopback ports, a model trained and published to S3 by this process, and N replicas
 * of `workbench serve --models s3://... --state redis://...` as separate processes, each with its
 * own port and working folder (event archive, model cache). `close()` stops every process,
 * restores the environment and removes every folder, also after a failed start.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type ServeProcess, startServeProcess } from '../../src/cli/testing/serve-process.js';
import type { PublishKind } from '../../src/pipeline/publish-model.js';
import { type PublishedVersion, trainAndPublish } from '../../src/pipeline/train-publish.js';
import { type RedisServerHandle, startRedis } from '../../src/redis/testing/redis-server.js';
import { startTestS3, type TestS3Server } from '../../src/registry/testing/s3-server.js';

/** What a recommendation response carries that these tests read. */
export interface Recommendation {
  model: { name: string; version: number };
  degraded?: string[];
  items: { itemId: string }[];
}

/** POSTs JSON to `url + route`; resolves with the status, the headers and the parsed body. */
export async function postJson(url: string, route: string, body: unknown): Promise<{ status: number; headers: Headers; json: unknown }> {
  const res = await fetch(`${url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, json: await res.json() };
}

/** Top `k` for `userId` from a replica; anything but 200 throws with the status and body. */
export async function recommend(url: string, userId: string, k = 10): Promise<Recommendation> {
  const r = await postJson(url, '/v1/recommendations', { userId, k });
  if (r.status !== 200) throw new Error(`POST ${url}/v1/recommendations answered ${r.status}: ${JSON.stringify(r.json)}`);
  return r.json as Recommendation;
}

/** Polls `ok` every 20 ms; resolves with the milliseconds until it held, throws naming `what` after `timeoutMs`. */
export async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

/** What to deploy. */
export interface SharedDeploymentOptions {
  /** Model name (`--name`). */
  name: string;
  kinds: PublishKind[];
  /** Replicas to start (default 2). */
  replicas?: number;
}

/** A running shared deployment (see the module comment). */
export interface SharedDeployment {
  redis: RedisServerHandle;
  s3: TestS3Server;
  /** The registry every replica serves from: `s3://BUCKET/PREFIX`. */
  models: string;
  /** The snapshot `workbench train` wrote; the first replica seeds the empty Redis from it. */
  seedDir: string;
  replicas: ServeProcess[];
  /** Replica `i`'s own folder (its working directory), and its Parquet archive and model cache in it. */
  replicaDir(i: number): string;
  eventsDir(i: number): string;
  cacheDir(i: number): string;
  /** Trains and publishes one more version to S3 (as `workbench train --models s3://...` does). */
  publish(): Promise<PublishedVersion[]>;
  /** Stops the replicas (their archivers flush on SIGTERM). */
  stopReplicas(): Promise<void>;
  /** Stops everything, restores the environment, removes every folder; safe to call twice. */
  close(): Promise<void>;
}

const AWS_KEYS = ['AWS_ENDPOINT_URL', 'AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION', 'WORKBENCH_MODELS_CACHE'] as const;

/** Runs every step even when one fails; rethrows the first failure. */
async function allSteps(steps: (() => Promise<unknown>)[]): Promise<void> {
  const results = await Promise.allSettled(steps.map((s) => s()));
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

/**
 * Starts Redis and S3, publishes version 1 of `name` to S3, then starts the replicas and resolves
 * once every one is ready. On any failure it cleans up everything it started and rethrows.
 */
export async function startSharedDeployment(opts: SharedDeploymentOptions): Promise<SharedDeployment> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'shared-deployment-'));
  const savedEnv = new Map(AWS_KEYS.map((k) => [k, process.env[k]]));
  const replicas: ServeProcess[] = [];
  let redis: RedisServerHandle | undefined;
  let s3: TestS3Server | undefined;
  const stopReplicas = () => allSteps(replicas.splice(0).map((r) => () => r.stop()));
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      try {
        await stopReplicas();
      } finally {
        for (const [k, v] of savedEnv) {
          if (v === undefined) delete process.env[k];
          else process.env[k] = v;
        }
        await allSteps([async () => redis?.close(), async () => s3?.close()]).finally(() => rmSync(root, { recursive: true, force: true }));
      }
    })();
    return closed;
  };
  try {
    redis = await startRedis();
    s3 = await startTestS3('models');
    const models = `s3://${s3.bucket}/prod/registry`;
    const seedDir = path.join(root, 'seed-state');
    const replicaDir = (i: number) => path.join(root, `replica-${i}`);
    const eventsDir = (i: number) => path.join(replicaDir(i), 'events');
    const cacheDir = (i: number) => path.join(replicaDir(i), 'models-cache');
    // The publisher (this process) reaches S3 through the same variables the replicas get.
    Object.assign(process.env, s3.env, { WORKBENCH_MODELS_CACHE: path.join(root, 'publisher-cache') });
    const publish = async () =>
      (
        await trainAndPublish({
          data: { source: 'synthetic' },
          modelsDir: models,
          name: opts.name,
          kinds: opts.kinds,
          training: { bootstrapResamples: 20, maxValidUsers: 100 },
          stateDir: seedDir,
        })
      ).published;
    await publish();
    for (let i = 0; i < (opts.replicas ?? 2); i++) {
      mkdirSync(replicaDir(i), { recursive: true });
      const args = ['--models', models, '--name', opts.name, '--state', redis.url, '--events', eventsDir(i)];
      const env = { ...s3.env, WORKBENCH_POLL_MS: '200', WORKBENCH_REDIS_SEED: seedDir, WORKBENCH_MODELS_CACHE: cacheDir(i) };
      replicas.push(await startServeProcess(args, env, { cwd: replicaDir(i) }));
    }
    for (const r of replicas) await until(`${r.url}/readyz`, async () => (await fetch(`${r.url}/readyz`)).status === 200, 90_000);
    return { redis, s3, models, seedDir, replicas, replicaDir, eventsDir, cacheDir, publish, stopReplicas, close };
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
}
