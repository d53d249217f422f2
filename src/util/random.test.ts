import { describe, expect, it } from 'vitest';
import { hashString, Rng } from './random.js';

describe('Rng', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(42)),
    );
    const b = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(42)),
    );
    const c = Array.from(
      { length: 5 },
      (
        (r) => () =>
          r.next()
      )(new Rng(43)),
    );
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    for (const x of a) expect(x >= 0 && x < 1).toBe(true);
  });

  it('draws roughly uniform integers and proportional weighted indices', () => {
    const r = new Rng(7);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.weighted([1, 2, 3])]++;
    expect(counts[0] / 30_000).toBeCloseTo(1 / 6, 1);
    expect(counts[2] / 30_000).toBeCloseTo(3 / 6, 1);
    let mean = 0;
    for (let i = 0; i < 10_000; i++) mean += r.normal() / 10_000;
    expect(Math.abs(mean)).toBeLessThan(0.05);
  });

  it('hashes strings stably (FNV-1a reference values)', () => {
    expect(hashString('')).toBe(0x811c9dc5);
    expect(hashString('a')).toBe(0xe40c292c);
  });
});
