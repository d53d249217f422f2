import { describe, expect, it } from 'vitest';
import { DAY_MS } from '../features/popularity.js';
import { buildFeatureStore } from '../features/store.js';
import { randomShop } from '../features/testing/shops.js';
import { initBackend, tf } from './backend.js';
import { BASELINE_KINDS, BASELINE_MODEL_KINDS, createBaseline, PopularityRanker } from './baselines/index.js';
import {
  createScorerModel,
  type HeuristicKind,
  hasModelKind,
  kindParams,
  modelKind,
  modelKinds,
  registerModelKind,
  type ScorerKind,
} from './kinds.js';
import { createScorer, LTR_KIND, LTR_MLP, scorerInputDim } from './ltr/index.js';

const BUILT_IN = ['ltr-mlp', 'popularity', 'repeat', 'cooccurrence', 'attributes'];

/** A heuristic kind for these tests: every item scores its catalogue position. */
function positionKind(name: string): HeuristicKind<{ scale?: number }> {
  return {
    family: 'heuristic',
    name,
    description: 'catalogue position',
    defaults: { scale: 1 },
    grid: [{}, { scale: 2 }],
    create: (store, params) => ({
      name,
      score: (req) => Float32Array.from(req.candidates, (id) => (params.scale ?? 1) * (store.itemIds.indexOf(id) + 1)),
      dispose() {},
    }),
  };
}

describe('the model kind registry', () => {
  it('holds the built-in kinds: ltr-mlp and every baseline, in that order', () => {
    expect(modelKinds().map((k) => k.name)).toEqual(expect.arrayContaining(BUILT_IN));
    expect(
      modelKinds()
        .map((k) => k.name)
        .slice(0, BUILT_IN.length),
    ).toEqual(BUILT_IN);
    expect(modelKind(LTR_KIND)).toBe(LTR_MLP);
    expect(modelKinds('scorer').map((k) => k.name)).toContain('ltr-mlp');
    expect(modelKinds('heuristic').map((k) => k.name)).toEqual(expect.arrayContaining([...BASELINE_KINDS]));
    expect(BASELINE_MODEL_KINDS.map((k) => k.name)).toEqual([...BASELINE_KINDS]);
  });

  it('names the unknown kind and lists the registered ones', () => {
    expect(hasModelKind('ltr-gbdt')).toBe(false);
    expect(() => modelKind('ltr-gbdt')).toThrow(
      /unknown model kind "ltr-gbdt"; registered: ltr-mlp, popularity, repeat, cooccurrence, attributes/,
    );
  });

  it('registers a kind; the identical object again is a no-op, another one under the same name needs replace', () => {
    const kind = positionKind('test-position');
    expect(registerModelKind(kind)).toBe(kind);
    expect(() => registerModelKind(kind)).not.toThrow();
    expect(modelKind('test-position')).toBe(kind);
    const again = positionKind('test-position'); // a notebook cell re-run builds a new object
    expect(() => registerModelKind(again)).toThrow(/model kind "test-position" is already registered .*replace: true/);
    expect(modelKind('test-position')).toBe(kind);
    registerModelKind(again, { replace: true });
    expect(modelKind('test-position')).toBe(again);
    expect(() => registerModelKind({ ...LTR_MLP })).toThrow(/"ltr-mlp" is already registered/);
  });

  it('refuses malformed kinds, naming the problem', () => {
    expect(() => registerModelKind({ ...positionKind('Bad Name') })).toThrow(/"Bad Name": the name must be a lowercase identifier/);
    expect(() => registerModelKind({ ...positionKind('no-grid'), grid: [] })).toThrow(/"no-grid": a heuristic kind needs a non-empty grid/);
    const oddSkip = { ...positionKind('odd-skip'), unavailable: 'never' } as unknown as HeuristicKind;
    expect(() => registerModelKind(oddSkip)).toThrow(/"odd-skip": unavailable must be a function/);
    const noModel = { family: 'scorer', name: 'no-model', description: '', defaults: {} } as unknown as ScorerKind;
    expect(() => registerModelKind(noModel)).toThrow(/"no-model": a scorer kind needs createModel/);
    const odd = { ...positionKind('odd'), family: 'tree' } as unknown as HeuristicKind;
    expect(() => registerModelKind(odd)).toThrow(/unknown family "tree"/);
    expect(hasModelKind('no-grid') || hasModelKind('no-model') || hasModelKind('odd')).toBe(false);
  });

  it('merges params over a kind’s defaults', () => {
    expect(kindParams(LTR_MLP)).toEqual({ hidden: [64, 32] });
    expect(kindParams(LTR_MLP, { hidden: [8] })).toEqual({ hidden: [8] });
  });

  it('builds the baselines through their kinds (createBaseline included)', async () => {
    const shop = randomShop(3);
    const store = await buildFeatureStore(shop.events, shop.items, { cutoff: shop.start + 50 * DAY_MS, threads: 1 });
    const viaKind = (modelKind('popularity') as HeuristicKind).create(store, { halfLifeDays: 30 });
    expect(viaKind).toBeInstanceOf(PopularityRanker);
    const viaFactory = createBaseline('popularity', store, { halfLifeDays: 30 });
    const req = { userId: store.userIds[0], candidates: store.itemIds.slice(0, 10) };
    expect(Array.from(viaKind.score(req))).toEqual(Array.from(viaFactory.score(req)));
    for (const kind of BASELINE_MODEL_KINDS) expect(kind.grid.length).toBeGreaterThan(0);
  });
});

describe('createScorerModel', () => {
  it('builds ltr-mlp exactly as createScorer does (same seed, same weights)', async () => {
    await initBackend();
    const a = createScorerModel(LTR_MLP, { inputDim: 5, seed: 3, params: kindParams(LTR_MLP) });
    const b = createScorer({ inputDim: 5, seed: 3 });
    expect(scorerInputDim(a)).toBe(5);
    const wa = a.getWeights().map((w) => Array.from(w.dataSync()));
    const wb = b.getWeights().map((w) => Array.from(w.dataSync()));
    expect(wa).toEqual(wb);
    a.dispose();
    b.dispose();
  });

  it('refuses a model that does not fit the scorer path, and frees it', async () => {
    await initBackend();
    const wide: ScorerKind = {
      family: 'scorer',
      name: 'test-wide',
      description: 'two scores per row',
      defaults: {},
      createModel: ({ inputDim }) => {
        const input = tf.input({ shape: [inputDim] });
        return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor });
      },
    };
    const before = tf.memory().numTensors;
    expect(() => createScorerModel(wide, { inputDim: 4, seed: 1, params: {} })).toThrow(
      /model kind "test-wide": createModel built an unusable model: it must output one score per row \(\[n, 1\]\), got \[null,2\]/,
    );
    const fixed: ScorerKind = { ...wide, name: 'test-fixed', createModel: () => createScorer({ inputDim: 3, seed: 1 }) };
    expect(() => createScorerModel(fixed, { inputDim: 4, seed: 1, params: {} })).toThrow(/its input takes 3 features, expected 4/);
    expect(tf.memory().numTensors).toBe(before); // the refused models were freed
  });
});
