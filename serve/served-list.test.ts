import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assignVariant, type Experiment } from '../src/experiments/assignment.js';
import { createService, type Service } from './service.js';
import { createFixtureModel, fixtureTables } from './testing/fixture-model.js';
import { readEventLog, sendJson } from './testing/helpers.js';
import { MemorySource } from './testing/memory-source.js';

const experiment: Experiment = {
  id: 'explore',
  salt: 'e1',
  variants: [
    { name: 'control', weight: 50, alias: 'champion', exploration: { kind: 'epsilon', epsilon: 0.5, topK: 12 }, logFeatures: 1 },
    { name: 'treatment', weight: 50, alias: 'challenger' },
  ],
};

interface RecJson {
  requestId: string;
  variant: string;
  items: { itemId: string; score: number }[];
}

let svc: Service;
let eventsDir: string;
const tables = fixtureTables();

beforeAll(async () => {
  const source = new MemorySource();
  // A fixture whose feature vector of an item is [its index in the catalogue, the user's id length].
  const withFeatures = (version: number) =>
    Object.assign(createFixtureModel({ name: 'demo', version, tables }), {
      featureRows: (userId: string, itemIds: readonly string[]) => ({
        names: ['item_index', 'user_len'],
        values: Float32Array.from(itemIds.flatMap((id) => [Number(id.slice(1)), userId.length])),
      }),
    });
  source.publishWith('demo', withFeatures);
  source.publishWith('demo', withFeatures);
  source.setAlias('demo', 'champion', 1);
  source.setAlias('demo', 'challenger', 2);
  eventsDir = mkdtempSync(path.join(os.tmpdir(), 'serve-explore-'));
  svc = createService({ source, modelName: 'demo', eventsDir, experiment, pollIntervalMs: 0, exposure: { flushMs: 5 } });
  await svc.start();
});
afterAll(async () => {
  await svc.close();
  rmSync(eventsDir, { recursive: true, force: true });
});

const users = Array.from({ length: 80 }, (_, i) => `user${i}`);

describe('exploration and feature logging per variant', () => {
  it('an exploring variant logs the propensity, policy and features of every impression; the other logs none', async () => {
    const bodies: RecJson[] = [];
    for (const userId of users) bodies.push((await (await sendJson(svc.app, '/v1/recommendations', { userId, k: 5 })).json()) as RecJson);
    await svc.exposures?.flush();
    const log = readEventLog(eventsDir);
    let explored = 0;
    for (const [u, body] of bodies.entries()) {
      expect(body.variant).toBe(assignVariant(experiment, users[u]).name);
      expect(body.items).toHaveLength(5);
      const mine = log.filter((e) => e.requestId === body.requestId).sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
      expect(mine.map((e) => e.itemId)).toEqual(body.items.map((i) => i.itemId));
      if (body.variant === 'control') {
        expect(mine.every((e) => e.policy === 'demo@1 + epsilon 0.5 in top 12')).toBe(true);
        for (const e of mine) {
          expect(e.propensity).toBeGreaterThan(0);
          expect(e.features).toEqual([Number(e.itemId.slice(1)), users[u].length]);
        }
        // A greedy list shows the model's order: the first item's propensity is 1 - eps + eps / 12.
        const sorted = [...body.items].every((it, i, a) => i === 0 || a[i - 1].score >= it.score);
        if (!sorted) explored++;
        else if (mine[0].propensity !== 0.5 / 12) expect(mine[0].propensity).toBeCloseTo(0.5 + 0.5 / 12, 12);
      } else {
        expect(mine.every((e) => e.policy === 'demo@2' && e.propensity === undefined && e.features === undefined)).toBe(true);
      }
    }
    expect(explored).toBeGreaterThan(5);
  });

  it("logs a product-page request's item and a caller's restriction with its impressions, so a replay knows what it can re-rank", async () => {
    const { serveRanking, impressionEvents } = await import('./served-list.js');
    const model = createFixtureModel({ name: 'demo', version: 1, tables });
    const at = { userId: 'u1', requestId: 'r', variant: 'control', ts: 5 };
    const page = impressionEvents(serveRanking(model, { userId: 'u1', k: 3, itemId: 'i1' }, experiment.variants[0], 'r'), at);
    expect(page.every((e) => e.contextItemId === 'i1' && e.restricted === undefined)).toBe(true);
    const plain = impressionEvents(serveRanking(model, { userId: 'u1', k: 3 }, experiment.variants[0], 'r'), at);
    expect(plain.every((e) => e.contextItemId === undefined && e.restricted === undefined)).toBe(true);
    const query = { userId: 'u1', k: 3, candidates: ['i2', 'i3', 'i4', 'i5'], exclude: ['i3'] };
    expect(impressionEvents(serveRanking(model, query, experiment.variants[0], 'r'), at)[0].restricted).toBe('candidates+exclude');
    const excluded = serveRanking(model, { userId: 'u1', k: 3, exclude: ['i2'] }, undefined, 'r');
    expect(impressionEvents(excluded, at)[0].restricted).toBe('exclude');
  });

  it('the same request id draws the same list (seeded per request)', async () => {
    const { serveRanking } = await import('./served-list.js');
    const model = createFixtureModel({ name: 'demo', version: 1, tables });
    const a = serveRanking(model, { userId: 'u1', k: 6 }, experiment.variants[0], 'fixed-id');
    expect(serveRanking(model, { userId: 'u1', k: 6 }, experiment.variants[0], 'fixed-id')).toEqual(a);
    expect(a.items).toHaveLength(6);
  });
});
