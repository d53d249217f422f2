import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../data/schema.js';
import { shownState as shown } from '../features/testing/shown-state.js';
import { MemoryUserStateStore } from '../features/user-state-store.js';
import { connectRedis, masters, type RedisClient } from './connection.js';
import {
  type RedisClusterHandle,
  type RedisServerHandle,
  redisUnavailableReason,
  startRedis,
  startRedisCluster,
} from './testing/redis-server.js';
import { RedisUserStateStore, type StreamEntry } from './user-state-redis.js';

const t0 = Date.UTC(2024, 0, 1);

/** A deterministic mixed log over `users` users (sessions, gaps, impressions, an odd user id). */
function log(users: number, n: number): InteractionEvent[] {
  const types: InteractionEvent['type'][] = ['view', 'cart', 'purchase', 'impression', 'wishlist'];
  const out: InteractionEvent[] = [];
  for (let i = 0; i < n; i++) {
    const u = i % users === 0 ? '__proto__' : `u{${i % users}}`;
    const e: InteractionEvent = { userId: u, itemId: `i${(i * 7) % 13}`, type: types[i % types.length], ts: t0 + i * 11 * 60_000 };
    if (i % 3 === 0) e.sessionId = `s${Math.floor(i / 9)}`;
    out.push(e);
  }
  return out;
}

const entries = (events: InteractionEvent[], from = 1): StreamEntry[] => events.map((event, i) => ({ id: `${from + i}-0`, event }));

function suite(name: string, start: () => Promise<{ url: string; close: () => Promise<void> }>) {
  describe.skipIf(redisUnavailableReason() !== undefined)(`RedisUserStateStore on ${name}`, () => {
    let server: { url: string; close: () => Promise<void> };
    let client: RedisClient;
    beforeAll(async () => {
      server = await start();
      client = await connectRedis(server.url);
    }, 60_000);
    afterAll(async () => {
      client?.disconnect();
      await server?.close();
    });

    it('applies stream entries exactly like the embedded store, once each, and reads them back after prefetch', async () => {
      const events = log(7, 300);
      const store = new RedisUserStateStore(client, { definitions: [shown], prefix: `t${name.length}` });
      expect(await store.open()).toEqual([]);
      const first = await store.applyEntries(entries(events.slice(0, 200)));
      expect(first).toEqual({ applied: 200, skipped: 0 });
      // A re-delivery of the tail of the first batch with the rest: the overlap is skipped.
      const second = await store.applyEntries(entries(events.slice(150), 151));
      expect(second).toEqual({ applied: 100, skipped: 50 });
      const memory = new MemoryUserStateStore({ definitions: [shown] });
      memory.apply(events);
      const ids = memory.userIds();
      expect(ids).toContain('__proto__');
      // A second store (another replica) sees the same state.
      const replica = new RedisUserStateStore(client, { definitions: [shown], prefix: `t${name.length}` });
      await replica.open();
      await replica.prefetch([...ids, 'nobody']);
      for (const id of ids) expect(replica.get(id)).toEqual(memory.get(id));
      expect(replica.get('nobody')).toBeUndefined();
      expect(replica.clock()).toBe(memory.clock());
    });

    it('seeds users as they are and refuses the synchronous apply with a clear error', async () => {
      const memory = new MemoryUserStateStore({ definitions: [shown] });
      memory.apply(log(5, 40));
      const store = new RedisUserStateStore(client, { definitions: [shown], prefix: 'seed' });
      await store.open();
      expect(
        await store.putUsers(
          memory.userIds().map((id) => [id, memory.get(id)!]),
          { clock: memory.clock() },
        ),
      ).toBe(5);
      await store.prefetch(memory.userIds());
      for (const id of memory.userIds()) expect(store.get(id)).toEqual(memory.get(id));
      expect(() => store.apply(log(1, 1))).toThrow(/written by the event stream/);
    });

    it('a service with another session gap is refused; another version of a custom state starts empty', async () => {
      const a = new RedisUserStateStore(client, { definitions: [shown], prefix: 'meta' });
      await a.open();
      await a.applyEntries(entries([{ userId: 'm', itemId: 'x', type: 'impression', ts: t0 }]));
      await expect(new RedisUserStateStore(client, { prefix: 'meta', sessionGapMinutes: 10 }).open()).rejects.toThrow(/10/);
      const b = new RedisUserStateStore(client, { definitions: [{ ...shown, version: 2 }], prefix: 'meta' });
      expect(await b.open()).toEqual(['shown@2']);
      await b.prefetch(['m']);
      expect(b.get('m')?.custom.shown).toEqual({});
    });
  });
}

suite('a single server', async () => {
  const s: RedisServerHandle = await startRedis();
  return { url: s.url, close: () => s.close() };
});

suite('a 3-master cluster', async () => {
  const c: RedisClusterHandle = await startRedisCluster(3);
  return { url: c.url, close: () => c.close() };
});

describe.skipIf(redisUnavailableReason() !== undefined)('user keys on Redis Cluster', () => {
  it("hash one user's key by the user id alone, and spread users over every shard", async () => {
    const cluster = await startRedisCluster(3);
    const client = await connectRedis(cluster.url);
    try {
      const store = new RedisUserStateStore(client, { prefix: 'spread' });
      await store.open();
      const events = Array.from({ length: 60 }, (_, i) => ({ userId: `user-${i}`, itemId: 'i', type: 'view' as const, ts: t0 + i }));
      await store.applyEntries(entries(events));
      const node = masters(client)[0];
      for (const id of ['user-1', 'a}b', '{x}']) {
        const tag = id.includes('}') && !id.startsWith('}') ? id.slice(0, id.indexOf('}')) : id;
        expect(await node.cluster('KEYSLOT', store.keys.user(id))).toBe(await node.cluster('KEYSLOT', tag));
      }
      const sizes = await Promise.all(masters(client).map((m) => m.dbsize()));
      expect(sizes).toHaveLength(3);
      for (const n of sizes) expect(n).toBeGreaterThan(5);
    } finally {
      client.disconnect();
      await cluster.close();
    }
  }, 60_000);
});
