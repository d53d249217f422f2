import { describe, expect, it } from 'vitest';
import type { GroundTruth } from '../data/schema.js';
import { WorkbenchError } from '../errors.js';
import type { Ranker, RankRequest } from '../models/ranker.js';
import { evaluateAgainstTruth, gradedNdcgAtK, topItemGains, truthReportToMarkdown } from './truth.js';

describe('gradedNdcgAtK', () => {
  it('matches a hand-computed case', () => {
    // Ranking by score: items 1, 2, 0. Gains 1, 3, 0 -> DCG@2 = 3 + 0/log2(3); ideal = 3 + 1/log2(3).
    const got = gradedNdcgAtK([0.1, 0.9, 0.5], [1, 3, 0], 2);
    expect(got).toBeCloseTo(3 / (3 + 1 / Math.log2(3)), 12);
  });

  it('is 1 for the ideal order, 0 when every gain is 0, and breaks score ties by index', () => {
    expect(gradedNdcgAtK([3, 2, 1], [0.9, 0.5, 0.1], 3)).toBeCloseTo(1, 12);
    expect(gradedNdcgAtK([3, 2, 1], [0, 0, 0], 3)).toBe(0);
    // All scores tie: index order 0, 1 is the ranking, so the gain at index 1 comes second.
    expect(gradedNdcgAtK([1, 1], [0, 1], 1)).toBe(0);
    expect(gradedNdcgAtK([1, 1], [1, 0], 1)).toBe(1);
  });

  it('names what is wrong with bad input', () => {
    expect(() => gradedNdcgAtK([1, 2], [1], 1)).toThrow(/2 scores for 1 gains/);
    expect(() => gradedNdcgAtK([1, 2], [1, -1], 1)).toThrow(/index 1 is -1/);
    expect(() => gradedNdcgAtK([1, 2], [1, Number.NaN], 1)).toThrow(/index 1 is NaN/);
    expect(() => gradedNdcgAtK([1, 2], [1, 0], 0)).toThrow(WorkbenchError);
  });
});

describe('topItemGains', () => {
  it('marks the top items and keeps ties with the last one in', () => {
    expect(Array.from(topItemGains([0.1, 0.9, 0.5, 0.7], 2))).toEqual([0, 1, 0, 1]);
    expect(Array.from(topItemGains([0.5, 0.9, 0.5, 0.1], 2))).toEqual([1, 1, 1, 0]);
    expect(Array.from(topItemGains([0.2, 0.1], 5))).toEqual([1, 1]);
    expect(() => topItemGains([1], 0)).toThrow(/top must be a positive integer, got 0/);
  });
});

const items = Array.from({ length: 40 }, (_, i) => `i${i}`);
const users = Array.from({ length: 60 }, (_, u) => `u${u}`);
/** Each user likes a different stretch of the catalogue. */
const truth: GroundTruth = {
  affinity(userId, itemId) {
    const u = Number(userId.slice(1));
    const i = Number(itemId.slice(1));
    return 1 / (1 + ((i - u) % items.length) ** 2 / 10) || 0;
  },
};

function ranker(name: string, score: (userId: string, itemId: string) => number): Ranker {
  return {
    name,
    score: (req: RankRequest) => Float32Array.from(req.candidates, (itemId) => score(req.userId, itemId)),
    dispose: () => {},
  };
}

describe('evaluateAgainstTruth', () => {
  const oracle = ranker('oracle', (u, i) => truth.affinity(u, i));
  const noisy = ranker('noisy', (u, i) => truth.affinity(u, i) + 0.3 * Math.sin(Number(i.slice(1)) * 7.3 + Number(u.slice(1))));
  const itemOrder = ranker('item-order', (_u, i) => -Number(i.slice(1)));

  it('scores a perfect model 1, separates models, and compares each non-baseline with every baseline', () => {
    const report = evaluateAgainstTruth({
      truth,
      rankers: [itemOrder, noisy, oracle],
      baselineNames: ['item-order', 'noisy'],
      users,
      catalogue: items,
      bootstrap: { resamples: 200 },
      usersDescription: 'test users',
    });
    const byName = Object.fromEntries(report.models.map((m) => [m.name, m]));
    expect(byName.oracle.topNdcg.mean).toBe(1);
    expect(byName.oracle.gradedNdcg.mean).toBeCloseTo(1, 12);
    expect(byName.noisy.topNdcg.mean).toBeLessThan(1);
    expect(byName['item-order'].topNdcg.mean).toBeLessThan(byName.noisy.topNdcg.mean);
    expect(byName['item-order'].baseline).toBe(true);
    expect(byName.oracle.baseline).toBe(false);
    expect(report.comparisons.map((c) => `${c.model}>${c.baseline}`)).toEqual(['oracle>item-order', 'oracle>noisy']);
    for (const c of report.comparisons) expect(c.top.diff.lo).toBeGreaterThan(0);
    expect(report).toMatchObject({ k: 10, top: 20, users: 60, catalogueSize: 40, usersDescription: 'test users' });
    const md = truthReportToMarkdown(report);
    expect(md).toContain('| oracle | 1.000 [1.000, 1.000] |');
    expect(md).toContain('| noisy (baseline) |');
    expect(md).toMatch(/- oracle vs item-order: top-20 \+0\.\d{3} \[\+0\.\d{3}, \+0\.\d{3}\] \(\+\d+\.\d%\); graded/);
    // JSON-safe: the CLI prints it with --json.
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('refuses no users, an empty catalogue, an unknown baseline and non-finite scores', () => {
    const base = { truth, rankers: [oracle], baselineNames: [], users, catalogue: items };
    expect(() => evaluateAgainstTruth({ ...base, users: [] })).toThrow(/no users/);
    expect(() => evaluateAgainstTruth({ ...base, catalogue: [] })).toThrow(/catalogue is empty/);
    expect(() => evaluateAgainstTruth({ ...base, baselineNames: ['nope'] })).toThrow(/baseline "nope" is not among the models \(oracle\)/);
    const broken = ranker('broken', (_u, i) => (i === 'i3' ? Number.NaN : 1));
    expect(() => evaluateAgainstTruth({ ...base, rankers: [broken] })).toThrow(/broken scores for user "u0".*i3/);
  });
});
