/**
 * The notebook path for real: the feature set "intent" (src/features/custom/session-intent.ts, the
 * exported cell of notebooks/06-custom-feature.ipynb, with its own user state) is loaded from the
 * plugin folder as every entry point does, the pipeline trains and publishes a ranker on it, and the
 * service loads that version and serves it, its live user state (the current basket) following the
 * events posted to /v1/events.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSyntheticStore } from '../src/data/synthetic-store.js';
import { featureSetByName } from '../src/features/index.js';
import { readSnapshotHeader, USER_STATE_SNAPSHOT } from '../src/features/user-state-snapshot.js';
import { runPipeline } from '../src/pipeline/pipeline-run.js';
import { loadPlugins } from '../src/plugins.js';
import { liveRegistry } from './live-state.js';
import { createService } from './service.js';
import { sendJson } from './testing/helpers.js';

const root = mkdtempSync(path.join(tmpdir(), 'custom-feature-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('a promoted feature, end to end', () => {
  it('is trained by the pipeline, published in the manifest, served, and its user state follows live events', async () => {
    const loaded = await loadPlugins();
    expect(loaded).toContain(path.join('src', 'features', 'custom', 'session-intent.ts'));
    const set = featureSetByName('intent');
    expect(set.features.at(-1)?.name).toBe('basket_category_share');

    const dirs = {
      modelsDir: path.join(root, 'models'),
      runsDir: path.join(root, 'runs'),
      eventsDir: path.join(root, 'events'),
      stateDir: path.join(root, 'state'),
    };
    const dataset = generateSyntheticStore({ users: 300, items: 100, weeks: 6 });
    const { record } = await runPipeline({
      ...dirs,
      name: 'shop',
      dataset,
      training: { epochs: 2, patience: 1, bootstrapResamples: 50, featureSet: 'intent' },
    });
    expect(record.published?.version).toBe(1);
    const manifest = JSON.parse(readFileSync(path.join(dirs.modelsDir, 'shop', '1', 'manifest.json'), 'utf8'));
    expect(manifest.featureContract.featureSet).toBe(set.id);
    expect(manifest.featureContract.names.at(-1)).toBe('basket_category_share');
    expect(manifest.featureSet).toMatchObject({ name: 'intent', id: set.id });
    // The seeded snapshot holds the feature's own state.
    const snapshot = readSnapshotHeader(path.join(dirs.stateDir, USER_STATE_SNAPSHOT));
    expect(snapshot.states).toContainEqual({ key: 'current_basket', version: 1 });

    const { userState, source } = await liveRegistry(dirs.modelsDir, { stateDir: dirs.stateDir, eventsDir: dirs.eventsDir });
    const svc = createService({
      source,
      userState,
      modelName: 'shop',
      eventsDir: dirs.eventsDir,
      pollIntervalMs: 0,
      logExposures: false,
      // The state's clock is the synthetic store's (2025): accept events continuing it.
      eventTimeWindow: { maxAgeMs: Number.MAX_SAFE_INTEGER, maxFutureMs: 0 },
    });
    await svc.start();
    try {
      const user = userState.userIds()[0];
      const rec = await sendJson(svc.app, '/v1/recommendations', { userId: user, k: 5 });
      expect(rec.status).toBe(200);
      expect(((await rec.json()) as { model: { version: number } }).model.version).toBe(1);
      const clock = userState.clock();
      const res = await sendJson(svc.app, '/v1/events', {
        events: [
          { userId: user, itemId: dataset.items[0].itemId, type: 'cart', ts: clock + 3_600_000 },
          { userId: user, itemId: dataset.items[1].itemId, type: 'cart', ts: clock + 3_660_000 },
        ],
      });
      expect(res.status).toBe(202);
      expect(userState.get(user)?.custom.current_basket).toEqual({ items: [dataset.items[0].itemId, dataset.items[1].itemId] });
      expect((await sendJson(svc.app, '/v1/recommendations', { userId: user, k: 5 })).status).toBe(200);
    } finally {
      await svc.close();
    }
  }, 240_000);
});
