import { appendFileSync, mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { type EventLogReport, readEventLog, scanEventLog, withEventLog } from './eventlog.js';
import { EventLogWriter } from './eventlog-writer.js';
import type { InteractionEvent } from './schema.js';
import { DAY, SAMPLE_EVENTS as EVENTS, T0 } from './testing/sample-events.js';

async function writeLog(events: InteractionEvent[]): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evlog-read-'));
  const w = new EventLogWriter(dir);
  await w.append(events);
  await w.close();
  return dir;
}

function partFile(dir: string, partition: string): string {
  const folder = path.join(dir, partition);
  return path.join(folder, readdirSync(folder)[0]);
}

describe('readEventLog', () => {
  it('reads back exactly what EventLogWriter wrote, sorted by time, across partitions', async () => {
    const dir = await writeLog([...EVENTS].reverse());
    expect(readdirSync(dir)).toHaveLength(3);
    expect(await readEventLog(dir)).toEqual(EVENTS);
  });

  it('filters by since <= ts < until and by type', async () => {
    const dir = await writeLog(EVENTS);
    expect((await readEventLog(dir, { since: T0 + 1000, until: T0 + DAY })).map((e) => e.type)).toEqual(['click', 'view']);
    expect((await readEventLog(dir, { since: T0 + DAY })).map((e) => e.type)).toEqual(['purchase', 'cart']);
    expect((await readEventLog(dir, { types: ['impression', 'click'] })).map((e) => e.type)).toEqual(['impression', 'click']);
    expect(await readEventLog(dir, { types: [] })).toEqual([]);
  });

  it('returns no events for an empty or missing directory', async () => {
    expect(await readEventLog(mkdtempSync(path.join(os.tmpdir(), 'evlog-empty-')))).toEqual([]);
    const { events, report } = await scanEventLog(path.join(os.tmpdir(), 'no-such-evlog-dir-xyz'));
    expect(events).toEqual([]);
    expect(report).toMatchObject({ files: 0, lines: 0, malformed: 0, invalid: 0 });
  });

  it('survives a torn last line and an invalid event: keeps the rest, counts and locates both', async () => {
    const dir = await writeLog(EVENTS);
    const day1 = partFile(dir, 'date=2026-01-10');
    appendFileSync(day1, `${JSON.stringify({ userId: 'u9', itemId: 'z', ts: T0 + 5000, type: 'teleport' })}\n`);
    appendFileSync(day1, '{"userId":"u9","itemId":"z","ts":17'); // crash mid-write
    let report: EventLogReport | undefined;
    const events = await readEventLog(dir, { onReport: (r) => (report = r) });
    expect(events).toEqual(EVENTS);
    expect(report).toMatchObject({ files: 3, lines: 7, malformed: 1, invalid: 1 });
    const file = path.relative(dir, day1);
    expect(report?.examples).toEqual([
      { file, line: 4, detail: expect.stringContaining('type') },
      { file, line: 5, detail: expect.stringContaining('malformed JSON') },
    ]);
  });

  it('warns (never silently drops) when no report callback is given', async () => {
    const dir = await writeLog(EVENTS.slice(0, 1));
    appendFileSync(partFile(dir, 'date=2026-01-10'), 'garbage\n');
    const warn = vi.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(await readEventLog(dir)).toHaveLength(1);
      expect(String(warn.mock.calls[0]?.[0])).toMatch(
        /skipped 1 malformed and 0 invalid line\(s\) \(e\.g\. date=2026-01-10\/part-.*\.jsonl:2\)/,
      );
    } finally {
      warn.mockRestore();
    }
  });
});

describe('withEventLog', () => {
  it('exposes the log as view "events" for SQL, with the same column names as Duck.loadEvents', async () => {
    const dir = await writeLog(EVENTS);
    appendFileSync(partFile(dir, 'date=2026-01-12'), 'not json\n');
    const result = await withEventLog(dir, async (duck, view, report) => {
      const rows = await duck.query<{ variant: string | null; type: string; n: number }>(
        `select variant, type, count(*) as n from ${view} group by all order by type`,
      );
      const days = await duck.query<{ date: string }>(`select distinct date from ${view} order by date`);
      return { rows, days: days.map((d) => d.date), malformed: report.malformed };
    });
    expect(result.rows).toEqual([
      { variant: null, type: 'cart', n: 1 },
      { variant: 'champion', type: 'click', n: 1 },
      { variant: 'champion', type: 'impression', n: 1 },
      { variant: null, type: 'purchase', n: 1 },
      { variant: null, type: 'view', n: 1 },
    ]);
    expect(result.days).toEqual(['2026-01-10', '2026-01-11', '2026-01-12']);
    expect(result.malformed).toBe(1);
  });

  it('gives an empty view over a missing directory', async () => {
    const n = await withEventLog(path.join(os.tmpdir(), 'no-such-evlog-dir-xyz'), async (duck, view) => {
      const rows = await duck.query<{ n: number; user_id: null }>(`select count(*) as n from ${view}`);
      return rows[0].n;
    });
    expect(n).toBe(0);
  });
});
