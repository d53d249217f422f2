import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import {
  doublyRobustEstimate,
  effectiveSampleSize,
  importanceWeights,
  ipsEstimate,
  type LoggedImpression,
  offPolicyEstimate,
  snipsEstimate,
} from './estimators.js';

// Two requests, two positions each; weights w = target / propensity = [2, 0, 0.5, 0.5].
const LOG: LoggedImpression[] = [
  { requestId: 'r1', propensity: 0.5, target: 1, reward: 1, predicted: 0.4, targetExpected: 0.6 },
  { requestId: 'r1', propensity: 0.25, target: 0, reward: 0, predicted: 0.2, targetExpected: 0.3 },
  { requestId: 'r2', propensity: 1, target: 0.5, reward: 1, predicted: 0.5, targetExpected: 0.5 },
  { requestId: 'r2', propensity: 0.5, target: 0.25, reward: 0, predicted: 0.1, targetExpected: 0.2 },
];

describe('off-policy estimators on a hand-computable log', () => {
  it('IPS, SNIPS, DR and the effective sample size', () => {
    expect(Array.from(importanceWeights(LOG))).toEqual([2, 0, 0.5, 0.5]);
    // IPS: (2x1 + 0 + 0.5x1 + 0) / 4.
    expect(Math.abs(ipsEstimate(LOG) - 0.625)).toBeLessThan(1e-9);
    // SNIPS: 2.5 / (2 + 0 + 0.5 + 0.5).
    expect(Math.abs(snipsEstimate(LOG) - 2.5 / 3)).toBeLessThan(1e-9);
    // DR: (0.6 + 2x0.6) + 0.3 + (0.5 + 0.5x0.5) + (0.2 - 0.5x0.1), over 4.
    expect(Math.abs(doublyRobustEstimate(LOG) - 0.75)).toBeLessThan(1e-9);
    // ESS: 3^2 / (4 + 0.25 + 0.25).
    expect(Math.abs(effectiveSampleSize(LOG) - 2)).toBeLessThan(1e-9);
    const all = offPolicyEstimate(LOG, { resamples: 200, seed: 3 });
    expect(all).toMatchObject({ impressions: 4, requests: 2, maxWeight: 2 });
    expect(Math.abs(all.logged.mean - 0.5)).toBeLessThan(1e-9);
    expect(Math.abs(all.ips.mean - 0.625)).toBeLessThan(1e-9);
    expect(Math.abs(all.snips.mean - 2.5 / 3)).toBeLessThan(1e-9);
    expect(Math.abs((all.dr?.mean ?? Number.NaN) - 0.75)).toBeLessThan(1e-9);
    expect(all.ips.lo).toBeLessThanOrEqual(all.ips.mean);
    expect(all.ips.hi).toBeGreaterThanOrEqual(all.ips.mean);
  });

  it('equal the observed rate when the candidate is the logging policy', () => {
    const onPolicy = LOG.map((r) => ({ ...r, target: r.propensity }));
    expect(Math.abs(ipsEstimate(onPolicy) - 0.5)).toBeLessThan(1e-9);
    expect(Math.abs(snipsEstimate(onPolicy) - 0.5)).toBeLessThan(1e-9);
    expect(Math.abs(effectiveSampleSize(onPolicy) - 4)).toBeLessThan(1e-9);
  });

  it('recover a deterministic policy from uniformly randomised logs (interval covers the truth)', () => {
    // Two items per slot shown uniformly at random; item 0 clicks with 0.3, item 1 with 0.1.
    // The candidate always shows item 0: its true CTR is 0.3.
    const rng = new Rng(5);
    const rows: LoggedImpression[] = [];
    for (let q = 0; q < 4000; q++) {
      const item = rng.int(2);
      rows.push({ requestId: `q${q}`, propensity: 0.5, target: item === 0 ? 1 : 0, reward: rng.chance(item === 0 ? 0.3 : 0.1) ? 1 : 0 });
    }
    const est = offPolicyEstimate(rows, { resamples: 500, seed: 1 });
    for (const i of [est.ips, est.snips]) {
      expect(i.lo).toBeLessThan(0.3);
      expect(i.hi).toBeGreaterThan(0.3);
    }
    expect(est.logged.hi).toBeLessThan(0.3); // the logging policy's own CTR is about 0.2
    expect(est.effectiveSampleSize).toBeGreaterThan(1800);
    expect(est.effectiveSampleSize).toBeLessThan(2200);
  });

  it('refuses logs without propensities, naming the impression', () => {
    const bare = [{ requestId: 'r9', target: 1, reward: 1 } as unknown as LoggedImpression];
    expect(() => offPolicyEstimate(bare)).toThrow(/impression 0 \(request "r9"\) carries no propensity: .*exploration on/);
    expect(() => ipsEstimate([{ ...LOG[0], propensity: 0 }])).toThrow(/propensity 0 is not in \(0, 1\]/);
    expect(() => doublyRobustEstimate([{ requestId: 'x', propensity: 1, target: 1, reward: 0 }])).toThrow(/doubly robust needs predicted/);
  });
});
