/**
 * Seeds the user state folder from the data a model was trained on: every user's state replayed
 * from the base events (what `workbench train`, `workbench start` and the pipeline write next to
 * publishing). The snapshot's watermark is empty, so a service restoring it replays its whole
 * event log on top: events the service logged are never counted twice or lost.
 */
import type { Dataset } from '../data/schema.js';
import { registeredUserStates, replayUntil, type UserStateDefinition } from '../features/index.js';
import { DEFAULT_SESSION_GAP_MINUTES } from '../features/training-window.js';
import { readSnapshotHeader, snapshotFile, writeUserStateSnapshot } from '../features/user-state-snapshot.js';

/** What was written. */
export interface SeedReport {
  file: string;
  users: number;
  ms: number;
}

/**
 * Replays `dataset` (events before `until`) into a user state snapshot in `stateDir`.
 * @param sessionGapMinutes - the session gap the models were trained with (default 30).
 */
export function seedUserState(
  stateDir: string,
  dataset: Dataset,
  until: number,
  sessionGapMinutes = DEFAULT_SESSION_GAP_MINUTES,
): SeedReport {
  const t0 = performance.now();
  const store = replayUntil(dataset.events, until, { definitions: registeredUserStates(), sessionGapMinutes });
  const r = dataset.report;
  const file = writeUserStateSnapshot(stateDir, store, {
    writer: 'seedUserState',
    source: dataset.source,
    path: r.path ?? null,
    sha256: r.sha256 ?? null,
    until,
  });
  return { file, users: store.size, ms: Math.round(performance.now() - t0) };
}

/** True when `stateDir` holds a readable snapshot with every one of `definitions` (key and version). */
export function snapshotCovers(stateDir: string, definitions: readonly UserStateDefinition[]): boolean {
  const file = snapshotFile(stateDir);
  if (!file) return false;
  try {
    // Version 1 is one object whose first line is the whole file; it still parses as a "header".
    const snap = readSnapshotHeader(file);
    const held = new Set((snap.states ?? []).map((s) => `${s.key}@${s.version}`));
    return definitions.every((d) => held.has(`${d.key}@${d.version}`));
  } catch {
    return false;
  }
}
