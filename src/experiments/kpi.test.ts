import { appendFileSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLogWriter, partitionOf } from '../data/eventlog-writer.js';
import type { InteractionEvent } from '../data/schema.js';
import { Rng } from '../util/random.js';
import { computeKpis, computeKpisOverTime, kpisFromEvents } from './kpi.js';

const DAY1 = Date.UTC(2026, 2, 1, 10);
const DAY2 = Date.UTC(2026, 2, 2, 10);

function shown(requestId: string, userId: string, variant: string | undefined, items: string[], ts: number): InteractionEvent[] {
  return items.map((itemId, position) => ({ type: 'impression', userId, itemId, requestId, position, variant, ts }));
}

function fb(
  type: 'click' | 'cart' | 'purchase',
  userId: string,
  itemId: string,
  requestId: string | undefined,
  ts: number,
  variant?: string,
) {
  const e: InteractionEvent = { type, userId, itemId, ts };
  if (requestId !== undefined) e.requestId = requestId;
  if (variant !== undefined) e.variant = variant;
  return e;
}

/** The hand-counted scenario (see the expectations below). */
const EVENTS: InteractionEvent[] = [
  ...shown('r1', 'u1', 'control', ['a', 'b', 'c'], DAY1),
  ...shown('r2', 'u1', 'control', ['a', 'd'], DAY1),
  ...shown('r3', 'u2', 'control', ['a', 'b'], DAY2),
  ...shown('r3', 'u2', 'control', ['a'], DAY2), // logged twice: one duplicate impression
  ...shown('r4', 'u3', 'treatment', ['c', 'a', 'b'], DAY2),
  ...shown('r5', 'u4', 'treatment', ['a', 'b'], DAY2),
  ...shown('r6', 'u5', 'other', ['a'], DAY2),
  { type: 'impression', userId: 'u9', itemId: 'a', ts: DAY2 }, // no requestId: unusable
  fb('click', 'u1', 'b', 'r1', DAY1 + 1),
  fb('click', 'u1', 'b', 'r1', DAY1 + 2), // repeated click: one clicked impression, two click events
  fb('cart', 'u1', 'b', 'r1', DAY1 + 3),
  fb('purchase', 'u1', 'b', 'r1', DAY2 + 4), // arrives the next day: still attributed to r1
  fb('click', 'u1', 'a', 'r2', DAY1 + 5),
  fb('click', 'u3', 'c', 'r4', DAY2 + 1),
  fb('click', 'u3', 'a', 'r4', DAY2 + 2),
  fb('cart', 'u3', 'a', 'r4', DAY2 + 3),
  fb('click', 'u4', 'b', 'r5', DAY2 + 1),
  fb('purchase', 'u4', 'b', 'r5', DAY2 + 2, 'control'), // storefront posted the wrong variant: request wins
  fb('click', 'u5', 'a', 'r6', DAY2 + 1),
  fb('purchase', 'u1', 'z', undefined, DAY2 + 9), // organic purchase
  fb('click', 'u1', 'z', 'r1', DAY1 + 9), // item not shown in r1: orphan
  fb('click', 'u7', 'a', 'r99', DAY2 + 9), // unknown request: orphan
];

async function writeLog(events: readonly InteractionEvent[]): Promise<string> {
  const dir = path.join(mkdtempSync(path.join(os.tmpdir(), 'kpi-')), 'events');
  const w = new EventLogWriter(dir);
  await w.append(events);
  await w.close();
  return dir;
}

describe('computeKpis (DuckDB over the event log)', () => {
  it('matches hand counts per variant, attributing feedback to the request', async () => {
    const dir = await writeLog(EVENTS);
    const { variants, quality } = await computeKpis(dir, { variants: ['control', 'treatment'] });
    const [c, t] = variants;
    expect(c).toMatchObject({
      variant: 'control',
      users: 2,
      requests: 3,
      impressions: 7,
      clicks: 2,
      clickEvents: 3,
      carts: 1,
      purchases: 1,
      clickUsers: 1,
      cartUsers: 1,
      purchaseUsers: 1,
    });
    expect(c.byPosition).toEqual([
      { position: 0, impressions: 3, clicks: 1 },
      { position: 1, impressions: 3, clicks: 1 },
      { position: 2, impressions: 1, clicks: 0 },
    ]);
    // u1: 2 clicked of 5 impressions; u2: 0 of 2.
    expect(c.moments.click).toEqual({ n: 2, sumX: 2, sumY: 7, sumXX: 4, sumYY: 29, sumXY: 10 });
    expect(t).toMatchObject({
      variant: 'treatment',
      users: 2,
      requests: 2,
      impressions: 5,
      clicks: 3,
      clickEvents: 3,
      carts: 1,
      purchases: 1,
      clickUsers: 2,
      cartUsers: 1,
      purchaseUsers: 1,
    });
    expect(t.byPosition).toEqual([
      { position: 0, impressions: 2, clicks: 1 },
      { position: 1, impressions: 2, clicks: 2 },
      { position: 2, impressions: 1, clicks: 0 },
    ]);
    // u3: 1 purchase-free, 1 cart of 3 impressions; u4: 0 carts of 2.
    expect(t.moments.cart).toEqual({ n: 2, sumX: 1, sumY: 5, sumXX: 1, sumYY: 13, sumXY: 3 });
    expect(quality).toMatchObject({
      log: { lines: EVENTS.length, malformed: 0, invalid: 0, examples: [] },
      impressionsWithoutPosition: 0,
      impressionsWithoutRequest: 1,
      duplicateImpressions: 1,
      inconsistentRequests: 0,
      otherVariants: { other: 1 },
      unattributed: { click: 0, cart: 0, purchase: 1 },
      orphans: { click: 2, cart: 0, purchase: 0 },
      variantMismatches: 1,
      userMismatches: 0,
      usersInSeveralVariants: 0,
    });
  });

  it('windows by impression time without turning feedback on older requests into orphans', async () => {
    const dir = await writeLog(EVENTS);
    const { variants, quality } = await computeKpis(dir, { variants: ['control', 'treatment'], since: DAY2 });
    expect(variants[0]).toMatchObject({ users: 1, requests: 1, impressions: 2, clicks: 0, purchases: 0 });
    expect(variants[1]).toMatchObject({ users: 2, impressions: 5, clicks: 3 });
    expect(quality.orphans.click).toBe(2);
  });

  it('counts and reports malformed lines instead of failing or dropping them silently', async () => {
    const dir = await writeLog(EVENTS);
    const part = path.join(dir, 'date=2026-03-02', readdirSync(path.join(dir, 'date=2026-03-02'))[0]);
    appendFileSync(
      part,
      [
        JSON.stringify({ type: 'impression', userId: 'u8', itemId: 'a', ts: DAY2, requestId: 'r8', position: 'first', variant: 'control' }),
        JSON.stringify({ type: 'hover', userId: 'u8', itemId: 'a', ts: DAY2 }),
        JSON.stringify({ type: 'click', userId: 'u8', itemId: 'a', ts: 'yesterday' }),
        JSON.stringify({ type: 'click', itemId: 'a', ts: DAY2 }),
        '{"type":"click","userId":"u8","ite', // torn last line after a crash
      ].join('\n'),
    );
    const { variants, quality } = await computeKpis(dir, { variants: ['control', 'treatment'] });
    const before = EVENTS.filter((e) => partitionOf(e.ts) === 'date=2026-03-02').length;
    expect(quality.log).toMatchObject({ lines: EVENTS.length + 5, malformed: 1, invalid: 3 });
    const file = path.relative(dir, part);
    // The examples name file and line (the bad position too, although its row was kept).
    expect(quality.log.examples.map((e) => [e.file, e.line])).toEqual([
      [file, before + 1],
      [file, before + 2],
      [file, before + 3],
      [file, before + 4],
      [file, before + 5],
    ]);
    expect(quality.log.examples[0].detail).toMatch(/position/);
    expect(quality.log.examples[1].detail).toMatch(/type/);
    expect(quality.log.examples[4].detail).toMatch(/malformed JSON/);
    // The reader nulls a non-numeric position: the impression counts, and is reported as position-less.
    expect(quality.impressionsWithoutPosition).toBe(1);
    expect(variants[0].impressions).toBe(8);
  });

  it('gives zero KPIs for a missing log, and finds variants itself when not told', async () => {
    const none = await computeKpis(path.join(os.tmpdir(), 'no-such-events-dir-xyz'), { variants: ['control', 'treatment'] });
    expect(none.variants.map((v) => [v.variant, v.users, v.impressions])).toEqual([
      ['control', 0, 0],
      ['treatment', 0, 0],
    ]);
    const dir = await writeLog(EVENTS);
    const all = await computeKpis(dir);
    expect(all.variants.map((v) => v.variant)).toEqual(['control', 'other', 'treatment']);
  });

  it('agrees exactly with the in-memory tally on a messy random log', async () => {
    const rng = new Rng(11);
    const events: InteractionEvent[] = [];
    const variants = ['control', 'treatment', 'stray'];
    for (let r = 0; r < 300; r++) {
      const user = `u${rng.int(60)}`;
      // Mostly sticky assignment, sometimes not (users in several variants).
      const variant = rng.chance(0.9) ? variants[Number(user.slice(1)) % 2] : rng.pick(variants);
      const ts = DAY1 + rng.int(3 * 86_400_000);
      const items = rng.shuffle(Array.from({ length: 12 }, (_, i) => `i${i}`)).slice(0, 3 + rng.int(5));
      events.push(...shown(`r${r}`, user, variant, items, ts));
      if (rng.chance(0.05)) events.push(...shown(`r${r}`, user, variant, items.slice(0, 1), ts + 5)); // duplicates
      for (const item of items) {
        if (!rng.chance(0.2)) continue;
        events.push(fb('click', rng.chance(0.97) ? user : 'someone', item, `r${r}`, ts + 10, rng.chance(0.9) ? variant : 'control'));
        if (rng.chance(0.2)) events.push(fb('click', user, item, `r${r}`, ts + 11));
        if (rng.chance(0.3)) events.push(fb('cart', user, item, `r${r}`, ts + 20));
        if (rng.chance(0.2)) events.push(fb('purchase', user, item, rng.chance(0.8) ? `r${r}` : undefined, ts + 30));
      }
      if (rng.chance(0.05)) events.push(fb('click', user, 'i99', `r${r}`, ts + 40));
    }
    const dir = await writeLog(events);
    const opts = { variants: ['control', 'treatment'], since: DAY1 + 86_400_000 };
    const sql = await computeKpis(dir, opts);
    const mem = kpisFromEvents(events, opts);
    expect(sql).toEqual(mem);
    expect(mem.quality.usersInSeveralVariants).toBeGreaterThan(0);
    expect(mem.quality.variantMismatches).toBeGreaterThan(0);
    expect(mem.variants[0].clicks).toBeGreaterThan(0);
  });
});

describe('computeKpisOverTime', () => {
  it('cuts the span of impressions into equal windows whose counts add up to the whole', async () => {
    const dir = await writeLog(EVENTS);
    try {
      const variants = ['control', 'treatment'];
      const windows = await computeKpisOverTime(dir, { variants, buckets: 2 });
      expect(windows.map((w) => w.start)).toEqual([DAY1, DAY1 + Math.ceil((DAY2 + 1 - DAY1) / 2)]);
      expect(windows[1].end).toBeGreaterThan(DAY2);
      // Day 1: r1 and r2 (control, both clicked); day 2: r3 (control, no click), r4 and r5 (treatment).
      const counts = windows.map((w) => w.kpis.variants.map((v) => [v.variant, v.impressions, v.clicks]));
      expect(counts).toEqual([
        [
          ['control', 5, 2],
          ['treatment', 0, 0],
        ],
        [
          ['control', 2, 0],
          ['treatment', 5, 3],
        ],
      ]);
      const whole = await computeKpis(dir, { variants });
      expect(whole.variants.map((v) => v.impressions)).toEqual([7, 5]);
      expect(await computeKpisOverTime(path.join(dir, 'absent'), { variants, buckets: 4 })).toEqual([]);
    } finally {
      rmSync(path.dirname(dir), { recursive: true, force: true });
    }
  });
});
