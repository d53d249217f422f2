import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Item } from '../src/data/schema.js';
import { connectRedis, type RedisClient } from '../src/redis/connection.js';
import { type RedisServerHandle, redisUnavailableReason, startRedis } from '../src/redis/testing/redis-server.js';
import { archivedRows, archiverRun, buildFromArchive, directWrite, writeArchive } from './archive-scale.js';
import { trafficChunks } from './scale-common.js';

describe.skipIf(redisUnavailableReason() !== undefined)('archive-scale bench core at small sizes', () => {
  let server: RedisServerHandle;
  let client: RedisClient;
  let root: string;
  beforeAll(async () => {
    server = await startRedis();
    client = await connectRedis(server.url);
    root = mkdtempSync(path.join(os.tmpdir(), 'wb-archive-scale-test-'));
  }, 60_000);
  afterAll(async () => {
    client?.disconnect();
    await server?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('archives every appended event once through the StreamArchiver, and the direct writer writes the same count', async () => {
    const events = [...trafficChunks(3000, { users: 150, items: 500, spanDays: 3, chunk: 3000 })].flat();
    expect(events).toHaveLength(3000);
    const run = await archiverRun(server.url, client, events, 'smoke', path.join(root, 'archiver'));
    expect(run.rows).toBe(3000);
    expect(run.archivePerSec).toBeGreaterThan(0);
    expect(await directWrite(events, path.join(root, 'direct'))).toBeGreaterThan(0);
    expect(await archivedRows(path.join(root, 'direct'))).toBe(3000);
  });

  it('builds the feature store from an archive of every event written', async () => {
    const dir = path.join(root, 'build');
    await writeArchive(5000, dir);
    const items: Item[] = Array.from({ length: 20_000 }, (_, i) => ({ itemId: `i${i}`, title: `item ${i}` }));
    const run = await buildFromArchive(dir, items);
    expect(run.events).toBe(5000);
    expect(run.users).toBe(250);
    expect(run.stages.total).toBeGreaterThan(0);
  });
});
