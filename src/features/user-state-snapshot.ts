/**
 * Durable user state for the embedded store: a snapshot file (every user's state, the custom
 * states it holds, and the event-log position it includes) plus the event log's tail. Restoring
 * = the snapshot, then every event-log line after its watermark, so nothing the service
 * acknowledged (written and fsync'ed before the 202) is lost across restarts.
 *
 * Layout: `<stateDir>/users.snapshot.jsonl`, written atomically (temporary file, fsync, rename):
 * a header line (format, states, clock, watermark, origin, the number of users), then one line
 * `[userId, row]` per user. Line by line so that neither writing nor reading ever holds the whole
 * store as one string (one `JSON.stringify` ran out of a 4 GB heap at 200,000 users). Version 1
 * (`users.snapshot.json`, one JSON object) is still read, and removed once a version 2 is written.
 * Training seeds it from the base data (an empty watermark: the whole event log replays on top);
 * the service rewrites it as it runs.
 */
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  writeSync,
} from 'node:fs';
import { mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { type InteractionEvent, interactionEventSchema } from '../data/schema.js';
import { DataError, errorMessage } from '../errors.js';
import { SnapshotRows } from './snapshot-rows.js';
import type { UserStateDefinition } from './user-state.js';
import { decodeUserRow, type UserRow } from './user-state-codec.js';
import { MemoryUserStateStore } from './user-state-store.js';

/** The snapshot's file name inside the state folder. */
export const USER_STATE_SNAPSHOT = 'users.snapshot.jsonl';
/** The version 1 snapshot (one JSON object), read when no version 2 exists. */
export const LEGACY_USER_STATE_SNAPSHOT = 'users.snapshot.json';

const FORMAT = 'workbench.user-state';
/** Bytes buffered before each write (and read per call) when streaming the snapshot. */
const CHUNK_BYTES = 1 << 20;

/** A snapshot's header: everything but the users. */
export interface UserStateSnapshotHeader {
  format: typeof FORMAT;
  version: 1 | 2;
  sessionGapMinutes: number;
  /** Latest event time applied (null before any). */
  clock: number | null;
  /** Custom states held (key and version). */
  states: { key: string; version: number }[];
  /** Event-log lines included, per file relative to the event-log folder. */
  watermark: Record<string, number>;
  /** Where the state came from (e.g. the base data it was seeded from). */
  origin: Record<string, string | number | null>;
  /** Users that follow the header (version 2). */
  users?: number;
}

const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

/** The header of `store`'s snapshot. */
function encodeHeader(store: MemoryUserStateStore, origin: UserStateSnapshotHeader['origin']): UserStateSnapshotHeader {
  return {
    format: FORMAT,
    version: 2,
    sessionGapMinutes: store.sessionGapMinutes,
    clock: finiteOrNull(store.clock()),
    states: store.definitions.map((d) => ({ key: d.key, version: d.version })),
    watermark: Object.fromEntries(store.watermark),
    origin,
    users: store.size,
  };
}

/** What a decode found. */
export interface DecodedSnapshot {
  store: MemoryUserStateStore;
  /** Registered states the snapshot does not hold (or holds in another version): empty for its users. */
  missingStates: string[];
  origin: UserStateSnapshotHeader['origin'];
}

/** Reads the header and returns a function restoring one user row into a fresh store. */
function startDecode(v: UserStateSnapshotHeader, definitions: readonly UserStateDefinition[], file: string) {
  if (!v || typeof v !== 'object' || v.format !== FORMAT)
    throw new DataError(`not a user state snapshot (format should be "${FORMAT}")`, { file, field: 'format' });
  if (v.version !== 1 && v.version !== 2) throw new DataError(`unsupported version ${String(v.version)}`, { file, field: 'version' });
  const store = new MemoryUserStateStore({ definitions, sessionGapMinutes: v.sessionGapMinutes });
  const held = new Set((v.states ?? []).map((s) => `${s.key}@${s.version}`));
  const usable = definitions.filter((d) => held.has(`${d.key}@${d.version}`));
  const missingStates = definitions.filter((d) => !usable.includes(d)).map((d) => `${d.key}@${d.version}`);
  const restore = (id: string, row: unknown, line?: number): void => {
    store.restoreUser(id, decodeUserRow(id, row, definitions, usable, file, line));
  };
  const finish = (): DecodedSnapshot => {
    if (v.clock !== null && v.clock !== undefined) store.restoreClock(v.clock);
    for (const [f, n] of Object.entries(v.watermark ?? {})) store.advance(f, n);
    return { store, missingStates, origin: v.origin ?? {} };
  };
  return { restore, finish };
}

/** Calls `onLine(text, lineNumber)` for every line of `file`, reading it in chunks (constant memory). */
function forEachLineSync(file: string, onLine: (text: string, line: number) => boolean | undefined): void {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(CHUNK_BYTES);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    let line = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      const text = n > 0 ? rest + decoder.write(buf.subarray(0, n)) : rest + decoder.end();
      const parts = text.split('\n');
      rest = n > 0 ? (parts.pop() as string) : '';
      for (const p of parts) if (onLine(p, ++line) === false) return;
      if (n === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}

function parseLine(text: string, file: string, line: number): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new DataError(`not valid JSON: ${errorMessage(err)}`, { file, line });
  }
}

/** The header line of a version 2 snapshot (reads only that line). */
export function readSnapshotHeader(file: string): UserStateSnapshotHeader {
  let header: unknown;
  forEachLineSync(file, (text, line) => {
    header = parseLine(text, file, line);
    return false;
  });
  return header as UserStateSnapshotHeader;
}

/**
 * Reads a snapshot file (version 2 line by line, or version 1) into a store keeping `definitions`.
 * @throws DataError naming the file, the line and the malformed field, or a truncated file.
 */
export function readUserStateSnapshot(file: string, definitions: readonly UserStateDefinition[]): DecodedSnapshot {
  if (path.basename(file) === LEGACY_USER_STATE_SNAPSHOT) {
    // Version 1: the header's fields and `users: { id: row }` in one object.
    const v = parseLine(readFileSync(file, 'utf8'), file, 1) as UserStateSnapshotHeader;
    const { restore, finish } = startDecode(v, definitions, file);
    const users: unknown = v.users;
    if (!users || typeof users !== 'object') throw new DataError('expected an object of users', { file, field: 'users' });
    for (const [id, row] of Object.entries(users as Record<string, UserRow>)) restore(id, row);
    return finish();
  }
  let decode: ReturnType<typeof startDecode> | undefined;
  let expected = 0;
  let users = 0;
  forEachLineSync(file, (text, line) => {
    if (text === '') return true;
    const value = parseLine(text, file, line);
    if (!decode) {
      const header = value as UserStateSnapshotHeader;
      decode = startDecode(header, definitions, file);
      expected = header.users ?? 0;
      return true;
    }
    if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string')
      throw new DataError('expected [userId, state]', { file, line, field: 'users' });
    decode.restore(value[0], value[1], line);
    users++;
    return true;
  });
  if (!decode) throw new DataError('empty snapshot', { file });
  if (users !== expected)
    throw new DataError(`truncated: the header promises ${expected} users, the file holds ${users}`, { file, field: 'users' });
  return decode.finish();
}

/**
 * The lines of `store`'s snapshot at this instant, header first: the rows and the watermark agree,
 * whatever the caller does next. `rows` keeps encoded rows between snapshots of the same store.
 */
export function snapshotLines(
  store: MemoryUserStateStore,
  origin: UserStateSnapshotHeader['origin'] = {},
  rows = new SnapshotRows(),
): string[] {
  const lines = rows.rowsOf(store);
  lines.unshift(JSON.stringify(encodeHeader(store, origin)));
  return lines;
}

/** The lines joined into chunks of about CHUNK_BYTES, each line ending in a newline. */
function* chunksOf(lines: readonly string[]): Generator<string> {
  let at = 0;
  while (at < lines.length) {
    const part: string[] = [];
    let bytes = 0;
    while (at < lines.length && bytes < CHUNK_BYTES) {
      part.push(lines[at]);
      bytes += lines[at++].length + 1;
    }
    yield `${part.join('\n')}\n`;
  }
}

/** Writes the snapshot atomically into `stateDir`, one line per user; returns its path. */
export function writeUserStateSnapshot(
  stateDir: string,
  store: MemoryUserStateStore,
  origin: UserStateSnapshotHeader['origin'] = {},
): string {
  mkdirSync(stateDir, { recursive: true });
  const file = path.join(stateDir, USER_STATE_SNAPSHOT);
  const tmp = `${file}.${process.pid}.tmp`;
  const fd = openSync(tmp, 'w');
  try {
    for (const chunk of chunksOf(snapshotLines(store, origin))) writeFully(fd, chunk);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    rmSync(tmp, { force: true });
    throw err;
  }
  closeSync(fd);
  renameSync(tmp, file);
  // The version 1 file would be read by an older build over the newer state: remove it.
  rmSync(path.join(stateDir, LEGACY_USER_STATE_SNAPSHOT), { force: true });
  return file;
}

/**
 * Writes lines captured by {@link snapshotLines} atomically into `stateDir`, off the event loop
 * (the service's periodic snapshot: capturing is synchronous, writing and fsync are not).
 */
export async function writeSnapshotLines(stateDir: string, lines: readonly string[]): Promise<string> {
  await mkdir(stateDir, { recursive: true });
  const file = path.join(stateDir, USER_STATE_SNAPSHOT);
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    for (const chunk of chunksOf(lines)) await fh.writeFile(chunk);
    await fh.sync();
  } catch (err) {
    await fh.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await fh.close();
  await rename(tmp, file);
  await rm(path.join(stateDir, LEGACY_USER_STATE_SNAPSHOT), { force: true });
  return file;
}

function writeFully(fd: number, text: string): void {
  const buf = Buffer.from(text, 'utf8');
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off);
}

/** The snapshot file in `stateDir` that restoring reads (version 2, else version 1), if any. */
export function snapshotFile(stateDir: string): string | undefined {
  for (const name of [USER_STATE_SNAPSHOT, LEGACY_USER_STATE_SNAPSHOT]) {
    const file = path.join(stateDir, name);
    if (existsSync(file)) return file;
  }
  return undefined;
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
  origin: UserStateSnapshotHeader['origin'];
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
  let origin: UserStateSnapshotHeader['origin'] = {};
  const snapshot = opts.stateDir ? snapshotFile(opts.stateDir) : undefined;
  if (snapshot) ({ store, missingStates, origin } = readUserStateSnapshot(snapshot, opts.definitions));
  const tail = opts.eventsDir ? replayEventLogTail(store, opts.eventsDir) : { files: 0, lines: 0, applied: 0, malformed: 0, examples: [] };
  return { store, report: { snapshot, users: store.size, missingStates, origin, tail } };
}
