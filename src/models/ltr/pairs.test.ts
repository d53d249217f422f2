import { describe, expect, it } from 'vitest';
import { discount, idealDcg } from '../../eval/ndcg.js';
import { BatchAssembler, packBatches, prepareGroups } from './batches.js';
import { groupPairs, LossScratch, pairwiseLoss, softplusNeg } from './pairs.js';

/** A batch made of the given label lists (1 feature per row; features do not matter here). */
function batchOf(...labelLists: number[][]) {
  const groups = labelLists.map((labels) => ({ features: new Float32Array(labels.length), labels: Float32Array.from(labels) }));
  return new BatchAssembler(1, false).assemble(prepareGroups(groups, 1, false));
}

describe('groupPairs', () => {
  it('pairs every higher label with every lower one, weighted by the label difference', () => {
    const p = groupPairs([0, 5, 1, 0]);
    const pairs = Array.from(p.i, (i, k) => [i, p.j[k], p.w[k]]);
    expect(pairs).toEqual([
      [1, 0, 5],
      [1, 2, 4],
      [1, 3, 5],
      [2, 0, 1],
      [2, 3, 1],
    ]);
  });

  it('gives no pairs when all labels are equal', () => {
    expect(groupPairs([3, 3]).w.length).toBe(0);
    // Sampling weights multiply in: a negative standing for 10 items weighs 10 times as much.
    expect(Array.from(groupPairs([5, 0, 0], [1, 10, 2]).w)).toEqual([50, 10]);
    expect(groupPairs([0, 0, 0]).w.length).toBe(0);
  });
});

describe('pairwiseLoss', () => {
  it('is the weighted mean of log(1 + exp(-(s_i - s_j)))', () => {
    const batch = batchOf([2, 0, 0]);
    const scores = [0.5, 1, -1];
    const { loss, weight } = pairwiseLoss(scores, batch, false, new LossScratch());
    expect(weight).toBe(4);
    const expected = (2 * Math.log(1 + Math.exp(0.5)) + 2 * Math.log(1 + Math.exp(-1.5))) / 4;
    expect(loss).toBeCloseTo(expected, 10);
  });

  it('returns dL/ds that matches finite differences', () => {
    const batch = batchOf([3, 0, 1, 0], [0, 5, 0]);
    const scores = [0.3, -0.2, 0.9, 0.1, 1.2, -0.4, 0.05];
    const scratch = new LossScratch();
    pairwiseLoss(scores, batch, false, scratch);
    const grad = Array.from(scratch.grad.subarray(0, scores.length));
    const h = 1e-5;
    for (let r = 0; r < scores.length; r++) {
      const up = scores.slice();
      up[r] += h;
      const down = scores.slice();
      down[r] -= h;
      const numeric =
        (pairwiseLoss(up, batch, false, new LossScratch()).loss - pairwiseLoss(down, batch, false, new LossScratch()).loss) / (2 * h);
      expect(grad[r]).toBeCloseTo(numeric, 5);
    }
  });

  it('pushes positives up and negatives down', () => {
    const batch = batchOf([1, 0]);
    const scratch = new LossScratch();
    pairwiseLoss([0, 0], batch, false, scratch);
    expect(scratch.grad[0]).toBeLessThan(0);
    expect(scratch.grad[1]).toBeGreaterThan(0);
  });

  it('with lambda weights, weights each pair by its |delta NDCG| from the current ranks', () => {
    // Scores rank row 2 first, row 0 second, row 1 third. Labels: row 0 = 1, others 0.
    const batch = batchOf([1, 0, 0]);
    const scores = [0.5, 0, 1];
    const scratch = new LossScratch();
    const { weight } = pairwiseLoss(scores, batch, true, scratch);
    const idcg = idealDcg([1, 0, 0]);
    const w01 = Math.abs(discount(1) - discount(2)) / idcg; // row 0 at rank 1, row 1 at rank 2
    const w02 = Math.abs(discount(1) - discount(0)) / idcg; // row 2 at rank 0
    expect(weight).toBeCloseTo(w01 + w02, 6);
    expect(scratch.weight[0]).toBeCloseTo(w01, 6);
    expect(scratch.weight[1]).toBeCloseTo(w02, 6);
  });

  it('softplusNeg is stable for large margins', () => {
    expect(softplusNeg(1000)).toBe(0);
    expect(softplusNeg(-1000)).toBe(1000);
    expect(softplusNeg(0)).toBeCloseTo(Math.LN2, 12);
  });
});

describe('batches', () => {
  it('packs whole groups up to about batchPairs pairs and skips groups without pairs', () => {
    const mk = (labels: number[]) => ({ features: new Float32Array(labels.length), labels: Float32Array.from(labels) });
    const prepared = prepareGroups([mk([1, 0, 0]), mk([0, 0]), mk([1, 0]), mk([2, 1, 0]), mk([1, 0, 0, 0])], 1, false);
    const batches = packBatches(prepared, 3);
    expect(batches.map((b) => b.map((g) => g.index))).toEqual([[0, 2], [3], [4]]);
  });

  it('offsets pair indices by each group start and keeps group boundaries', () => {
    const batch = batchOf([1, 0], [0, 2, 0]);
    expect(batch.rows).toBe(5);
    expect(Array.from(batch.groupStart.subarray(0, 3))).toEqual([0, 2, 5]);
    expect(Array.from(batch.pairI.subarray(0, batch.pairs))).toEqual([0, 3, 3]);
    expect(Array.from(batch.pairJ.subarray(0, batch.pairs))).toEqual([1, 2, 4]);
  });

  it('rejects groups of the wrong shape or with non-finite values, naming group, row and feature', () => {
    const ok = { features: new Float32Array(4), labels: Float32Array.from([1, 0]) };
    expect(() => prepareGroups([ok, { features: new Float32Array(3), labels: Float32Array.from([1, 0]) }], 2, false)).toThrow(
      /training group 1: features has 3 values, expected 2 rows x 2 features/,
    );
    expect(() =>
      prepareGroups([{ features: Float32Array.from([0, 0, 0, Number.NaN]), labels: ok.labels, userId: 'u9' }], 2, false),
    ).toThrow(/training group 0 \(user u9\): row 1, feature 1 is NaN/);
    expect(() => prepareGroups([{ features: new Float32Array(4), labels: Float32Array.from([-1, 0]) }], 2, false)).toThrow(
      /row 0 has label -1/,
    );
    expect(() => prepareGroups([ok], 2, true)).toThrow(/needs an itemIndex/);
  });
});
