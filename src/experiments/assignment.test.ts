import { describe, expect, it } from 'vitest';
import { sampleRatioMismatch } from './ab-statistics.js';
import { assignVariant, type Experiment, experimentSchema } from './assignment.js';

const exp: Experiment = {
  id: 'ranker-vs-pop',
  salt: 's1',
  variants: [
    { name: 'control', weight: 90, alias: 'champion' },
    { name: 'treatment', weight: 10, alias: 'challenger' },
  ],
};

describe('assignVariant', () => {
  it('is sticky: the same user always gets the same variant', () => {
    for (let i = 0; i < 100; i++) expect(assignVariant(exp, `u${i}`).name).toBe(assignVariant(exp, `u${i}`).name);
  });

  it('splits 100,000 users within sampling error of the configured 90/10', () => {
    let treated = 0;
    const n = 100_000;
    for (let i = 0; i < n; i++) if (assignVariant(exp, `user-${i}`).name === 'treatment') treated++;
    const sd = Math.sqrt(n * 0.1 * 0.9); // binomial standard deviation, ~95
    expect(Math.abs(treated - n * 0.1)).toBeLessThan(4 * sd);
  });

  it('passes the sample-ratio check over 100,000 users with three unequal variants', () => {
    const three: Experiment = {
      ...exp,
      variants: [
        { name: 'a', weight: 50, alias: 'champion' },
        { name: 'b', weight: 30, alias: 'challenger' },
        { name: 'c', weight: 20, version: 3 },
      ],
    };
    const counts = new Map(three.variants.map((v) => [v.name, 0]));
    for (let i = 0; i < 100_000; i++) {
      const name = assignVariant(three, `user-${i}`).name;
      counts.set(name, (counts.get(name) ?? 0) + 1);
    }
    const srm = sampleRatioMismatch([...counts.values()], [50, 30, 20]);
    expect(srm.mismatch).toBe(false);
    // The same counts against the wrong weights are flagged.
    expect(sampleRatioMismatch([...counts.values()], [45, 35, 20]).mismatch).toBe(true);
  });

  it('reshuffles users when the salt changes', () => {
    const other = { ...exp, salt: 's2' };
    let moved = 0;
    for (let i = 0; i < 1000; i++) if (assignVariant(exp, `u${i}`).name !== assignVariant(other, `u${i}`).name) moved++;
    expect(moved).toBeGreaterThan(100);
  });

  it('rejects a variant naming both or neither alias and version, and duplicate names', () => {
    expect(() => experimentSchema.parse({ ...exp, variants: [{ name: 'a', weight: 1 }] })).toThrow(/exactly one/);
    expect(() =>
      experimentSchema.parse({
        ...exp,
        variants: [
          { name: 'a', weight: 1, alias: 'x' },
          { name: 'a', weight: 1, alias: 'y' },
        ],
      }),
    ).toThrow(/unique/);
  });
});
