/**
 * Offline and online give the same features by construction: a log replayed offline (training's
 * point-in-time state) and the same events streamed into a running service through
 * POST /v1/events (applied to its live user state) give identical feature vectors, candidates and
 * profiles for the same requests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../src/data/schema.js';
import { generateSyntheticStore } from '../src/data/synthetic-store.js';
import { buildFeatureStore, featureStoreFromTables, featureStoreToTables, registeredUserStates } from '../src/features/index.js';
import { LiveUserState } from './live-state.js';
import { createService } from './service.js';
import { sendJson } from './testing/helpers.js';
import { MemorySource } from './testing/memory-source.js';

const root = mkdtempSync(path.join(tmpdir(), 'live-consistency-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('offline replay and online streaming', () => {
  it('give identical feature vectors for the same requests', async () => {
    const data = generateSyntheticStore({ users: 400, items: 100, weeks: 8, seed: 11 });
    // What the storefront would have posted: carts and purchases (plus some impressions), in time order.
    const log: InteractionEvent[] = data.events
      .filter((e) => e.type === 'cart' || e.type === 'purchase')
      .map((e, i) => ({ userId: e.userId, itemId: e.itemId, type: i % 7 === 0 ? ('impression' as const) : e.type, ts: e.ts }))
      .sort((a, b) => a.ts - b.ts);
    expect(log.length).toBeGreaterThan(800);
    const cutoff = log[log.length - 1].ts + 1;
    const offline = await buildFeatureStore(log, data.items, { cutoff, threads: 1 });

    const source = new MemorySource();
    source.publish('demo');
    const userState = new LiveUserState({ definitions: registeredUserStates(), eventsDir: path.join(root, 'events') });
    // The synthetic store's events are from 2025: widen the accepted event time window.
    const eventTimeWindow = { maxAgeMs: Number.MAX_SAFE_INTEGER, maxFutureMs: 0 };
    const svc = createService({
      source,
      modelName: 'demo',
      eventsDir: path.join(root, 'events'),
      userState,
      pollIntervalMs: 0,
      eventTimeWindow,
    });
    await svc.start();
    try {
      for (let i = 0; i < log.length; i += 500) {
        const res = await sendJson(svc.app, '/v1/events', { events: log.slice(i, i + 500) });
        expect(res.status).toBe(202);
      }
      expect(userState.size).toBe(offline.userIds.length);
      const online = featureStoreFromTables(featureStoreToTables(offline), { users: userState });
      expect(online.now()).toBe(cutoff);
      for (const u of [...offline.userIds, 'never-seen']) {
        const ctx = u.length % 2 ? offline.itemIds[3] : undefined;
        const cands = offline.candidates(u, { contextItemId: ctx, limit: 60 });
        expect(online.candidates(u, { contextItemId: ctx, limit: 60 })).toEqual(cands);
        expect(online.features(u, cands, ctx)).toEqual(offline.features(u, cands, ctx));
        expect(online.user(u)).toEqual(offline.user(u));
      }
    } finally {
      await svc.close();
    }
  });
});
