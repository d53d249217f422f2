import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DataError } from '../errors.js';
import { loadDataset } from './load.js';
import { LoadReportBuilder } from './load-report.js';
import { datasetStats } from './stats.js';

describe('loadDataset', () => {
  it('generates the synthetic store by default seed, and another with a given seed', async () => {
    const a = await loadDataset({ source: 'synthetic' });
    const b = await loadDataset({ source: 'synthetic', seed: 5 });
    expect(a.source).toBe('synthetic');
    expect(a.truth).toBeDefined();
    expect((a.report as { params?: { seed: number } }).params?.seed).toBe(42);
    expect((b.report as { params?: { seed: number } }).params?.seed).toBe(5);
  });

  it('loads a file through its mapping', async () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'load-')), 'log.csv');
    writeFileSync(file, 'u,i,t\nx,1,2024-01-01T00:00:00Z\ny,2,2024-01-02T00:00:00Z\n');
    const ds = await loadDataset({
      source: 'file',
      path: file,
      mapping: { user: 'u', item: 'i', timestamp: 't', defaultType: 'purchase' },
    });
    expect(ds.events.map((e) => [e.userId, e.type])).toEqual([
      ['x', 'purchase'],
      ['y', 'purchase'],
    ]);
    const { baskets, ...figures } = datasetStats(ds);
    // Two users with one purchase each: every basket holds one item, and the stats say so.
    expect(baskets).toMatchObject({ gap: '30m', baskets: 2, size: { p50: 1, max: 1 }, singleItemShare: 1 });
    expect(baskets.warning).toMatch(/degenerate.*--session-gap user/);
    expect(figures).toEqual({
      source: 'file',
      events: 2,
      users: 2,
      items: 2,
      itemsWithEvents: 2,
      sessions: 0,
      eventsByType: { purchase: 2 },
      firstEvent: '2024-01-01T00:00:00.000Z',
      lastEvent: '2024-01-02T00:00:00.000Z',
      days: 1,
    });
  });

  it('says what is wrong in one line, never a stack trace', async () => {
    const missing = path.join(os.tmpdir(), 'nowhere-xyz', 'retail.csv.gz');
    await expect(loadDataset({ source: 'online-retail', path: missing })).rejects.toThrow(new RegExp(`^file not found: ${missing}$`));
    await expect(loadDataset({ source: 'file', mapping: { user: 'u', item: 'i', timestamp: 't' } })).rejects.toThrow(DataError);
    await expect(loadDataset({ source: 'file', path: missing })).rejects.toThrow(/needs a column mapping/);
    const bogus = { source: 'bogus' } as unknown as Parameters<typeof loadDataset>[0];
    await expect(loadDataset(bogus)).rejects.toThrow(/unknown data source "bogus"; use synthetic, online-retail, file/);
  });
});

describe('LoadReportBuilder', () => {
  it('refuses to build a report whose rows do not balance', () => {
    const b = new LoadReportBuilder('x');
    b.read();
    b.read();
    b.keep();
    expect(() => b.build()).toThrow(/rows do not balance: read 2, kept 1, rejected 0/);
    b.reject('bad', 3, 'why');
    expect(b.build()).toMatchObject({
      rowsRead: 2,
      rowsKept: 1,
      rejected: { bad: 1 },
      examples: [{ reason: 'bad', line: 3, detail: 'why' }],
    });
  });

  it('keeps at most 5 examples per reason but counts them all', () => {
    const b = new LoadReportBuilder('x');
    for (let i = 0; i < 8; i++) {
      b.read();
      b.reject('bad', i + 2, 'why');
    }
    const r = b.build();
    expect(r.rejected.bad).toBe(8);
    expect(r.examples).toHaveLength(5);
  });
});
