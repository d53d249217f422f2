import { describe, expect, it } from 'vitest';
import { attributeColumns, attributeSimilarity, attributeSimilarityAt, priceBandOf, priceEdges } from './attributes.js';
import { decodeArray, encodeArray } from './encoding.js';

describe('attributes', () => {
  it('derives price bands from catalogue quantiles', () => {
    const edges = priceEdges([50, 10, 40, 20, 30], 5);
    expect(edges).toEqual([20, 30, 40, 50]);
    expect([5, 10, 20, 29.99, 30, 50, 500].map((p) => priceBandOf(p, edges))).toEqual([0, 0, 1, 1, 2, 4, 4]);
    expect(priceBandOf(undefined, edges)).toBe(-1);
    expect(priceEdges([], 5)).toEqual([]);
    expect(priceEdges([3, 1, 2, 4], 2)).toEqual([3]);
  });

  it('scores attribute similarity as the share of the four attributes both items have equal', () => {
    const a = { itemId: 'a', title: '', brand: 'x', colour: 'red', category: 'bags', priceBand: 1 };
    expect(attributeSimilarity(a, { ...a, itemId: 'b' })).toBe(1);
    expect(attributeSimilarity(a, { itemId: 'b', title: '', brand: 'x', colour: 'blue' })).toBe(0.25);
    expect(attributeSimilarity({ itemId: 'a', title: '' }, { itemId: 'b', title: '' })).toBe(0);
  });

  it('encodes catalogue attributes as vocabulary indices, unknown = -1', () => {
    const cols = attributeColumns([
      { itemId: 'a', title: 'A', brand: 'y', colour: 'red', price: 10 },
      undefined,
      { itemId: 'c', title: 'C', brand: 'x', colour: 'red', category: '', price: 30 },
    ]);
    expect(cols.vocab).toEqual({ brand: ['x', 'y'], colour: ['red'], category: [] });
    expect(Array.from(cols.brand)).toEqual([1, -1, 0]);
    expect(Array.from(cols.category)).toEqual([-1, -1, -1]);
    // Two prices, five bands: edges [10, 10, 30, 30], so the bands are 2 and 4 (labels, not ranks).
    expect(Array.from(cols.priceBand)).toEqual([2, -1, 4]);
    expect(attributeSimilarityAt(cols, 0, 2)).toBe(0.25);
  });

  it('round-trips typed arrays through base64, NaN included', () => {
    const f64 = new Float64Array([1.5, Number.NaN, -1e300]);
    expect(decodeArray(encodeArray(f64), 'float64', 3, 'x')).toEqual(f64);
    const i32 = new Int32Array([-1, 0, 2 ** 31 - 1]);
    expect(decodeArray(JSON.parse(JSON.stringify(encodeArray(i32))), 'int32', 3, 'x')).toEqual(i32);
    expect(() => decodeArray(encodeArray(i32), 'float32', 3, 'users.weights')).toThrow(/users\.weights.*float32/);
    expect(() => decodeArray({ dtype: 'int32' }, 'int32', 3, 'y')).toThrow(/"y"/);
  });
});
