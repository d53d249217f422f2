import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLogWriter } from '../data/eventlog-writer.js';
import type { InteractionEvent } from '../data/schema.js';
import { DAY_MS } from '../features/popularity.js';
import { alignmentShiftDays, ctrByPosition, mergeEvents, readFreshEvents } from './fresh-events.js';

const T0 = Date.UTC(2026, 0, 10, 12);
const imp = (requestId: string, itemId: string, position: number, ts = T0): InteractionEvent => ({
  userId: 'u1',
  itemId,
  ts,
  type: 'impression',
  requestId,
  position,
});
const click = (requestId: string | undefined, itemId: string, ts = T0 + 1): InteractionEvent => ({
  userId: 'u1',
  itemId,
  ts,
  type: 'click',
  ...(requestId ? { requestId } : {}),
});

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('ctrByPosition', () => {
  it('credits each click to the position its impression was shown at', () => {
    const events = [
      imp('r1', 'a', 0),
      imp('r1', 'b', 1),
      imp('r1', 'c', 2),
      imp('r2', 'a', 0),
      imp('r2', 'c', 1),
      click('r1', 'a'),
      click('r2', 'c'), // shown at 1 in r2
      click('r1', 'z'), // never shown
      click(undefined, 'a'), // no request id
    ];
    const { rows, unmatched } = ctrByPosition(events);
    expect(rows).toEqual([
      { position: 0, impressions: 2, clicks: 1, ctr: 0.5 },
      { position: 1, impressions: 2, clicks: 1, ctr: 0.5 },
      { position: 2, impressions: 1, clicks: 0, ctr: 0 },
    ]);
    expect(unmatched).toBe(2);
  });
});

describe('alignment of a static base with live events', () => {
  const base: InteractionEvent[] = [
    { userId: 'u', itemId: 'a', ts: Date.UTC(2025, 0, 1, 8), type: 'purchase' },
    { userId: 'u', itemId: 'b', ts: Date.UTC(2025, 0, 3, 20), type: 'view' },
  ];
  it('moves the base forward by whole days so it ends the day before the first live event', () => {
    const live = [click('r', 'a', Date.UTC(2025, 0, 20, 9))];
    const days = alignmentShiftDays(base, live);
    expect(days).toBe(16); // Jan 3 -> Jan 19
    const merged = mergeEvents(base, live, days);
    expect(merged.map((e) => new Date(e.ts).toISOString())).toEqual([
      '2025-01-17T08:00:00.000Z',
      '2025-01-19T20:00:00.000Z',
      '2025-01-20T09:00:00.000Z',
    ]);
    expect(base[0].ts).toBe(Date.UTC(2025, 0, 1, 8)); // input untouched
  });
  it('leaves a base that the live events continue (or no live events) where it is', () => {
    expect(alignmentShiftDays(base, [click('r', 'a', Date.UTC(2025, 0, 4, 1))])).toBe(0);
    expect(alignmentShiftDays(base, [click('r', 'a', Date.UTC(2025, 0, 2))])).toBe(0);
    expect(alignmentShiftDays(base, [])).toBe(0);
    expect(mergeEvents(base, [], 0)).toEqual(base);
  });
});

describe('readFreshEvents', () => {
  it('reads the range, keeps impressions out of training, and counts bad lines', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'fresh-'));
    dirs.push(dir);
    const w = new EventLogWriter(dir);
    const old = { userId: 'u0', itemId: 'x', ts: T0 - 3 * DAY_MS, type: 'purchase' } as const;
    const purchase = { userId: 'u1', itemId: 'b', ts: T0 + 5, type: 'purchase' } as const;
    await w.append([old, imp('r1', 'a', 0), imp('r1', 'b', 1), click('r1', 'b'), purchase]);
    await w.close();
    writeFileSync(path.join(dir, 'date=2026-01-10', 'part-bad.jsonl'), '{"userId":"u9","itemId":"q","ts":\n{"userId":"u9"}\n');
    const fresh = await readFreshEvents(dir, { since: T0 - DAY_MS, until: T0 + DAY_MS });
    expect(fresh.byType).toEqual({ impression: 2, click: 1, purchase: 1 });
    expect(fresh.total).toBe(4);
    expect(fresh.impressions).toBe(2);
    expect(fresh.training.map((e) => e.type)).toEqual(['click', 'purchase']);
    expect(fresh.positionCtr).toEqual([
      { position: 0, impressions: 1, clicks: 0, ctr: 0 },
      { position: 1, impressions: 1, clicks: 1, ctr: 1 },
    ]);
    expect(fresh.log.malformed + fresh.log.invalid).toBe(2);
    const all = await readFreshEvents(dir, { since: null, until: T0 + DAY_MS });
    expect(all.byType.purchase).toBe(2);
    const none = await readFreshEvents(path.join(dir, 'missing'), { since: null, until: T0 });
    expect(none.total).toBe(0);
  });
});
