import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import { BPR_FACTORS, bprParams, bprScore, foldInUser, trainBpr } from './bpr.js';
import type { InteractionMatrix } from './item-state.js';

/**
 * A planted two-block shop: 30 "A" users each touch 6 of items 0-11, 10 "B" users 6 of items
 * 12-23 (held out: one more item of their block each). Block A items are three times as popular,
 * so popularity tells a B user to buy A items; the block is the only signal that says otherwise.
 */
function twoBlocks(seed = 3): { matrix: InteractionMatrix; heldOut: number[]; block: (u: number) => number } {
  const rng = new Rng(seed);
  const block = (u: number) => (u < 30 ? 0 : 1);
  const offsets = [0];
  const cols: number[] = [];
  const heldOut: number[] = [];
  for (let u = 0; u < 40; u++) {
    const items = rng.shuffle(Array.from({ length: 12 }, (_, k) => k + 12 * block(u)));
    cols.push(...items.slice(0, 6).sort((a, b) => a - b));
    heldOut.push(items[6]);
    offsets.push(cols.length);
  }
  const matrix = {
    users: 40,
    items: 24,
    offsets: Int32Array.from(offsets),
    cols: Int32Array.from(cols),
    weights: new Float32Array(cols.length).fill(1),
  };
  return { matrix, heldOut, block };
}

const row = (m: InteractionMatrix, u: number) => m.cols.subarray(m.offsets[u], m.offsets[u + 1]);

/** Share of users whose held-out item outscores every item of the other block (the user's own items aside). */
function blockAuc(scores: (u: number) => ArrayLike<number>, t: ReturnType<typeof twoBlocks>): number {
  let hits = 0;
  for (let u = 0; u < 40; u++) {
    const s = scores(u);
    const other = Array.from({ length: 12 }, (_, k) => k + 12 * (1 - t.block(u)));
    if (other.every((j) => s[t.heldOut[u]] > s[j])) hits++;
  }
  return hits / 40;
}

describe('BPR matrix factorisation', () => {
  const planted = twoBlocks();
  const params = { factors: 8, epochs: 200, learningRate: 0.05, regularization: 0.01, seed: 7 };

  it('recovers a planted two-block structure that popularity gets wrong', () => {
    const fit = trainBpr(planted.matrix, params);
    const pop = new Float64Array(24);
    for (const c of planted.matrix.cols) pop[c]++;
    const bpr = blockAuc((u) => {
      const v = foldInUser(fit.model, row(planted.matrix, u));
      return Array.from({ length: 24 }, (_, c) => bprScore(fit.model, v, c));
    }, planted);
    const popularity = blockAuc(() => pop, planted);
    expect(popularity).toBeLessThanOrEqual(0.75); // every B user is told to buy A items
    expect(bpr).toBe(1);
    expect(fit.updates).toBeGreaterThan(0.99 * params.epochs * planted.matrix.cols.length);
  });

  it('is deterministic: the same interactions and params give the same factors, bit for bit; another seed does not', () => {
    const a = trainBpr(planted.matrix, params).model;
    const b = trainBpr(planted.matrix, params).model;
    expect(b.itemFactors).toEqual(a.itemFactors);
    expect(b.itemBias).toEqual(a.itemBias);
    expect(trainBpr(planted.matrix, { ...params, seed: 8 }).model.itemFactors).not.toEqual(a.itemFactors);
  });

  it('folds a user in from the history alone: seeded by the history, close to the trained vector, zero without history', () => {
    const fit = trainBpr(planted.matrix, params);
    const f = params.factors;
    const history = row(planted.matrix, 35);
    const once = foldInUser(fit.model, history);
    expect(foldInUser(fit.model, Int32Array.from(history))).toEqual(once);
    expect(foldInUser(fit.model, new Int32Array(0))).toEqual(new Float32Array(f));
    // The folded-in vector ranks the user's block first, as the trained one does.
    const top = (v: Float32Array) =>
      Array.from({ length: 24 }, (_, c) => c)
        .filter((c) => !history.includes(c))
        .sort((x, y) => bprScore(fit.model, v, y) - bprScore(fit.model, v, x))
        .slice(0, 6);
    expect(top(once).every((c) => c >= 12)).toBe(true);
    const trained = top(fit.userFactors.subarray(35 * f, 36 * f));
    expect(top(once).filter((c) => trained.includes(c)).length).toBeGreaterThanOrEqual(5);
  });

  it('rejects bad knobs naming them', () => {
    expect(() => bprParams({ factors: 0 })).toThrow(/bpr: factors must be a positive integer, got 0/);
    expect(() => bprParams({ learningRate: -1 })).toThrow(/learningRate/);
    expect(bprParams({})).toMatchObject({ factors: 32, epochs: 30, seed: 42 });
  });

  it('encodes and decodes exactly; a malformed state names its field', () => {
    const { model } = trainBpr(planted.matrix, { ...params, epochs: 2 });
    const back = BPR_FACTORS.decode(JSON.parse(JSON.stringify(BPR_FACTORS.encode(model))), 24);
    expect(back).toEqual(model);
    expect(() => BPR_FACTORS.decode(BPR_FACTORS.encode(model), 25)).toThrow(/fitted.bpr-factors.itemFactors/);
    expect(() => BPR_FACTORS.decode({ params: { factors: -2 } }, 24)).toThrow(/fitted.bpr-factors.params.*factors/);
  });
});
