import { describe, expect, it } from 'vitest';
import { Rng } from '../util/random.js';
import type { InteractionEvent } from './schema.js';
import { DAY_MS, leaveLastNOut, splitByLastDays, temporalSplit } from './split.js';
import { generateSyntheticStore } from './synthetic-store.js';

const { events } = generateSyntheticStore({ seed: 3, users: 120, items: 60, weeks: 4 });
const start = events[0].ts;

/** Alters, drops and adds events at or after `from` (never earlier ones). */
function tamperFrom(all: readonly InteractionEvent[], from: number, seed: number): InteractionEvent[] {
  const rng = new Rng(seed);
  const out: InteractionEvent[] = [];
  for (const e of all) {
    if (e.ts < from) out.push(e);
    else if (rng.chance(0.3)) continue;
    else if (rng.chance(0.5)) out.push({ ...e, itemId: `x${rng.int(50)}`, type: 'purchase', userId: `u${rng.int(99)}` });
    else out.push(e);
  }
  for (let i = 0; i < 50; i++) out.push({ userId: `new${i}`, itemId: 'i0001', ts: from + rng.int(DAY_MS), type: 'view' });
  return out;
}

describe('temporalSplit', () => {
  const validStart = start + 14 * DAY_MS;
  const testStart = start + 21 * DAY_MS;
  const end = start + 26 * DAY_MS;

  it('puts every event in the window its time belongs to, and nothing after end', () => {
    const s = temporalSplit(events, { validStart, testStart, end });
    expect(s.boundaries).toEqual({ validStart, testStart, end });
    expect(s.train.every((e) => e.ts < validStart)).toBe(true);
    expect(s.valid.every((e) => e.ts >= validStart && e.ts < testStart)).toBe(true);
    expect(s.test.every((e) => e.ts >= testStart && e.ts < end)).toBe(true);
    expect(s.train.length + s.valid.length + s.test.length).toBe(events.filter((e) => e.ts < end).length);
    expect(Math.max(...s.train.map((e) => e.ts))).toBeLessThan(Math.min(...s.test.map((e) => e.ts)));
    expect(s.train.length && s.valid.length && s.test.length).toBeGreaterThan(0);
  });

  it('leaks nothing: changing, removing or adding events in valid/test leaves train byte-identical', () => {
    const before = JSON.stringify(temporalSplit(events, { validStart, testStart, end }).train);
    for (const seed of [1, 2, 3]) {
      const after = temporalSplit(tamperFrom(events, validStart, seed), { validStart, testStart, end });
      expect(JSON.stringify(after.train)).toBe(before);
    }
    const testOnly = temporalSplit(tamperFrom(events, testStart, 4), { validStart, testStart, end });
    expect(JSON.stringify(testOnly.valid)).toBe(JSON.stringify(temporalSplit(events, { validStart, testStart, end }).valid));
  });

  it('without validStart, valid is empty and train ends at testStart', () => {
    const s = temporalSplit(events, { testStart });
    expect(s.valid).toEqual([]);
    expect(s.boundaries).toEqual({ validStart: testStart, testStart, end: Number.POSITIVE_INFINITY });
    expect(s.train.length + s.test.length).toBe(events.length);
  });

  it('refuses boundaries out of order', () => {
    expect(() => temporalSplit(events, { testStart, validStart: testStart + 1 })).toThrow(/validStart .* must be <= testStart/);
    expect(() => temporalSplit(events, { testStart, end: testStart - 1 })).toThrow(/end .* must be >= testStart/);
  });
});

describe('splitByLastDays', () => {
  it('holds out whole UTC days ending with the day of the last event', () => {
    const last = Math.max(...events.map((e) => e.ts));
    const s = splitByLastDays(events, { testDays: 7, validDays: 3 });
    const endOfLastDay = Math.floor(last / DAY_MS) * DAY_MS + DAY_MS;
    expect(s.boundaries).toEqual({ end: endOfLastDay, testStart: endOfLastDay - 7 * DAY_MS, validStart: endOfLastDay - 10 * DAY_MS });
    expect(s.boundaries.testStart % DAY_MS).toBe(0);
    expect(s.test.some((e) => e.ts === last)).toBe(true);
    expect(s.train.length + s.valid.length + s.test.length).toBe(events.length);
    expect(s.train.every((e) => e.ts < s.boundaries.validStart)).toBe(true);
  });

  it('refuses an empty list or a non-positive window', () => {
    expect(() => splitByLastDays([], { testDays: 7 })).toThrow(/empty/);
    expect(() => splitByLastDays(events, { testDays: 0 })).toThrow(/testDays must be > 0/);
  });
});

describe('leaveLastNOut', () => {
  const toy: InteractionEvent[] = [
    { userId: 'a', itemId: '1', ts: 5, type: 'view' },
    { userId: 'b', itemId: '1', ts: 1, type: 'view' },
    { userId: 'a', itemId: '2', ts: 1, type: 'view' },
    { userId: 'a', itemId: '3', ts: 9, type: 'purchase' },
    { userId: 'a', itemId: '4', ts: 9, type: 'view' },
  ];

  it('moves each user’s last n events to test; users with n or fewer stay in train', () => {
    const { train, test } = leaveLastNOut(toy, 2);
    expect(test.map((e) => e.itemId)).toEqual(['3', '4']);
    expect(train.map((e) => `${e.userId}${e.itemId}`)).toEqual(['a1', 'b1', 'a2']);
  });

  it('never trains on anything later than a user’s own test events, and ignores test content', () => {
    const { train, test } = leaveLastNOut(events, 3);
    const firstTest = new Map<string, number>();
    for (const e of test) firstTest.set(e.userId, Math.min(firstTest.get(e.userId) ?? Number.POSITIVE_INFINITY, e.ts));
    expect(train.every((e) => e.ts <= (firstTest.get(e.userId) ?? Number.POSITIVE_INFINITY))).toBe(true);
    const testSet = new Set(test);
    const changed = events.map((e) => (testSet.has(e) ? { ...e, itemId: 'zzz', type: 'click' as const } : e));
    expect(JSON.stringify(leaveLastNOut(changed, 3).train)).toBe(JSON.stringify(train));
  });

  it('refuses n < 1', () => {
    expect(() => leaveLastNOut(toy, 0)).toThrow(/n must be a positive integer/);
  });
});
