import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Duck, sqlString } from './duckdb.js';
import { type ArchivedEvent, writeArchiveBatch } from './event-archive.js';
import { scanEventLog, withEventLog } from './eventlog.js';
import { EventLogWriter } from './eventlog-writer.js';
import type { InteractionEvent } from './schema.js';
import { DAY, SAMPLE_EVENTS as EVENTS, T0 } from './testing/sample-events.js';

const batch = (events: InteractionEvent[], from: number): ArchivedEvent[] =>
  events.map((event, i) => ({ streamId: `${from + i}-0`, event }));

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const tmp = () => {
  const d = mkdtempSync(path.join(os.tmpdir(), 'archive-'));
  dirs.push(d);
  return d;
};

describe('the Parquet event archive', () => {
  it('keeps what off-policy estimates need: propensity, policy, the logged feature vector, page item and restriction', async () => {
    const dir = tmp();
    const explored: InteractionEvent = {
      ...EVENTS[0],
      type: 'impression',
      requestId: 'r1',
      position: 2,
      propensity: 0.25,
      policy: 'store@3 + epsilon 0.2 in top 20',
      features: [0.5, -1.25, 3],
      contextItemId: 'i9',
      restricted: 'candidates+exclude',
    };
    const duck = await Duck.open();
    try {
      await writeArchiveBatch(duck, dir, batch([explored, EVENTS[1]], 1));
    } finally {
      duck.close();
    }
    const { events } = await scanEventLog(dir, {});
    expect(events).toEqual([explored, EVENTS[1]]);
    // The JSONL log keeps them too.
    const jsonl = tmp();
    const writer = new EventLogWriter(jsonl);
    await writer.append([explored, EVENTS[1]]);
    await writer.close();
    expect((await scanEventLog(jsonl, {})).events).toEqual([explored, EVENTS[1]]);
  });

  it('writes hive partitions by day, zstd, that the event-log view reads back exactly, once per stream entry', async () => {
    const dir = tmp();
    const duck = await Duck.open();
    try {
      const a = await writeArchiveBatch(duck, dir, batch(EVENTS.slice(0, 3), 1));
      // A re-delivery after a crash before the acknowledgement: entries 3..5 again, with the rest.
      const b = await writeArchiveBatch(duck, dir, batch(EVENTS.slice(2), 3));
      expect(a).toEqual([expect.stringMatching(/^date=2026-01-10\/part-1_0-[0-9a-f]{8}\.parquet$/)]);
      expect(b.map((f) => f.split('/')[0]).sort()).toEqual(['date=2026-01-10', 'date=2026-01-11', 'date=2026-01-12']);
      expect(readdirSync(dir).sort()).toEqual(['date=2026-01-10', 'date=2026-01-11', 'date=2026-01-12']);
      const codecs = await duck.query<{ c: string }>(
        `select distinct compression as c from parquet_metadata(${sqlString(path.join(dir, 'date=*', '*.parquet'))})`,
      );
      expect(codecs.map((r) => r.c)).toEqual(['ZSTD']);
    } finally {
      duck.close();
    }
    const { events, report } = await scanEventLog(dir);
    expect(events).toEqual(EVENTS);
    expect(report).toMatchObject({ files: 4, lines: 5, malformed: 0, invalid: 0 });
  });

  it('is read together with JSONL parts in the same folder (KPI queries, the pipeline)', async () => {
    const dir = tmp();
    const w = new EventLogWriter(dir);
    await w.append(EVENTS.slice(0, 2));
    await w.close();
    const duck = await Duck.open();
    try {
      await writeArchiveBatch(duck, dir, batch(EVENTS.slice(2), 10));
    } finally {
      duck.close();
    }
    expect((await scanEventLog(dir, { since: T0 + 1000, until: T0 + 2 * DAY })).events).toEqual(EVENTS.slice(1, 4));
    const byDate = await withEventLog(dir, (d, view) =>
      d.query<{ date: string; n: number }>(`select date, count(*) as n from ${view} group by 1 order by 1`),
    );
    expect(byDate).toEqual([
      { date: '2026-01-10', n: 3 },
      { date: '2026-01-11', n: 1 },
      { date: '2026-01-12', n: 1 },
    ]);
  });
});
