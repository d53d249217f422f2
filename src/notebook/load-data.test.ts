import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Dataset } from '../data/schema.js';
import { UsageError } from '../errors.js';
import { loadNotebookData, resolveNotebookSource, sampleUsers } from './load-data.js';

// src/notebook/load-data.ts is generated from notebooks/01-explore.ipynb; these tests hold it to what 01-04 rely on.
const NO_FILE = path.join(os.tmpdir(), 'workbench-no-such-online-retail.csv.gz');

function tinyDataset(users: number): Dataset {
  const events = Array.from({ length: users * 3 }, (_, i) => ({
    userId: `u${Math.floor(i / 3)}`,
    itemId: `i${i % 5}`,
    ts: i,
    type: 'purchase' as const,
  }));
  return { source: 'synthetic', events, items: [], report: {} as Dataset['report'] };
}

describe('resolveNotebookSource', () => {
  it('resolves auto to Online Retail when its file exists, else to the synthetic store', () => {
    expect(resolveNotebookSource('auto', NO_FILE)).toBe('synthetic');
    expect(resolveNotebookSource('auto', import.meta.filename)).toBe('online-retail');
    expect(resolveNotebookSource('synthetic', import.meta.filename)).toBe('synthetic');
    expect(resolveNotebookSource('online-retail', NO_FILE)).toBe('online-retail');
  });

  it('rejects any other source, file included', () => {
    expect(() => resolveNotebookSource('file', NO_FILE)).toThrow(UsageError);
    expect(() => resolveNotebookSource('csv', NO_FILE)).toThrow('source must be auto, online-retail or synthetic, got "csv"');
  });
});

describe('sampleUsers', () => {
  it('keeps whole user histories, the same users for the same seed, and everything at fraction 1', () => {
    const ds = tinyDataset(400);
    expect(sampleUsers(ds, 1, 42)).toBe(ds);
    const a = sampleUsers(ds, 0.25, 42);
    expect(sampleUsers(ds, 0.25, 42).events).toEqual(a.events);
    const perUser = new Map<string, number>();
    for (const e of a.events) perUser.set(e.userId, (perUser.get(e.userId) ?? 0) + 1);
    expect([...perUser.values()].every((n) => n === 3)).toBe(true);
    expect(perUser.size).toBeGreaterThan(60);
    expect(perUser.size).toBeLessThan(140);
    const other = new Set(sampleUsers(ds, 0.25, 7).events.map((e) => e.userId));
    expect(other).not.toEqual(new Set(perUser.keys()));
  });
});

describe('loadNotebookData', () => {
  it('loads the synthetic store and samples its users, keeping the full dataset and its ground truth', async () => {
    const data = await loadNotebookData({ source: 'synthetic', sample: 0.1, seed: 42, onlineRetailFile: NO_FILE });
    expect(data.source).toBe('synthetic');
    expect(data.dataset.events.length).toBeGreaterThan(0);
    expect(data.dataset.events.length).toBeLessThan(data.full.events.length);
    expect(data.dataset.items).toBe(data.full.items);
    expect(data.dataset.truth).toBeDefined();
    expect(data.summary).toMatch(
      new RegExp(`^synthetic: loaded in \\d+\\.\\d s; sample=0.1 keeps ${data.dataset.events.length} of ${data.full.events.length} events`),
    );
  });

  it('rejects a sample outside (0, 1] before loading anything', async () => {
    await expect(loadNotebookData({ source: 'synthetic', sample: 0 })).rejects.toThrow('sample must be in (0, 1], got 0');
    await expect(loadNotebookData({ source: 'synthetic', sample: 1.5 })).rejects.toThrow(UsageError);
  });
});
