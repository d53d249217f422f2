import { describe, expect, it } from 'vitest';
import { toDataFrame } from './dataframe.js';

describe('toDataFrame', () => {
  it('builds a danfo DataFrame from rows with ragged keys, bigints and dates', () => {
    const df = toDataFrame([
      { user: 'u1', n: 2n, at: new Date(Date.UTC(2024, 0, 1)) },
      { user: 'u2', n: 3, extra: 'x' },
    ]);
    expect(df.shape).toEqual([2, 4]);
    expect(df.columns).toEqual(['user', 'n', 'at', 'extra']);
    expect(df.column('n').values).toEqual([2, 3]);
    expect(df.column('at').values).toEqual(['2024-01-01T00:00:00.000Z', null]);
  });

  it('gives an empty frame for no rows', () => {
    expect(toDataFrame([]).shape).toEqual([0, 0]);
  });
});
