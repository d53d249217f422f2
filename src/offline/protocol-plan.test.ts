import { describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../data/schema.js';
import { Rng } from '../util/random.js';
import { protocolPlan } from './protocol-plan.js';

const DAY = 86_400_000;

/** 60 users over 90 days: views and purchases, some users with a single purchase. */
function log(): InteractionEvent[] {
  const rng = new Rng(3);
  const out: InteractionEvent[] = [];
  for (let u = 0; u < 60; u++) {
    const n = 1 + rng.int(25);
    for (let k = 0; k < n; k++) {
      out.push({
        userId: `u${u}`,
        itemId: `i${rng.int(40)}`,
        ts: Date.UTC(2024, 0, 1) + rng.int(90 * DAY),
        type: rng.chance(0.6) ? 'purchase' : 'view',
      });
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

const key = (e: InteractionEvent) => `${e.userId}|${e.itemId}|${e.ts}|${e.type}`;

describe.each(['leave-one-out', 'random'] as const)('the %s protocol', (protocol) => {
  const events = log();
  const plan = protocolPlan(events, { protocol, seed: 9 });
  const folds = [...plan.train, plan.valid, plan.test];

  it('never puts a held-out event into a history the model learns or is judged from', () => {
    for (const f of folds) {
      const history = new Set(f.history.map(key));
      for (const e of f.labels) expect(history.has(key(e)), `${key(e)} is both label and history`).toBe(false);
    }
    // Test labels are in no history at all; validation labels only in the test's.
    const testLabels = new Set(plan.test.labels.map(key));
    for (const f of [...plan.train, plan.valid]) for (const e of f.history) expect(testLabels.has(key(e))).toBe(false);
    const validLabels = new Set(plan.valid.labels.map(key));
    for (const f of plan.train) for (const e of f.history) expect(validLabels.has(key(e))).toBe(false);
  });

  it('holds out disjoint label sets and reads features at the end of the data', () => {
    const all = folds.flatMap((f) => f.labels.map(key));
    expect(new Set(all).size).toBe(all.length);
    const end = Math.floor(events[events.length - 1].ts / DAY) * DAY + DAY;
    for (const f of folds) expect(f.cutoff).toBe(end);
    expect(plan.temporal).toBe(false);
    expect(plan.description).toMatch(new RegExp(`^${protocol}`));
  });

  it('is the same plan for the same seed', () => {
    const again = protocolPlan(events, { protocol, seed: 9 });
    expect(again.test.labels.map(key)).toEqual(plan.test.labels.map(key));
  });
});

describe('leave-one-out', () => {
  it("holds out each user's last purchase for test and the one before for validation, history strictly earlier", () => {
    const events = log();
    const plan = protocolPlan(events, { protocol: 'leave-one-out' });
    const purchases = new Map<string, InteractionEvent[]>();
    for (const e of events) if (e.type === 'purchase') purchases.set(e.userId, [...(purchases.get(e.userId) ?? []), e]);
    for (const [u, list] of purchases) {
      const test = plan.test.labels.filter((e) => e.userId === u);
      expect(test).toEqual([list[list.length - 1]]);
      const valid = plan.valid.labels.filter((e) => e.userId === u);
      expect(valid).toEqual(list.length > 1 ? [list[list.length - 2]] : []);
      for (const e of plan.test.history) if (e.userId === u) expect(e.ts).toBeLessThanOrEqual(test[0].ts);
    }
    expect(plan.test.labels.length).toBe(purchases.size);
  });
});

describe('random', () => {
  it("splits each user's events about 80/10/10 (at least one each once the user has enough)", () => {
    const events = log();
    const plan = protocolPlan(events, { protocol: 'random', seed: 1 });
    const count = (list: readonly InteractionEvent[]) => list.length;
    const trainPart = plan.valid.history.length;
    expect(trainPart + count(plan.valid.labels) + count(plan.test.labels)).toBe(events.length);
    expect(count(plan.test.labels) / events.length).toBeGreaterThan(0.08);
    expect(count(plan.test.labels) / events.length).toBeLessThan(0.2);
    expect(plan.test.history.length).toBe(trainPart + count(plan.valid.labels));
    const other = protocolPlan(events, { protocol: 'random', seed: 2 });
    expect(other.test.labels.map(key)).not.toEqual(plan.test.labels.map(key));
  });
});
