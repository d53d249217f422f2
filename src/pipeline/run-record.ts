/**
 * Run records: every pipeline run writes what it did (parameters, data hashes, counts, timings per
 * stage, metrics, gate decision, published version, errors) to `<runs>/pipeline/<runId>.json`.
 * The published manifest links to its run by id; `workbench pipeline history` lists them.
 */
import { mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

import type { StageTiming } from '../util/stage-timer.js';

export type { StageTiming } from '../util/stage-timer.js';

/** The gate's verdict on a candidate. */
export interface GateDecision {
  metric: string;
  candidate: number;
  champion: number | null;
  /** Relative improvement required, e.g. 0.01 = 1%. */
  minImprovement: number;
  promoted: boolean;
  reason: string;
}

/** Everything one pipeline run did. */
export interface RunRecord {
  runId: string;
  model: string;
  /** `skipped`: nothing new to train on since the last successful run (see `skipped` for why). */
  status: 'running' | 'succeeded' | 'failed' | 'skipped';
  startedAt: string;
  finishedAt?: string;
  params: Record<string, unknown>;
  data: { source: string; path?: string; sha256?: string; rowsRead?: number; rowsKept?: number };
  /** Events the service logged since the previous run that joined the training data, by type. */
  newEvents: { since: string | null; until: string; byType: Record<string, number>; total: number };
  counts: Record<string, number>;
  stages: StageTiming[];
  metrics?: Record<string, unknown>;
  gate?: GateDecision;
  published?: { version: number; aliases: string[] };
  error?: string;
  /** Fingerprint of the base data and parameters (sha256): equal fingerprints and no fresh events mean nothing new. */
  inputs?: string;
  /** Why the run published nothing (status `skipped`). */
  skipped?: string;
}

/** A sortable, unique run id: UTC timestamp plus a random suffix. */
export function newRunId(now = new Date()): string {
  return `${now
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z')}-${Math.random().toString(36).slice(2, 6)}`;
}

/** Writes (or rewrites) a run record atomically. */
export function writeRunRecord(runsDir: string, record: RunRecord): string {
  const dir = path.join(runsDir, 'pipeline');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${record.runId}.json`);
  const tmp = `${file}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(record, null, 2)}\n`);
  renameSync(tmp, file);
  return file;
}

/** All run records, oldest first (optionally for one model). Unreadable files are reported, not hidden. */
export function listRunRecords(runsDir: string, model?: string): { records: RunRecord[]; unreadable: string[] } {
  const dir = path.join(runsDir, 'pipeline');
  let files: string[] = [];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return { records: [], unreadable: [] };
  }
  const records: RunRecord[] = [];
  const unreadable: string[] = [];
  for (const f of files.sort()) {
    try {
      const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as RunRecord;
      if (!model || r.model === model) records.push(r);
    } catch {
      unreadable.push(path.join(dir, f));
    }
  }
  return { records, unreadable };
}
