/**
 * The shared deployment end to end: two replicas of `workbench serve` (separate processes, ports
 * and working folders) over one redis-server (user state, event stream) and one S3-compatible
 * server (s3rver; the model registry), all on loopback and started here (serve/testing/
 * shared-deployment.ts). Checked: the version published to S3 is served by both, and a newly
 * promoted one reaches both by polling; an event posted to replica A changes the user's
 * recommendations on replica B within 1 s; without Redis both degrade to model-only features
 * (responses and /readyz say so, no 5xx) and refuse events with 503; everything recovers when
 * Redis returns, and every event ever acknowledged is in the Parquet archive, once.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanEventLog } from '../src/data/eventlog.js';
import type { InteractionEvent } from '../src/data/schema.js';
import { readUserStateSnapshot, USER_STATE_SNAPSHOT } from '../src/features/user-state-snapshot.js';
import { redisUnavailableReason } from '../src/redis/testing/redis-server.js';
import { setAlias } from '../src/registry/aliases.js';
import { listVersions } from '../src/registry/load-version.js';
import { postJson, recommend, type SharedDeployment, startSharedDeployment, until } from './testing/shared-deployment.js';

type Posted = Pick<InteractionEvent, 'userId' | 'itemId' | 'type'>;
const key = (e: Posted) => `${e.userId} ${e.itemId} ${e.type}`;

describe.skipIf(redisUnavailableReason() !== undefined)('replicas sharing Redis and an S3 model registry', () => {
  let d: SharedDeployment;
  const user = 'shared-shopper';
  /** Every event a replica acknowledged (202), and every one it refused. */
  const accepted: Posted[] = [];
  const refused: Posted[] = [];
  const send = async (url: string, events: Posted[]) => {
    const r = await postJson(url, '/v1/events', { events });
    if (r.status === 202) accepted.push(...events);
    else refused.push(...events);
    return r.status;
  };
  let target = '';

  beforeAll(async () => {
    // `repeat` ranks the user's own items first: a live purchase shows in the next recommendation.
    d = await startSharedDeployment({ name: 'shop', kinds: ['repeat'] });
  }, 240_000);
  afterAll(() => d?.close());

  it('serve the one version published to S3, from Redis seeded once with the trained users', async () => {
    const [a, b] = d.replicas;
    expect(await listVersions(d.models, 'shop')).toEqual([1]);
    const before = await recommend(b.url, user);
    expect(before.model).toEqual({ name: 'shop', version: 1 });
    expect(before.degraded).toBeUndefined();
    expect((await recommend(a.url, user)).model).toEqual(before.model);
    // Downloaded from S3 into each replica's own cache (there is no local models folder).
    for (const i of [0, 1]) expect(existsSync(path.join(d.cacheDir(i), 'shop', '1', 'manifest.json'))).toBe(true);

    const trained = readUserStateSnapshot(path.join(d.seedDir, USER_STATE_SNAPSHOT), []).store.userIds();
    expect(trained.length).toBeGreaterThan(100);
    const seeded = d.replicas.flatMap((r) => r.lines.filter((l) => l.msg === 'Redis user state seeded from the snapshot'));
    expect(seeded).toEqual([expect.objectContaining({ users: trained.length })]);

    target = (await recommend(b.url, user, 60)).items.at(-1)!.itemId;
    expect(before.items.map((i) => i.itemId)).not.toContain(target);
  });

  it("an event posted to replica A changes the user's recommendations on replica B within 1 s", async () => {
    const [a, b] = d.replicas;
    expect(await send(a.url, [{ userId: user, itemId: target, type: 'purchase' }])).toBe(202);
    const lag = await until('the event posted to A shows on B', async () =>
      (await recommend(b.url, user)).items.some((i) => i.itemId === target),
    );
    console.log(`cross-replica latency (event on A -> recommendation on B): ${lag.toFixed(0)} ms`);
    expect(lag).toBeLessThan(1000);
  });

  it('a version promoted on S3 reaches both replicas by polling; live user state outlives it', async () => {
    const [published] = await d.publish();
    expect(published.version).toBe(2);
    expect(await listVersions(d.models, 'shop')).toEqual([1, 2]);
    await setAlias(d.models, 'shop', 'champion', 2);
    for (const r of d.replicas) {
      await until(`version 2 on ${r.url}`, async () => (await recommend(r.url, user)).model.version === 2, 30_000);
      expect((await recommend(r.url, user)).items.map((i) => i.itemId)).toContain(target);
    }
  }, 120_000);

  it('without Redis both degrade to model-only features and refuse events; all recovers when it returns', async () => {
    const [a, b] = d.replicas;
    await d.redis.stop();
    for (const r of d.replicas) {
      await until(`degraded responses on ${r.url}`, async () => (await recommend(r.url, user)).degraded?.[0] === 'user_state');
      const ready = await fetch(`${r.url}/readyz`);
      expect(ready.status).toBe(200);
      expect(await ready.json()).toMatchObject({
        ready: true,
        degraded: ['user_state'],
        userState: { backend: 'redis', available: false },
      });
      // Model-only: the live purchase is not visible, and nothing answers 5xx.
      const offline = await recommend(r.url, user);
      expect(offline).toMatchObject({ degraded: ['user_state'], model: { version: 2 } });
      expect(offline.items.map((i) => i.itemId)).not.toContain(target);
      const rank = await postJson(r.url, '/v1/rank', { userId: user, itemIds: [target] });
      expect(rank).toMatchObject({ status: 200, json: { degraded: ['user_state'] } });
      const events = await postJson(r.url, '/v1/events', { events: [{ userId: user, itemId: 'lost', type: 'cart' }] });
      expect(events).toMatchObject({ status: 503, json: { error: { code: 'event_log_unavailable' } } });
      expect(events.headers.get('retry-after')).toBe('1');
      refused.push({ userId: user, itemId: 'lost', type: 'cart' });
    }

    // Redis returns (same data): events, live state and readiness recover on their own.
    await d.redis.start();
    await until(
      'events accepted again on B',
      async () => (await send(b.url, [{ userId: user, itemId: target, type: 'cart' }])) === 202,
      20_000,
    );
    await until('live state again on A', async () => {
      const rec = await recommend(a.url, user);
      return rec.degraded === undefined && rec.items.some((i) => i.itemId === target);
    });
    for (const r of d.replicas) expect(await (await fetch(`${r.url}/readyz`)).json()).not.toHaveProperty('degraded');
    // State updates flow again: a new event on B shows on A.
    const fresh = (await recommend(a.url, `${user}-2`, 60)).items.at(-1)!.itemId;
    expect(await send(b.url, [{ userId: `${user}-2`, itemId: fresh, type: 'purchase' }])).toBe(202);
    await until('an event posted to B after the outage shows on A', async () =>
      (await recommend(a.url, `${user}-2`)).items.some((i) => i.itemId === fresh),
    );
  }, 120_000);

  it('every acknowledged event is archived as Parquet, once; no refused one is', async () => {
    // Stopping the replicas flushes their archivers.
    await d.stopReplicas();
    const archived = [...(await scanEventLog(d.eventsDir(0))).events, ...(await scanEventLog(d.eventsDir(1))).events].filter(
      (e) => e.type !== 'impression',
    );
    expect(archived.map(key).sort()).toEqual(accepted.map(key).sort());
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(archived.some((e) => e.itemId === 'lost')).toBe(false);
  });
});
