/**
 * What a candidate model version would have served for each logged request: the version is
 * opened as the service opens it (openServable, over an embedded user state), and the event log is
 * replayed in time order so each request is ranked on the user state the service had when it was
 * logged (the same update code, as in training). The user state starts from the state folder's
 * snapshot: a seeded snapshot (what `workbench train` / `start` write, no event-log watermark)
 * gives exact point-in-time state; a snapshot the service rewrote already holds some of the log,
 * and the rankings then see that later history (a note says so).
 */
import type { InteractionEvent } from '../data/schema.js';
import { registeredUserStates } from '../features/index.js';
import { restoreUserState } from '../features/user-state-snapshot.js';
import { loadVersion, type VersionRef } from '../registry/load-version.js';
import type { ServableModel } from '../serving/servable.js';
import { openServable } from '../serving/servable-factory.js';
import type { LoggedRequest } from './logged-requests.js';

/** Where the candidate and the user state come from. */
export interface ReplaySource {
  modelsDir: string;
  name: string;
  version: VersionRef;
  /** State folder with users.snapshot.json (none: every user starts unknown). */
  stateDir?: string;
}

/** The candidate's rankings of the logged requests. */
export interface ReplayedRankings {
  version: number;
  kind: string;
  rankings: Map<string, string[]>;
  notes: string[];
}

/**
 * Calls `visit` for every request in time order, with the version opened over the user state the
 * service had when the request was logged.
 * @param events - the whole event log (replayed into user state in time order).
 */
export async function replayRequests(
  source: ReplaySource,
  events: readonly InteractionEvent[],
  requests: readonly LoggedRequest[],
  visit: (model: ServableModel, request: LoggedRequest) => void,
): Promise<{ version: number; kind: string; notes: string[] }> {
  const notes: string[] = [];
  const { store, report } = restoreUserState({ stateDir: source.stateDir, definitions: registeredUserStates() });
  const heldLines = [...store.watermark.values()].reduce((s, n) => s + n, 0);
  const pointInTime = heldLines === 0;
  if (!report.snapshot) notes.push('no user state snapshot: users start unknown, the log alone builds their state');
  if (!pointInTime) {
    notes.push(
      `the user state snapshot already holds ${heldLines} event-log lines: requests are ranked on that state, which includes history logged after some of them`,
    );
  }
  const loaded = await loadVersion(source.modelsDir, source.name, source.version);
  const model = await openServable(loaded, { users: store });
  try {
    const order = [...requests].sort((a, b) => a.ts - b.ts);
    const log = pointInTime ? [...events].sort((a, b) => a.ts - b.ts) : [];
    let next = 0;
    for (const r of order) {
      let end = next;
      while (end < log.length && log[end].ts < r.ts) end++;
      if (end > next) store.apply(log.slice(next, end));
      next = end;
      visit(model, r);
    }
    return { version: loaded.version, kind: loaded.manifest.kind, notes };
  } finally {
    model.dispose();
  }
}

/** Ranks every request (k = its number of logged slots) with the candidate version. */
export async function replayCandidate(
  source: ReplaySource,
  events: readonly InteractionEvent[],
  requests: readonly LoggedRequest[],
): Promise<ReplayedRankings> {
  const rankings = new Map<string, string[]>();
  const done = await replayRequests(source, events, requests, (model, r) => {
    rankings.set(
      r.requestId,
      model.recommend({ userId: r.userId, k: r.slots.length, itemId: r.contextItemId }).map((it) => it.itemId),
    );
  });
  return { ...done, rankings };
}
