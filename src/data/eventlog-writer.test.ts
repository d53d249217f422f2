import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { EventLogWriter, partitionOf } from './eventlog-writer.js';
import type { InteractionEvent } from './schema.js';

const day = Date.UTC(2026, 10, 24, 12);
const ev = (i: number, ts = day): InteractionEvent => ({ userId: `u${i}`, itemId: `i${i}`, ts, type: 'click' });
const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'evlog-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
/** This process's open file descriptors (Linux). */
const openFds = () => readdirSync('/proc/self/fd').length;
const linesIn = (dir: string) =>
  readdirSync(dir).flatMap((p) =>
    readdirSync(path.join(dir, p)).flatMap((f) =>
      readFileSync(path.join(dir, p, f), 'utf8')
        .split('\n')
        .filter(Boolean),
    ),
  );

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
    // Across midnight, back again and before 1970 (the last day named is remembered).
    expect(partitionOf(Date.UTC(2011, 11, 10))).toBe('date=2011-12-10');
    expect(partitionOf(Date.UTC(2011, 11, 10) - 1)).toBe('date=2011-12-09');
    expect(partitionOf(Date.UTC(1969, 11, 31, 12))).toBe('date=1969-12-31');
    expect(() => partitionOf(Number.NaN)).toThrow(RangeError);
  });

  it('keeps at most maxOpenFiles part files open, however many dates the events span', async () => {
    const dir = tempDir();
    const w = new EventLogWriter(dir, { maxOpenFiles: 4 });
    const before = openFds();
    // 300 distinct days in two requests: before the bound, one descriptor per day stayed open.
    await w.append(Array.from({ length: 150 }, (_, i) => ev(i, day - i * 86_400_000)));
    await w.append(Array.from({ length: 150 }, (_, i) => ev(i + 150, day - (i + 150) * 86_400_000)));
    expect(w.openFiles).toBeLessThanOrEqual(4);
    expect(openFds() - before).toBeLessThanOrEqual(4);
    // Reopened partitions append, never truncate.
    await w.append([ev(9999, day)]);
    await w.close();
    expect(readdirSync(dir)).toHaveLength(300);
    expect(linesIn(dir)).toHaveLength(301);
  });

  it('writes a batch all or nothing: a failure in a later partition rolls back the earlier ones', async () => {
    const dir = tempDir();
    const w = new EventLogWriter(dir);
    await w.append([ev(1, day)]);
    // A file where the next day's partition folder should be: its mkdir fails.
    writeFileSync(path.join(dir, partitionOf(day + 86_400_000)), 'not a folder');
    await expect(w.append([ev(2, day), ev(3, day + 86_400_000)])).rejects.toThrow();
    await w.append([ev(4, day)]);
    await w.close();
    const users = readFileSync(path.join(dir, partitionOf(day), w.partName), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => (JSON.parse(l) as InteractionEvent).userId);
    expect(users).toEqual(['u1', 'u4']);
  });

  it('refuses appends after close', async () => {
    const w = new EventLogWriter(mkdtempSync(path.join(os.tmpdir(), 'evlog-')));
    await w.close();
    await expect(w.append([ev(1)])).rejects.toThrow(/closed/);
  });
});
