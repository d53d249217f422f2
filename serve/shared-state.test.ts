/**
 * Two replicas of `workbench serve --state redis://...` (separate processes, ports and working
 * folders) behind one Redis: an event posted to replica A changes the user's recommendations on
 * replica B within 1 s; one published version is served by both; stopping Redis degrades both to
 * model-only features (responses and /readyz say so, no 5xx) and refuses events with 503; when
 * Redis returns everything recovers, and every event ever acknowledged is in the Parquet archive.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanEventLog } from '../src/data/eventlog.js';
import type { InteractionEvent } from '../src/data/schema.js';
import { readUserStateSnapshot, USER_STATE_SNAPSHOT } from '../src/features/user-state-snapshot.js';
import { trainAndPublish } from '../src/pipeline/train-publish.js';
import { type RedisServerHandle, redisUnavailableReason, startRedis } from '../src/redis/testing/redis-server.js';
import { type ServeProcess, startServeProcess } from './testing/serve-process.js';

interface Rec {
  model: { name: string; version: number };
  degraded?: string[];
  items: { itemId: string }[];
}

async function post(url: string, route: string, body: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${url}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

async function recommend(url: string, userId: string, k = 10): Promise<Rec> {
  const r = await post(url, '/v1/recommendations', { userId, k });
  expect(r.status).toBe(200);
  return r.json as Rec;
}

async function until(what: string, ok: () => Promise<boolean>, timeoutMs = 15_000): Promise<number> {
  const t0 = performance.now();
  while (!(await ok())) {
    if (performance.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return performance.now() - t0;
}

describe.skipIf(redisUnavailableReason() !== undefined)('replicas sharing Redis', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'shared-state-'));
  const modelsDir = path.join(root, 'models');
  let redis: RedisServerHandle;
  const replicas: ServeProcess[] = [];
  beforeAll(async () => {
    redis = await startRedis();
    // `repeat` ranks the user's own items first: a live purchase shows in the next recommendation.
    await trainAndPublish({
      data: { source: 'synthetic' },
      modelsDir,
      name: 'shop',
      kinds: ['repeat'],
      training: { bootstrapResamples: 20, maxValidUsers: 100 },
      stateDir: path.join(root, 'seed-state'),
    });
    for (const name of ['a', 'b']) {
      replicas.push(
        await startServeProcess(
          ['--models', modelsDir, '--name', 'shop', '--state', redis.url, '--events', path.join(root, name, 'events')],
          {
            WORKBENCH_POLL_MS: '200',
            WORKBENCH_REDIS_SEED: path.join(root, 'seed-state'),
          },
        ),
      );
    }
    for (const r of replicas) await until('ready', async () => (await fetch(`${r.url}/readyz`)).status === 200, 60_000);
  }, 240_000);
  afterAll(async () => {
    await Promise.all(replicas.map((r) => r.stop()));
    await redis?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('share user state, the published version and the event stream; degrade without Redis and recover', async () => {
    const [a, b] = replicas;
    const user = 'shared-shopper';
    const before = await recommend(b.url, user);
    expect(before.degraded).toBeUndefined();
    expect((await recommend(a.url, user)).model).toEqual(before.model);
    const target = (await recommend(b.url, user, 60)).items.at(-1)!.itemId;
    expect(before.items.map((i) => i.itemId)).not.toContain(target);

    // The first replica found Redis empty and seeded it with the users training saw.
    const trained = readUserStateSnapshot(path.join(root, 'seed-state', USER_STATE_SNAPSHOT), []).store.userIds();
    expect(trained.length).toBeGreaterThan(100);
    const seeded = replicas.flatMap((r) => r.lines.filter((l) => l.msg === 'Redis user state seeded from the snapshot'));
    expect(seeded).toEqual([expect.objectContaining({ users: trained.length })]);

    const accepted: InteractionEvent[] = [];
    const send = async (url: string, events: Omit<InteractionEvent, 'ts'>[]) => {
      const r = await post(url, '/v1/events', { events });
      if (r.status === 202) accepted.push(...events.map((e) => ({ ...e, ts: 0 })));
      return r.status;
    };
    expect(await send(a.url, [{ userId: user, itemId: target, type: 'purchase' }])).toBe(202);
    const lag = await until('the event posted to A shows on B', async () =>
      (await recommend(b.url, user)).items.some((i) => i.itemId === target),
    );
    expect(lag).toBeLessThan(1000);

    // Redis goes away: model-only features, said so; events refused, not acknowledged.
    await redis.stop();
    for (const r of replicas) {
      const rec = await until('degraded responses', async () => (await recommend(r.url, user)).degraded?.[0] === 'user_state');
      expect(rec).toBeGreaterThanOrEqual(0);
      const ready = await fetch(`${r.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        ready: true,
        degraded: ['user_state'],
        userState: { backend: 'redis', available: false },
      });
      expect(await send(r.url, [{ userId: user, itemId: 'lost', type: 'cart' }])).toBe(503);
    }
    const offline = await recommend(b.url, user);
    expect(offline.items.map((i) => i.itemId)).not.toContain(target);

    // Redis returns (same data): state, events and readiness recover on their own.
    await redis.start();
    await until('events accepted again', async () => (await send(b.url, [{ userId: user, itemId: target, type: 'cart' }])) === 202, 20_000);
    await until('live state again on A', async () => {
      const rec = await recommend(a.url, user);
      return rec.degraded === undefined && rec.items.some((i) => i.itemId === target);
    });
    for (const r of replicas) expect(await (await fetch(`${r.url}/readyz`)).json()).not.toHaveProperty('degraded');

    // Stopping the replicas flushes their archivers: every acknowledged event is archived, once.
    await Promise.all(replicas.splice(0).map((r) => r.stop()));
    const archived = [
      ...(await scanEventLog(path.join(root, 'a', 'events'))).events,
      ...(await scanEventLog(path.join(root, 'b', 'events'))).events,
    ].filter((e) => e.type !== 'impression');
    const key = (e: Pick<InteractionEvent, 'userId' | 'itemId' | 'type'>) => `${e.userId} ${e.itemId} ${e.type}`;
    expect(archived.map(key).sort()).toEqual(accepted.map(key).sort());
    expect(archived.some((e) => e.itemId === 'lost')).toBe(false);
  }, 120_000);
});
