import { describe, expect, it } from 'vitest';
import type { ServableModel } from '../src/serving/servable.js';
import { warmUp } from '../src/serving/warmup.js';
import { createFixtureModel, fixtureTables } from './testing/fixture-model.js';

const good = () => createFixtureModel({ name: 'demo', version: 1, tables: fixtureTables({ items: 50, users: 5 }) });

describe('warmUp', () => {
  it('runs the warm-up requests of a sound model', async () => {
    expect(await warmUp(good())).toBeGreaterThanOrEqual(0);
  });

  it.each([
    [
      'NaN scores',
      (m: ServableModel): ServableModel => ({ ...m, recommend: (q) => m.recommend(q).map((it) => ({ ...it, score: Number.NaN })) }),
      /score finite/,
    ],
    [
      'more than k items',
      (m: ServableModel): ServableModel => ({ ...m, recommend: (q) => m.recommend({ ...q, k: q.k + 5 }) }),
      /items for k=/,
    ],
    ['a predict of the wrong length', (m: ServableModel): ServableModel => ({ ...m, predict: () => [] }), /predict returned/],
  ])('refuses a model returning %s', async (_what, breakIt, message) => {
    await expect(warmUp(breakIt(good()))).rejects.toThrow(message);
  });
});
