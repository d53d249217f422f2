/**
 * Durable user state for the embedded store: a snapshot file (every user's state, the custom
 * states it holds, and the event-log position it includes) plus the event log's tail. Restoring
 * = the snapshot, then every event-log line after its watermark, so nothing the service
 * acknowledged (written and fsync'ed before the 202) is lost across restarts.
 *
 * Layout: `<stateDir>/users.snapshot.json`, written atomically (temporary file, fsync, rename).
 * Training seeds it from the base data (an empty watermark: the whole event log replays on top);
 * the service rewrites it as it runs.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, writeSync } from 'node:fs';
import path from 'node:path';
import { type InteractionEvent, interactionEventSchema } from '../data/schema.js';
import { DataError } from '../errors.js';
import type { UserState, UserStateDefinition } from './user-state.js';
import { decodeUserRow, encodeUserRow, type UserRow } from './user-state-codec.js';
import { MemoryUserStateStore } from './user-state-store.js';

/** The snapshot's file name inside the state folder. */
export const USER_STATE_SNAPSHOT = 'users.snapshot.json';

const FORMAT = 'workbench.user-state';

/** The JSON form of a snapshot. */
export interface UserStateSnapshot {
  format: typeof FORMAT;
  version: 1;
  sessionGapMinutes: number;
  /** Latest event time applied (null before any). */
  clock: number | null;
  /** Custom states held (key and version). */
  states: { key: string; version: number }[];
  /** Event-log lines included, per file relative to the event-log folder. */
  watermark: Record<string, number>;
  /** Where the state came from (e.g. the base data it was seeded from). */
  origin: Record<string, string | number | null>;
  users: Record<string, UserRow>;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** Encodes a store's state as a snapshot object. */
export function encodeSnapshot(store: MemoryUserStateStore, origin: UserStateSnapshot['origin'] = {}): UserStateSnapshot {
  // Null prototype: user ids come from outside, and `users["__proto__"] = ...` on {} would set a prototype, not a user.
  const users: Record<string, UserRow> = Object.create(null);
  for (const id of store.userIds()) users[id] = encodeUserRow(store.get(id) as UserState, store.definitions);
  return {
    format: FORMAT,
    version: 1,
    sessionGapMinutes: store.sessionGapMinutes,
    clock: finiteOrNull(store.clock()),
    states: store.definitions.map((d) => ({ key: d.key, version: d.version })),
    watermark: Object.fromEntries(store.watermark),
    origin,
    users,
  };
}

/** What a decode found. */
export interface DecodedSnapshot {
  store: MemoryUserStateStore;
  /** Registered states the snapshot does not hold (or holds in another version): empty for its users. */
  missingStates: string[];
  origin: UserStateSnapshot['origin'];
}

/**
 * Decodes a snapshot into a store keeping `definitions`.
 * @throws DataError naming the first malformed field.
 */
export function decodeSnapshot(value: unknown, definitions: readonly UserStateDefinition[], file = USER_STATE_SNAPSHOT): DecodedSnapshot {
  const v = value as UserStateSnapshot;
  if (!v || typeof v !== 'object' || v.format !== FORMAT)
    throw new DataError(`not a user state snapshot (format should be "${FORMAT}")`, { file, field: 'format' });
  if (v.version !== 1) throw new DataError(`unsupported version ${String(v.version)}`, { file, field: 'version' });
  const store = new MemoryUserStateStore({ definitions, sessionGapMinutes: v.sessionGapMinutes });
  const held = new Set((v.states ?? []).map((s) => `${s.key}@${s.version}`));
  const usable = definitions.filter((d) => held.has(`${d.key}@${d.version}`));
  const missingStates = definitions.filter((d) => !usable.includes(d)).map((d) => `${d.key}@${d.version}`);
  if (!v.users || typeof v.users !== 'object') throw new DataError('expected an object of users', { file, field: 'users' });
  for (const [id, row] of Object.entries(v.users)) store.restoreUser(id, decodeUserRow(id, row, definitions, usable, file));
  if (v.clock !== null && v.clock !== undefined) store.restoreClock(v.clock);
  for (const [f, n] of Object.entries(v.watermark ?? {})) store.advance(f, n);
  return { store, missingStates, origin: v.origin ?? {} };
}

/** Writes the snapshot atomically into `stateDir`; returns its path. */
export function writeUserStateSnapshot(stateDir: string, store: MemoryUserStateStore, origin: UserStateSnapshot['origin'] = {}): string {
  mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, USER_STATE_SNAPSHOT);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, JSON.stringify(encodeSnapshot(store, origin)));
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, file);
  return file;
}

/** The event-log files (relative paths, sorted): `date=YYYY-MM-DD/part-*.jsonl`. */
export function eventLogFiles(eventsDir: string): string[] {
  if (!existsSync(eventsDir)) return [];
  const out: string[] = [];
  for (const part of readdirSync(eventsDir, { withFileTypes: true })) {
    if (!part.isDirectory() || !part.name.startsWith('date=')) continue;
    for (const f of readdirSync(path.join(eventsDir, part.name))) if (f.endsWith('.jsonl')) out.push(`${part.name}/${f}`);
  }
  return out.sort();
}

/** What replaying the event log's tail did. */
export interface TailReport {
  files: number;
  /** Lines read after the watermark. */
  lines: number;
  applied: number;
  /** Lines that are not valid events (counted, with a few examples). */
  malformed: number;
  examples: { file: string; line: number; detail: string }[];
}

/**
 * Applies every event-log line after the store's watermark (in time order across files) and
 * advances the watermark. An unterminated last line (a write in progress) is left for later.
 */
export function replayEventLogTail(store: MemoryUserStateStore, eventsDir: string): TailReport {
  const report: TailReport = { files: 0, lines: 0, applied: 0, malformed: 0, examples: [] };
  const events: InteractionEvent[] = [];
  for (const file of eventLogFiles(eventsDir)) {
    const done = store.watermark.get(file) ?? 0;
    const text = readFileSync(path.join(eventsDir, file), 'utf8');
    const lines = text.split('\n');
    lines.pop(); // "" after the last newline, or an unterminated line
    if (lines.length <= done) continue;
    report.files++;
    for (let i = done; i < lines.length; i++) {
      report.lines++;
      let parsed: unknown;
      try {
        parsed = JSON.parse(lines[i]);
      } catch {
        parsed = undefined;
      }
      const ok = interactionEventSchema.safeParse(parsed);
      if (ok.success) events.push(ok.data);
      else {
        report.malformed++;
        if (report.examples.length < 5) report.examples.push({ file, line: i + 1, detail: ok.error.issues[0]?.message ?? 'invalid' });
      }
    }
    store.advance(file, lines.length - done);
  }
  events.sort((a, b) => a.ts - b.ts);
  report.applied = store.apply(events).applied;
  return report;
}

/** What restoring found. */
export interface RestoreReport {
  /** The snapshot read (undefined: none, the state is the event log alone). */
  snapshot?: string;
  users: number;
  missingStates: string[];
  origin: UserStateSnapshot['origin'];
  tail: TailReport;
}

/**
 * The embedded store as it was: the snapshot in `stateDir` (if any), then the event log's tail.
 * @throws DataError when the snapshot is malformed (never silently starts empty over a bad file).
 */
export function restoreUserState(opts: {
  stateDir?: string;
  eventsDir?: string;
  definitions: readonly UserStateDefinition[];
  sessionGapMinutes?: number;
}): { store: MemoryUserStateStore; report: RestoreReport } {
  let store = new MemoryUserStateStore({ definitions: opts.definitions, sessionGapMinutes: opts.sessionGapMinutes });
  let missingStates: string[] = [];
  let origin: UserStateSnapshot['origin'] = {};
  let snapshot: string | undefined;
  const file = opts.stateDir ? path.join(opts.stateDir, USER_STATE_SNAPSHOT) : undefined;
  if (file && existsSync(file)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new DataError(`not valid JSON: ${(err as Error).message}`, { file });
    }
    ({ store, missingStates, origin } = decodeSnapshot(parsed, opts.definitions, file));
    snapshot = file;
  }
  const tail = opts.eventsDir ? replayEventLogTail(store, opts.eventsDir) : { files: 0, lines: 0, applied: 0, malformed: 0, examples: [] };
  return { store, report: { snapshot, users: store.size, missingStates, origin, tail } };
}
