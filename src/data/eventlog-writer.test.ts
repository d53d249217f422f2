import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EventLogWriter, partitionOf } from './eventlog-writer.js';
import type { InteractionEvent } from './schema.js';

const day = Date.UTC(2026, 10, 24, 12);
const ev = (i: number, ts = day): InteractionEvent => ({ userId: `u${i}`, itemId: `i${i}`, ts, type: 'click' });

describe('EventLogWriter', () => {
  it('partitions by UTC date and keeps every concurrently appended event', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'evlog-'));
    const w = new EventLogWriter(dir);
    await Promise.all(Array.from({ length: 50 }, (_, i) => w.append([ev(i), ev(i + 1000, day + 86_400_000)])));
    await w.close();
    expect(readdirSync(dir).sort()).toEqual(['date=2026-11-24', 'date=2026-11-25']);
    const lines = readdirSync(dir).flatMap((p) =>
      readdirSync(path.join(dir, p)).flatMap((f) =>
        readFileSync(path.join(dir, p, f), 'utf8')
          .trim()
          .split('\n'),
      ),
    );
    expect(lines).toHaveLength(100);
    expect(new Set(lines.map((l) => (JSON.parse(l) as InteractionEvent).userId)).size).toBe(100);
  });

  it('names partitions by UTC date', () => {
    expect(partitionOf(Date.UTC(2011, 11, 9, 23, 59))).toBe('date=2011-12-09');
  });

  it('refuses appends after close', async () => {
    const w = new EventLogWriter(mkdtempSync(path.join(os.tmpdir(), 'evlog-')));
    await w.close();
    await expect(w.append([ev(1)])).rejects.toThrow(/closed/);
  });
});
