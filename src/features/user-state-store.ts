/**
 * Where user state lives: behind `UserStateStore`, outside every model version, so a model
 * directory does not grow with the number of users and a live event changes the next request.
 * `MemoryUserStateStore` is the embedded default: state in memory, written to a durable snapshot
 * (with the event-log position it includes) and rebuilt on start from the snapshot plus the log's
 * tail, so a restart loses nothing the service acknowledged. A shared store (Redis) implements the
 * same interface.
 */

import type { InteractionEvent } from '../data/schema.js';
import { DataError, UsageError } from '../errors.js';
import { DEFAULT_SESSION_GAP_MINUTES } from './training-window.js';
import { applyEvent, emptyUserState, invalidEventReason, type UserState, type UserStateDefinition } from './user-state.js';

/** Read and update access to every user's state. */
export interface UserStateStore {
  /** The custom states kept (besides the built-in history). */
  readonly definitions: readonly UserStateDefinition[];
  /** Session gap (minutes) for events without sessionId. */
  readonly sessionGapMinutes: number;
  /** The user's state; undefined for a user without events. Never mutate it. */
  get(userId: string): Readonly<UserState> | undefined;
  /**
   * Applies events in the order given (each to its user). Invalid events are skipped and counted.
   * @returns how many were applied and skipped.
   */
  apply(events: readonly InteractionEvent[]): { applied: number; skipped: number };
  /** Users with state, in insertion order. */
  userIds(): string[];
  readonly size: number;
  /** Time of the latest event applied (-Infinity before any): the clock user features are read at. */
  clock(): number;
  /**
   * A shared store (Redis) loads these users' state so that the synchronous `get` can answer
   * (awaited before a request's feature path); in-process stores have nothing to load.
   * @throws when the shared store cannot be read.
   */
  prefetch?(userIds: readonly string[]): Promise<void>;
}

/** Options of the embedded store. */
export interface MemoryUserStateOptions {
  definitions?: readonly UserStateDefinition[];
  sessionGapMinutes?: number;
}

/** The embedded user state store (see the module comment). */
export class MemoryUserStateStore implements UserStateStore {
  readonly definitions: readonly UserStateDefinition[];
  readonly sessionGapMinutes: number;
  private readonly gapMs: number;
  private readonly users = new Map<string, UserState>();
  private latest = Number.NEGATIVE_INFINITY;
  /** Event-log lines applied per log file (relative path), for snapshots. */
  readonly watermark = new Map<string, number>();

  constructor(opts: MemoryUserStateOptions = {}) {
    const keys = new Set<string>();
    for (const d of opts.definitions ?? []) {
      if (keys.has(d.key)) throw new UsageError(`user state key "${d.key}" is defined twice`);
      keys.add(d.key);
    }
    this.definitions = [...(opts.definitions ?? [])];
    this.sessionGapMinutes = opts.sessionGapMinutes ?? DEFAULT_SESSION_GAP_MINUTES;
    if (!(this.sessionGapMinutes > 0)) throw new UsageError(`sessionGapMinutes must be positive, got ${this.sessionGapMinutes}`);
    this.gapMs = this.sessionGapMinutes * 60_000;
  }

  get size(): number {
    return this.users.size;
  }

  get(userId: string): Readonly<UserState> | undefined {
    return this.users.get(userId);
  }

  userIds(): string[] {
    return [...this.users.keys()];
  }

  clock(): number {
    return this.latest;
  }

  apply(events: readonly InteractionEvent[]): { applied: number; skipped: number } {
    let applied = 0;
    let skipped = 0;
    for (const e of events) {
      if (invalidEventReason(e) !== undefined) {
        skipped++;
        continue;
      }
      let s = this.users.get(e.userId);
      if (!s) {
        s = emptyUserState(this.definitions);
        this.users.set(e.userId, s);
      }
      applyEvent(s, e, this.definitions, this.gapMs);
      if (e.ts > this.latest) this.latest = e.ts;
      applied++;
    }
    return { applied, skipped };
  }

  /** Records that `lines` more lines of event-log file `file` are applied (see snapshot watermarks). */
  advance(file: string, lines: number): void {
    this.watermark.set(file, (this.watermark.get(file) ?? 0) + lines);
  }

  /** Puts a user's state as is (restoring a snapshot). */
  restoreUser(userId: string, state: UserState): void {
    this.users.set(userId, state);
  }

  /** Sets the clock (restoring a snapshot). */
  restoreClock(ts: number): void {
    if (ts > this.latest) this.latest = ts;
  }
}

/**
 * Builds point-in-time state: every valid event with ts < cutoff, replayed per user in (ts, input)
 * order. What training reads; nothing at or after the cutoff is touched.
 */
export function replayUntil(events: readonly InteractionEvent[], cutoff: number, opts: MemoryUserStateOptions = {}): MemoryUserStateStore {
  const store = new MemoryUserStateStore(opts);
  const idx: number[] = [];
  for (let i = 0; i < events.length; i++) {
    const e = events[i];
    if (e.ts < cutoff && invalidEventReason(e) === undefined) idx.push(i);
  }
  // Time order (stable): the order an online service would have seen them in.
  idx.sort((a, b) => events[a].ts - events[b].ts || a - b);
  store.apply(idx.map((i) => events[i]));
  return store;
}

/** Throws a DataError unless `value` is a finite number. */
export function finiteField(value: unknown, field: string, file: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new DataError(`expected a finite number, got ${String(value)}`, { file, field });
  return value;
}
