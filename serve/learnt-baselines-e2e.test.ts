/**
 * The learnt baselines (item-knn and bpr, src/models/baselines/) go the whole way: `workbench
 * train --kind item-knn --kind bpr` (trainAndPublish) tunes them on validation and publishes each
 * with exactly its own fitted item state in the version's tables; the service loads both from the
 * registry and serves them as the two arms of an A/B test; a live purchase moves the BPR arm's
 * scores for that user at once (the user is folded in from live state), with no new version.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assignVariant, type Experiment } from '../src/experiments/assignment.js';
import type { FeatureTables } from '../src/features/index.js';
import { trainAndPublish } from '../src/pipeline/train-publish.js';
import { setAlias } from '../src/registry/aliases.js';
import { liveRegistry } from './live-state.js';
import { createService } from './service.js';
import { sendJson } from './testing/helpers.js';

const root = mkdtempSync(path.join(tmpdir(), 'learnt-baselines-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const experiment: Experiment = {
  id: 'knn-vs-bpr',
  salt: 'knn-vs-bpr-1',
  variants: [
    { name: 'knn', weight: 50, alias: 'champion' },
    { name: 'bpr', weight: 50, alias: 'challenger' },
  ],
};

interface RecJson {
  variant: string;
  model: { version: number };
  items: { itemId: string; score: number }[];
}

describe('item-knn and bpr, end to end', () => {
  it('are tuned, published with their own fitted state, served as A/B arms, and bpr follows live events', async () => {
    const modelsDir = path.join(root, 'models');
    const stateDir = path.join(root, 'state');
    const eventsDir = path.join(root, 'events');
    const { published, report } = await trainAndPublish({
      data: { source: 'synthetic' },
      modelsDir,
      name: 'shop',
      kinds: ['item-knn', 'bpr'],
      training: { bootstrapResamples: 50, maxValidUsers: 150 },
      stateDir,
    });
    expect(published.map((p) => [p.kind, p.version])).toEqual([
      ['item-knn', 1],
      ['bpr', 2],
    ]);
    expect(report.models.map((m) => m.name)).toEqual(expect.arrayContaining(['item-knn', 'bpr']));
    await setAlias(modelsDir, 'shop', 'challenger', 2);
    const fitted = (v: number) =>
      (JSON.parse(readFileSync(path.join(modelsDir, 'shop', String(v), 'features.json'), 'utf8')) as FeatureTables).fitted?.map(
        (e) => e.key,
      );
    expect(fitted(1)).toEqual(['item-knn-neighbours']);
    expect(fitted(2)).toEqual(['bpr-factors']);
    const manifest = JSON.parse(readFileSync(path.join(modelsDir, 'shop', '1', 'manifest.json'), 'utf8')) as { rankerParams: object };
    expect(manifest.rankerParams).toEqual({ neighbours: expect.any(Number) });

    const { userState, source } = await liveRegistry(modelsDir, { stateDir, eventsDir });
    // The store lives in 2025: accept its replayed timestamps (the service bounds them to the last week by default).
    const eventTimeWindow = { maxAgeMs: Number.MAX_SAFE_INTEGER, maxFutureMs: 0 };
    const svc = createService({
      source,
      userState,
      modelName: 'shop',
      eventsDir,
      experiment,
      pollIntervalMs: 0,
      logExposures: false,
      eventTimeWindow,
    });
    await svc.start();
    try {
      const served = new Map<string, number>();
      for (let u = 1; u <= 30; u++) {
        const res = await sendJson(svc.app, '/v1/recommendations', { userId: `u${String(u).padStart(4, '0')}`, k: 5 });
        expect(res.status).toBe(200);
        const body = (await res.json()) as RecJson;
        expect(body.items).toHaveLength(5);
        served.set(body.variant, body.model.version);
      }
      expect(Object.fromEntries(served)).toEqual({ knn: 1, bpr: 2 });

      // A user in the bpr arm buys three items: their next ranking moves, the version does not.
      const user = userState.userIds().find((id) => assignVariant(experiment, id).name === 'bpr') ?? '';
      const rank = async () => {
        const res = await sendJson(svc.app, '/v1/rank', { userId: user, itemIds: ['i0001', 'i0002', 'i0003', 'i0004', 'i0005'] });
        expect(res.status).toBe(200);
        return (await res.json()) as RecJson;
      };
      const before = await rank();
      const ts = userState.clock() + 3_600_000;
      const bought = ['i0001', 'i0002', 'i0003'].map((itemId, k) => ({ userId: user, itemId, type: 'purchase', ts: ts + k }));
      expect((await sendJson(svc.app, '/v1/events', { events: bought })).status).toBe(202);
      const after = await rank();
      expect(after.model.version).toBe(2);
      expect(after.items.map((x) => x.score)).not.toEqual(before.items.map((x) => x.score));
    } finally {
      await svc.close();
    }
  }, 240_000);
});
