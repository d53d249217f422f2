import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redisUnavailableReason } from '../src/redis/testing/redis-server.js';
import { type BenchRedis, latencies, loadUsers, lookup, mismatchedUsers, startBenchRedis } from './redis-state-scale.js';

describe.skipIf(redisUnavailableReason() !== undefined)('redis-state-scale bench core at 1,000 users', () => {
  let redis: BenchRedis;
  beforeAll(async () => {
    redis = await startBenchRedis();
  }, 60_000);
  afterAll(async () => {
    await redis?.close();
  });

  it('loads every user through the product store, reads each back equal through the request path, and times lookups', async () => {
    const load = await loadUsers(redis.shared.store, 1000, 250);
    expect(load.batchMs).toHaveLength(10); // 10 slices of 100 users, one batch each
    expect(load.usedMemoryBytes).toBeGreaterThan(1000 * 100);
    const all = Array.from({ length: 1000 }, (_, u) => u);
    expect(await mismatchedUsers(redis.shared, all)).toEqual([]);
    // A user never loaded is reported, not passed over.
    expect(await mismatchedUsers(redis.shared, [1000])).toEqual(['u1000']);
    await expect(lookup(redis.shared, 1000)).rejects.toThrow(/u1000 has no state/);
    const lat = await latencies(200, 16, (i) => lookup(redis.shared, i));
    expect(lat).toHaveLength(200);
    expect(Math.min(...lat)).toBeGreaterThan(0);
  });
});
