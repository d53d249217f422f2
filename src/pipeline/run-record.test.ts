import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRunRecords, newRunId, type RunRecord, writeRunRecord } from './run-record.js';

const record = (runId: string, model: string): RunRecord => ({
  runId,
  model,
  status: 'succeeded',
  startedAt: '2026-11-24T00:00:00Z',
  params: {},
  data: { source: 'synthetic' },
  newEvents: { since: null, until: '2026-11-24T00:00:00Z', byType: {}, total: 0 },
  counts: {},
  stages: [{ stage: 'load', ms: 5 }],
});

describe('run records', () => {
  it('lists records oldest first, filters by model, and reports unreadable files', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'runs-'));
    writeRunRecord(dir, record('20260102T000000Z-b', 'demo'));
    writeRunRecord(dir, record('20260101T000000Z-a', 'demo'));
    writeRunRecord(dir, record('20260103T000000Z-c', 'other'));
    writeFileSync(path.join(dir, 'pipeline', 'broken.json'), '{');
    const { records, unreadable } = listRunRecords(dir, 'demo');
    expect(records.map((r) => r.runId)).toEqual(['20260101T000000Z-a', '20260102T000000Z-b']);
    expect(unreadable).toHaveLength(1);
  });

  it('makes sortable ids', () => {
    expect(newRunId(new Date('2026-11-24T10:11:12.345Z'))).toMatch(/^20261124T101112Z-[a-z0-9]+$/);
  });
});
