/**
 * Off-policy estimates are kept next to the experiment state (`<events>/../experiments/ope/`), one
 * file per model version (the latest estimate wins), so an experiment report can show, per arm,
 * what was estimated before the test next to what the test measured.
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OffPolicyReport } from './ope-report.js';

/** A stored estimate: the report and when it was made. */
export interface OpeRecord {
  at: string;
  report: OffPolicyReport;
}

/** The record file of `name@version` for the event log `eventsDir`. */
export function opeRecordFile(eventsDir: string, name: string, version: number): string {
  return path.join(path.dirname(path.resolve(eventsDir)), 'experiments', 'ope', `${name.replace(/[^\w.-]/g, '_')}-v${version}.json`);
}

/** Writes the record atomically; returns its path. */
export async function writeOpeRecord(eventsDir: string, report: OffPolicyReport, now = Date.now()): Promise<string> {
  const file = opeRecordFile(eventsDir, report.model.name, report.model.version);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify({ at: new Date(now).toISOString(), report } satisfies OpeRecord, null, 2)}\n`);
  await rename(tmp, file);
  return file;
}

/** The stored estimate of `name@version`, if any (an unreadable file counts as none). */
export async function readOpeRecord(eventsDir: string, name: string, version: number): Promise<OpeRecord | undefined> {
  const file = opeRecordFile(eventsDir, name, version);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(await readFile(file, 'utf8')) as OpeRecord;
  } catch {
    return undefined;
  }
}
