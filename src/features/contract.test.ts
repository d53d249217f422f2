import { describe, expect, it } from 'vitest';
import { DataError, WorkbenchError } from '../errors.js';
import {
  assertSameFeatures,
  defaultContract,
  FEATURE_DOCS,
  FEATURE_INDEX,
  FEATURE_NAMES,
  type FeatureContract,
  featureContractSchema,
  fitGroupsNormalisation,
  fitNormalisation,
  normalise,
} from './contract.js';

describe('feature contract', () => {
  it('names 12-24 documented features in a fixed order', () => {
    expect(FEATURE_NAMES.length).toBeGreaterThanOrEqual(12);
    expect(FEATURE_NAMES.length).toBeLessThanOrEqual(24);
    expect(new Set(FEATURE_NAMES).size).toBe(FEATURE_NAMES.length);
    FEATURE_NAMES.forEach((n, i) => {
      expect(FEATURE_INDEX[n]).toBe(i);
      expect(FEATURE_DOCS[n].length).toBeGreaterThan(10);
    });
    expect(defaultContract()).toMatchObject({ version: 1, names: FEATURE_NAMES, versions: FEATURE_NAMES.map(() => 1) });
    expect(defaultContract().featureSet).toMatch(/^fs-[0-9a-f]{12}$/);
    expect(featureContractSchema.safeParse(defaultContract()).success).toBe(true);
  });

  it('fits mean and population std per column; constant columns get std 1', () => {
    // 3 rows x 2 columns: column 0 = 1, 2, 3; column 1 constant 5.
    const rows = new Float32Array([1, 5, 2, 5, 3, 5]);
    const { mean, std } = fitNormalisation(rows, 2);
    expect(mean).toEqual([2, 5]);
    expect(std[0]).toBeCloseTo(Math.sqrt(2 / 3), 10);
    expect(std[1]).toBe(1);
  });

  it('fits several groups as one matrix, naming the row of a bad value across groups', () => {
    const groups = [{ rows: new Float32Array([1, 10, 3, 10]) }, { rows: new Float32Array([5, 10]) }];
    expect(fitGroupsNormalisation(groups, 2)).toEqual(fitNormalisation(new Float32Array([1, 10, 3, 10, 5, 10]), 2));
    expect(() => fitGroupsNormalisation([groups[0], { rows: new Float32Array([Number.NaN, 1]) }], 2)).toThrow(/row 2, column 0/);
  });

  it('normalises into a new array with the contract statistics', () => {
    const rows = new Float32Array([1, 5, 2, 5, 3, 5]);
    const contract: FeatureContract = { version: 1, names: ['a', 'b'], normalisation: fitNormalisation(rows, 2) };
    const out = normalise(rows, contract);
    expect(out).not.toBe(rows);
    expect(rows[0]).toBe(1);
    expect(out[0]).toBeCloseTo(-1 / Math.sqrt(2 / 3), 5);
    expect(out[2]).toBeCloseTo(0, 6);
    expect(out[1]).toBe(0);
    // Normalised training columns have mean 0, std 1.
    const again = fitNormalisation(out, 2);
    expect(again.mean[0]).toBeCloseTo(0, 6);
    expect(again.std[0]).toBeCloseTo(1, 5);
  });

  it('names the row and column of a bad value, and rejects bad shapes', () => {
    expect(() => fitNormalisation(new Float32Array([1, 2, Number.NaN, 4]), 2)).toThrow(/row 1, column 0/);
    expect(() => fitNormalisation(new Float32Array([1, 2, 3]), 2)).toThrow(DataError);
    expect(() => fitNormalisation(new Float32Array(0), 2)).toThrow(/multiple/);
    expect(() => fitNormalisation(new Float32Array(4), 0)).toThrow(/dim/);
    const c: FeatureContract = { version: 1, names: ['a', 'b'], normalisation: { mean: [0, 0], std: [1, 1] } };
    expect(() => normalise(new Float32Array(3), c)).toThrow(/multiple/);
    expect(() => normalise(new Float32Array(2), { version: 1, names: ['a', 'b'] })).toThrow(WorkbenchError);
  });

  it('detects a model trained on other features', () => {
    const c = defaultContract();
    expect(() => assertSameFeatures(c, defaultContract())).not.toThrow();
    const swapped = { ...c, names: [c.names[1], c.names[0], ...c.names.slice(2)] };
    expect(() => assertSameFeatures(c, swapped)).toThrow(/feature 0/);
    expect(() => assertSameFeatures(c, { ...c, names: c.names.slice(1) })).toThrow(/contract|feature/);
  });

  it('validates stored contracts', () => {
    expect(featureContractSchema.safeParse({ version: 1, names: ['a'], normalisation: { mean: [0, 1], std: [1] } }).success).toBe(false);
    expect(featureContractSchema.safeParse({ version: 2, names: ['a'] }).success).toBe(false);
  });
});
