import { describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../../data/schema.js';
import { normalise } from '../../features/contract.js';
import { buildTrainingGroups } from './groups.js';
import { toyStore } from './testing/toy-store.js';

const store = toyStore({ items: 40, users: 10, cutoff: 1000 });
const ev = (userId: string, itemId: string, ts: number, type: InteractionEvent['type']): InteractionEvent => ({ userId, itemId, ts, type });
const EVENTS: InteractionEvent[] = [
  ev('u0', 'i1', 900, 'purchase'), // before the cutoff: a feature, not a label
  ev('u0', 'i1', 1400, 'view'),
  ev('u0', 'i1', 1500, 'purchase'),
  ev('u0', 'i2', 1600, 'cart'),
  ev('u1', 'i3', 1200, 'impression'), // no intent
  ev('u99', 'i4', 1100, 'view'), // unknown to the store: cold start
  ev('u2', 'nope', 1300, 'wishlist'), // item outside the catalogue
];
const OPTS = { negativesHard: 3, negativesRandom: 2, seed: 1 };

describe('buildTrainingGroups', () => {
  it('makes one group per user with label events: positives by strongest intent, then negatives', () => {
    const { groups, report } = buildTrainingGroups(store, EVENTS, OPTS);
    expect(groups.map((g) => g.userId)).toEqual(['u99', 'u2', 'u0']); // by first label ts
    const u0 = groups[2];
    expect(Array.from(u0.labels)).toEqual([5, 3, 0, 0, 0, 0, 0]);
    expect(u0.ts).toBe(1400);
    expect(u0.features.length).toBe(7 * 4);
    expect(report).toMatchObject({
      eventsRead: 7,
      eventsUsed: 5,
      eventsBeforeCutoff: 1,
      eventsWithoutStrength: 1,
      usersWithLabels: 3,
      coldUsers: 1,
      groups: 3,
      positives: 4,
      positivesOutsideCatalogue: 1,
      hardNegatives: 9,
      randomNegatives: 6,
    });
  });

  it('draws negatives that are neither positives nor repeated', () => {
    const { groups } = buildTrainingGroups(store, EVENTS, { ...OPTS, withItemIndex: true, contextShare: 0 });
    for (const g of groups) {
      const idx = Array.from(g.itemIndex as Int32Array);
      const negatives = idx.filter((_, r) => g.labels[r] === 0);
      const positives = idx.filter((_, r) => g.labels[r] > 0);
      expect(new Set(idx).size).toBe(idx.length);
      expect(negatives.every((i) => i > 0 && !positives.includes(i))).toBe(true);
    }
    // u2's positive is not in the catalogue: item index 0.
    expect(groups[1].itemIndex?.[0]).toBe(0);
  });

  it('normalises with statistics fitted on the groups, or with the contract it is given', () => {
    const built = buildTrainingGroups(store, EVENTS, { ...OPTS, contextShare: 0 });
    const norm = built.contract.normalisation;
    expect(norm?.mean).toHaveLength(4);
    const u0 = built.groups[2];
    const raw = store.features('u0', ['i1'], undefined);
    expect(Array.from(u0.features.subarray(0, 4))).toEqual(Array.from(normalise(raw, built.contract)));

    const given = { version: 1 as const, names: store.contract.names, normalisation: { mean: [1, 1, 1, 1], std: [2, 2, 2, 2] } };
    const again = buildTrainingGroups(store, EVENTS, { ...OPTS, contextShare: 0, contract: given });
    expect(again.contract).toBe(given);
    expect(again.groups[2].features[0]).toBeCloseTo((raw[0] - 1) / 2, 6);
  });

  it('is seeded: the same seed gives the same groups, another seed other negatives', () => {
    const a = buildTrainingGroups(store, EVENTS, OPTS);
    const b = buildTrainingGroups(store, EVENTS, OPTS);
    const c = buildTrainingGroups(store, EVENTS, { ...OPTS, seed: 2 });
    expect(b.groups).toEqual(a.groups);
    expect(c.groups.map((g) => Array.from(g.features))).not.toEqual(a.groups.map((g) => Array.from(g.features)));
  });

  it('samples at most maxUsers users and reports the rest', () => {
    const { groups, report } = buildTrainingGroups(store, EVENTS, { ...OPTS, maxUsers: 1 });
    expect(groups).toHaveLength(1);
    expect(report.usersSampledOut).toBe(2);
  });

  it('puts known users in the context of their latest item when asked', () => {
    const { report } = buildTrainingGroups(store, EVENTS, { ...OPTS, contextShare: 1 });
    expect(report.groupsWithContext).toBe(2); // u99 has no history, so no context
  });

  it('reports users for whom no negative can be drawn', () => {
    const tiny = toyStore({ items: 1, users: 2 });
    const labels = [ev('u0', 'i0', 2000, 'purchase')];
    expect(() => buildTrainingGroups(tiny, labels, OPTS)).toThrow(/1 users with label events after the cutoff, 1 without negatives/);
    const contract = { ...tiny.contract, normalisation: { mean: [0, 0, 0, 0], std: [1, 1, 1, 1] } };
    const { groups, report } = buildTrainingGroups(tiny, labels, { ...OPTS, contract });
    expect(groups).toHaveLength(0);
    expect(report.usersWithoutNegatives).toBe(1);
  });

  it('refuses bad knobs and an empty label window with a clear message', () => {
    expect(() => buildTrainingGroups(store, EVENTS, { ...OPTS, negativesHard: -1 })).toThrow(
      /negativesHard must be a non-negative integer, got -1/,
    );
    expect(() => buildTrainingGroups(store, [ev('u0', 'i1', 10, 'view')], OPTS)).toThrow(
      /0 users with label events after the cutoff, 0 without negatives, 1 events before the cutoff/,
    );
  });

  it('draws own-history negatives and weights each negative by its stratum size', () => {
    const u0 = store.user('u0');
    if (!u0) throw new Error('toy store has no u0');
    const own = u0.history.map((h) => h.itemId).filter((id) => id !== 'i1' && id !== 'i2');
    const opts = { negativesHard: 2, negativesRandom: 3, negativesOwn: 1, contextShare: 0, seed: 3 };
    const plain = buildTrainingGroups(store, EVENTS, opts);
    expect(plain.groups[2].weights).toBeUndefined();
    expect(own.length).toBeGreaterThan(0);
    // At most one per known user (u0, u2), none for the cold user.
    expect(plain.report.ownNegatives).toBeGreaterThan(0);
    expect(plain.report.ownNegatives).toBeLessThanOrEqual(2);

    const { groups } = buildTrainingGroups(store, EVENTS, { ...opts, importanceWeights: true, withItemIndex: true });
    const g = groups[2];
    const w = Array.from(g.weights as Float32Array);
    const ids = Array.from(g.itemIndex as Int32Array, (i) => store.itemIds[i - 1]);
    // Positives count once; the own negative stands for every own item not bought again.
    expect(w.slice(0, 2)).toEqual([1, 1]);
    expect(own).toContain(ids[2]);
    expect(w[2]).toBe(own.length);
    // The weights of the sampled negatives add up to the catalogue minus the positives in it.
    const negatives = w.slice(2).reduce((a, b) => a + b, 0);
    expect(negatives).toBeCloseTo(store.itemIds.length - 2, 3);
  });
});
