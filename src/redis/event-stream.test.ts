import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanEventLog } from '../data/eventlog.js';
import type { InteractionEvent } from '../data/schema.js';
import { shownState } from '../features/testing/shown-state.js';
import { MemoryUserStateStore } from '../features/user-state-store.js';
import { connectRedis, type RedisClient } from './connection.js';
import { ARCHIVE_GROUP, checkDurability, RedisEventStream, STATE_GROUP } from './event-stream.js';
import { StreamStateApplier } from './state-applier.js';
import { StreamArchiver } from './stream-archiver.js';
import { type RedisServerHandle, redisUnavailableReason, startRedis } from './testing/redis-server.js';
import { RedisUserStateStore } from './user-state-redis.js';

const T0 = Date.UTC(2026, 0, 10, 9);
const DAY = 86_400_000;

function events(n: number, users = 5): InteractionEvent[] {
  const types: InteractionEvent['type'][] = ['view', 'impression', 'cart', 'purchase', 'click'];
  return Array.from({ length: n }, (_, i) => ({
    userId: `u${i % users}`,
    itemId: `i${(i * 3) % 11}`,
    type: types[i % types.length],
    ts: T0 + Math.floor(i / 4) * (DAY / 3),
  }));
}

async function until(what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  while (!(await ok())) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return Date.now() - t0;
}

describe.skipIf(redisUnavailableReason() !== undefined)('the event stream on Redis', () => {
  let redis: RedisServerHandle;
  let client: RedisClient;
  const blocking: RedisClient[] = [];
  const dirs: string[] = [];
  const blockingClient = async () => {
    const c = await connectRedis(redis.url, { commandTimeoutMs: 3000 });
    blocking.push(c);
    return c;
  };
  const tmp = () => {
    const d = mkdtempSync(path.join(os.tmpdir(), 'wb-stream-'));
    dirs.push(d);
    return d;
  };
  beforeAll(async () => {
    redis = await startRedis();
    client = await connectRedis(redis.url);
  }, 30_000);
  afterAll(async () => {
    for (const c of [client, ...blocking]) c?.disconnect();
    await redis?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('refuses a Redis that does not fsync every write, naming the setting', async () => {
    await expect(checkDurability(client)).resolves.toBeUndefined();
    const lax = await startRedis({ args: ['--appendfsync', 'everysec'] });
    const c = await connectRedis(lax.url);
    try {
      await expect(checkDurability(c)).rejects.toThrow(/appendfsync=everysec.*appendfsync always/);
    } finally {
      c.disconnect();
      await lax.close();
    }
  }, 30_000);

  it('two replicas: one applier at a time updates user state in stream order, archivers write every event once, the stream is trimmed', async () => {
    const prefix = 'flow';
    const stream = new RedisEventStream(client, { prefix });
    await stream.ensureGroups();
    const dir = tmp();
    const replicas = await Promise.all(
      ['a', 'b'].map(async (name) => {
        const store = new RedisUserStateStore(client, { definitions: [shownState], prefix });
        await store.open();
        const applier = new StreamStateApplier({
          stream,
          store,
          consumer: name,
          blockingClient: await blockingClient(),
          leaseMs: 1000,
          blockMs: 100,
        });
        const archiver = new StreamArchiver({
          stream,
          dir,
          consumer: name,
          blockingClient: await blockingClient(),
          flushMs: 200,
          blockMs: 100,
        });
        applier.start();
        archiver.start();
        return { store, applier, archiver };
      }),
    );
    const all = events(400);
    for (let i = 0; i < all.length; i += 50) expect(await stream.append(all.slice(i, i + 50))).toHaveLength(50);
    const memory = new MemoryUserStateStore({ definitions: [shownState] });
    memory.apply(all);
    const reader = replicas[1].store;
    await until('user state applied', async () => {
      await reader.prefetch(memory.userIds());
      return memory.userIds().every((id) => reader.get(id)?.history.events === memory.get(id)?.history.events);
    });
    for (const id of memory.userIds()) expect(reader.get(id)).toEqual(memory.get(id));
    expect(replicas.filter((r) => r.applier.leader)).toHaveLength(1);
    // Counted once acknowledged, just after the state is written.
    await until('acknowledged', () => replicas[0].applier.applied + replicas[1].applier.applied === 400);
    await until('archived', () => replicas[0].archiver.archived + replicas[1].archiver.archived === 400);
    const key = (e: InteractionEvent) => `${e.ts} ${e.userId} ${e.itemId} ${e.type}`;
    const sorted = (list: InteractionEvent[]) => list.map(key).sort();
    expect(sorted((await scanEventLog(dir)).events)).toEqual(sorted(all));
    await until('trimmed', async () => {
      await stream.trim();
      return (await stream.info()).length === 0;
    });
    // The leader stops (a deploy): the other replica takes the lease and applies what comes next.
    const leader = replicas.find((r) => r.applier.leader)!;
    const other = replicas.find((r) => r !== leader)!;
    await leader.applier.stop();
    await stream.append([{ userId: 'late', itemId: 'z', type: 'purchase', ts: T0 }]);
    await until('takeover', async () => {
      await reader.prefetch(['late']);
      return reader.get('late') !== undefined;
    });
    expect(other.applier.leader).toBe(true);
    await Promise.all([other.applier.stop(), ...replicas.map((r) => r.archiver.stop())]);
  }, 60_000);

  it('entries a crashed consumer read but never acknowledged are applied and archived by the others', async () => {
    const prefix = 'crash';
    const stream = new RedisEventStream(client, { prefix });
    await stream.ensureGroups();
    const batch = events(20, 3);
    await stream.append(batch);
    // "dead" reads everything for both groups, then dies without acknowledging.
    for (const g of [STATE_GROUP, ARCHIVE_GROUP])
      expect((await stream.read(g, 'dead', { count: 100, blockMs: 10 })).entries).toHaveLength(20);
    const store = new RedisUserStateStore(client, { prefix });
    await store.open();
    const dir = tmp();
    const applier = new StreamStateApplier({ stream, store, consumer: 'alive', blockingClient: await blockingClient(), blockMs: 100 });
    const archiver = new StreamArchiver({
      stream,
      dir,
      consumer: 'alive',
      blockingClient: await blockingClient(),
      flushMs: 100,
      claimIdleMs: 300,
    });
    applier.start();
    archiver.start();
    try {
      await until('applied', () => applier.applied === 20);
      await until('archived', () => archiver.archived === 20);
      const memory = new MemoryUserStateStore();
      memory.apply(batch);
      await store.prefetch(memory.userIds());
      for (const id of memory.userIds()) expect(store.get(id)).toEqual(memory.get(id));
      expect((await scanEventLog(dir)).events).toHaveLength(20);
      const info = await stream.info();
      expect(info.groups[STATE_GROUP].pending).toBe(0);
      expect(info.groups[ARCHIVE_GROUP].pending).toBe(0);
    } finally {
      await Promise.all([applier.stop(), archiver.stop()]);
    }
  }, 30_000);
});
