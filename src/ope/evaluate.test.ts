import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLogWriter } from '../data/eventlog-writer.js';
import type { InteractionEvent } from '../data/schema.js';
import { exploreRanking } from '../experiments/exploration.js';
import { Rng } from '../util/random.js';
import { fitPositionBasedModel } from './click-model.js';
import { estimateCandidate } from './evaluate.js';
import { loggedRequests, requireExploration } from './logged-requests.js';
import { offPolicyReport } from './ope-report.js';

// A PBM world: examination 1/(p+1), attractiveness by item; the logging policy ranks items 0..19 in
// order and explores (epsilon 0.5 in its top 12); the candidate shows items 4..8 in that order.
const ITEMS = Array.from({ length: 20 }, (_, i) => `i${i}`);
const attract = (id: string) => 0.05 + 0.04 * (Number(id.slice(1)) % 7);
const CANDIDATE = ['i4', 'i5', 'i6', 'i7', 'i8'];
const K = 5;

function world(requests: number, explore: boolean): InteractionEvent[] {
  const rng = new Rng(9);
  const events: InteractionEvent[] = [];
  for (let q = 0; q < requests; q++) {
    const list = explore
      ? exploreRanking(ITEMS, K, { kind: 'epsilon', epsilon: 0.5, topK: 12 }, rng)
      : { items: ITEMS.slice(0, K), propensities: undefined };
    list.items.forEach((itemId, position) => {
      const base = { userId: `u${q % 50}`, itemId, ts: q, requestId: `q${q}`, position, variant: 'champion' };
      events.push({ ...base, type: 'impression', ...(list.propensities ? { propensity: list.propensities[position] } : {}) });
      if (rng.next() < attract(itemId) / (position + 1)) {
        events.push({ ...base, type: 'click' });
        if (rng.next() < 0.5) events.push({ ...base, type: 'purchase' });
      }
    });
  }
  return events;
}

const truthCtr = CANDIDATE.reduce((s, id, p) => s + attract(id) / (p + 1), 0) / K;

describe('off-policy estimate of a candidate ranking from exploring logs', () => {
  it('IPS, SNIPS and DR cover the candidate’s true CTR and purchase rate; the logged CTR does not', () => {
    const grouped = loggedRequests(world(15_000, true));
    expect(grouped.report).toMatchObject({ requests: 15_000, impressions: 75_000, withPropensities: 15_000, incomplete: 0 });
    const requests = requireExploration(grouped, 'test log');
    const rankings = new Map(requests.map((r) => [r.requestId, CANDIDATE]));
    const est = estimateCandidate(requests, rankings, { resamples: 200, seed: 4 });
    for (const i of [est.ctr.ips, est.ctr.snips, est.ctr.dr]) {
      expect(i?.lo).toBeLessThan(truthCtr);
      expect(i?.hi).toBeGreaterThan(truthCtr);
    }
    for (const i of [est.purchaseRate.ips, est.purchaseRate.dr]) {
      expect(i?.lo).toBeLessThan(truthCtr / 2);
      expect(i?.hi).toBeGreaterThan(truthCtr / 2);
    }
    expect(est.ctr.logged.hi < truthCtr || est.ctr.logged.lo > truthCtr).toBe(true);
    // DR is at least as tight as IPS here (its reward model explains most of the variance).
    expect((est.ctr.dr?.hi ?? 1) - (est.ctr.dr?.lo ?? 0)).toBeLessThan(est.ctr.ips.hi - est.ctr.ips.lo);
    expect(est.matchedSlots).toBeGreaterThan(0);
    expect(est.ctr.effectiveSampleSize).toBeLessThan(est.slots);
  });

  it('the PBM recovers examination ratios from randomised logs', () => {
    const grouped = loggedRequests(world(10_000, true));
    const pbm = fitPositionBasedModel(
      grouped.requests.flatMap((r) => r.slots.map((s) => ({ itemId: s.itemId, position: s.position, reward: s.clicked }))),
    );
    const ratio = pbm.examination[2] / pbm.examination[0];
    expect(ratio).toBeGreaterThan(0.25);
    expect(ratio).toBeLessThan(0.45); // truth 1/3
  });

  it('refuses logs without propensities, saying how to get them', () => {
    const grouped = loggedRequests(world(100, false));
    expect(grouped.report.withPropensities).toBe(0);
    expect(() => requireExploration(grouped, 'data/events')).toThrow(
      /data\/events: none of its 500 impressions \(100 requests\) carries a propensity.*"exploration"/,
    );
    expect(() => requireExploration(loggedRequests([]), 'empty')).toThrow(/no impressions/);
  });

  it('joins clicks to their impression and keeps only complete requests', () => {
    const ev: InteractionEvent[] = [
      { type: 'impression', userId: 'u', itemId: 'a', ts: 1, requestId: 'r1', position: 0, propensity: 0.5 },
      { type: 'impression', userId: 'u', itemId: 'b', ts: 1, requestId: 'r1', position: 1, propensity: 0.25 },
      { type: 'impression', userId: 'u', itemId: 'b', ts: 1, requestId: 'r1', position: 1, propensity: 0.25 },
      { type: 'click', userId: 'u', itemId: 'b', ts: 2, requestId: 'r1', position: 1 },
      { type: 'impression', userId: 'u', itemId: 'c', ts: 1, requestId: 'r2', position: 1, propensity: 0.5 },
    ];
    const g = loggedRequests(ev);
    expect(g.requests.map((r) => r.slots.map((s) => [s.itemId, s.clicked]))).toEqual([
      [
        ['a', false],
        ['b', true],
      ],
    ]);
    expect(g.report).toMatchObject({ requests: 2, impressions: 3, withPropensities: 1, incomplete: 1 });
  });

  it('keeps the page item and a restriction of each request; an estimate refuses requests it cannot replay, counted', async () => {
    const restricted = world(40, true).map((e) =>
      e.type === 'impression' ? { ...e, contextItemId: 'i3', restricted: 'exclude' as const } : e,
    );
    const g = loggedRequests(restricted);
    expect(g.requests[0]).toMatchObject({ contextItemId: 'i3', restricted: 'exclude' });
    // Every exploring request excluded items the log does not name: refused before any model is opened.
    const dir = mkdtempSync(path.join(tmpdir(), 'ope-restricted-'));
    try {
      const writer = new EventLogWriter(dir);
      await writer.append(restricted);
      await writer.close();
      const opts = { eventsDir: dir, modelsDir: path.join(dir, 'no-models'), name: 'shop', version: 1 };
      await expect(offPolicyReport(opts)).rejects.toThrow(
        /every one of its 40 requests with propensities had its ranking restricted by the caller \(candidates or exclude\)/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
