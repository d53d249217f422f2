/**
 * The service's live user state: one embedded UserStateStore per process, shared by every loaded
 * model version. On start it is restored from the snapshot in the state folder plus the event
 * log's tail; every event the service durably appends (POST /v1/events and its own impressions)
 * is applied right after the append, so the next request sees it; with several workers the event
 * is relayed to the others (through the primary) before the 202, so every worker sees it. One
 * process (the single server, or worker 0) rewrites the snapshot periodically and on shutdown.
 */

import { partitionOf } from '../src/data/eventlog-writer.js';
import type { InteractionEvent } from '../src/data/schema.js';
import { errorMessage } from '../src/errors.js';
import { MemoryUserStateStore, type UserState, type UserStateDefinition, type UserStateStore } from '../src/features/index.js';
import { SnapshotRows } from '../src/features/snapshot-rows.js';
import { type RestoreReport, restoreUserState, snapshotLines, writeSnapshotLines } from '../src/features/user-state-snapshot.js';
import type { EventSink } from './exposure.js';
import { type Logger, silentLogger } from './logger.js';
import type { ModelSource } from './model-source.js';

/** Events appended to the log, with the log file (relative path) of each. */
export interface AppliedBatch {
  events: InteractionEvent[];
  files: string[];
}

/** Options of LiveUserState. */
export interface LiveUserStateOptions {
  definitions: readonly UserStateDefinition[];
  /** Snapshot folder (default: none: state is the event log alone, nothing is written). */
  stateDir?: string;
  /** The event log replayed on restore. */
  eventsDir?: string;
  /** Write snapshots (one process per state folder; default true). */
  writeSnapshots?: boolean;
  /** Snapshot interval when state changed (ms, default 60 s; 0: only on close). */
  snapshotEveryMs?: number;
  /** Sends a batch to the other workers; resolves when they applied it. */
  relay?: (batch: AppliedBatch) => Promise<void>;
  logger?: Logger;
}

/** See the module comment. Implements UserStateStore over the current embedded store. */
export class LiveUserState implements UserStateStore {
  private inner: MemoryUserStateStore;
  private opts: LiveUserStateOptions;
  private readonly logger: Logger;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  /** Encoded rows of `inner`, so a snapshot re-encodes only the users who changed. */
  private rows = new SnapshotRows();
  /** The snapshot being written (one at a time), and the one queued behind it. */
  private writing: Promise<void> = Promise.resolve();
  private busy = false;
  private queued: Promise<void> | undefined;
  /** Appended batches waiting for their turn to be applied (see applyInTurn). */
  private readonly applyQueue: (() => void)[] = [];
  /** What the last restore found. */
  lastRestore: RestoreReport | undefined;

  constructor(opts: LiveUserStateOptions) {
    this.opts = opts;
    this.logger = opts.logger ?? silentLogger;
    this.inner = new MemoryUserStateStore({ definitions: opts.definitions });
  }

  get definitions(): readonly UserStateDefinition[] {
    return this.inner.definitions;
  }
  get sessionGapMinutes(): number {
    return this.inner.sessionGapMinutes;
  }
  get size(): number {
    return this.inner.size;
  }
  get(userId: string): Readonly<UserState> | undefined {
    return this.inner.get(userId);
  }
  userIds(): string[] {
    return this.inner.userIds();
  }
  clock(): number {
    return this.inner.clock();
  }
  apply(events: readonly InteractionEvent[]): { applied: number; skipped: number } {
    this.dirty = true;
    // Only the process that writes snapshots keeps rows (the others would hold every user's id for nothing).
    if (this.canWrite()) for (const e of events) this.rows.changed(e.userId);
    return this.inner.apply(events);
  }

  /** Makes this process one worker of several: how it relays, and whether it writes snapshots. */
  joinCluster(role: { relay: (batch: AppliedBatch) => Promise<void>; writeSnapshots: boolean }): void {
    this.opts = { ...this.opts, relay: role.relay, writeSnapshots: role.writeSnapshots };
  }

  /** Restores from the snapshot and the event log's tail, then starts periodic snapshots. */
  restore(): RestoreReport {
    const t0 = performance.now();
    const { store, report } = restoreUserState({
      stateDir: this.opts.stateDir,
      eventsDir: this.opts.eventsDir,
      definitions: this.opts.definitions,
    });
    this.inner = store;
    this.rows = new SnapshotRows();
    this.lastRestore = report;
    this.logger.info('user state restored', {
      snapshot: report.snapshot ?? null,
      users: report.users,
      replayedEvents: report.tail.applied,
      malformedLines: report.tail.malformed,
      ms: Math.round(performance.now() - t0),
    });
    if (report.missingStates.length > 0) {
      this.logger.warn('user state snapshot lacks states; they start empty for existing users (retrain to reseed)', {
        missing: report.missingStates,
      });
    }
    if (!report.snapshot && this.opts.stateDir) {
      this.logger.warn('no user state snapshot; only the event log is replayed (workbench train seeds one)', {
        stateDir: this.opts.stateDir,
      });
    }
    const every = this.opts.snapshotEveryMs ?? 60_000;
    if (this.canWrite() && every > 0) {
      this.timer = setInterval(() => void this.snapshotIfDirty(), every);
      this.timer.unref();
    }
    return report;
  }

  private canWrite(): boolean {
    return this.opts.stateDir !== undefined && this.opts.writeSnapshots !== false;
  }

  /** Applies a batch appended by this or another process, advancing the snapshot watermark. */
  applyBatch(batch: AppliedBatch): void {
    this.apply(batch.events);
    const counts = new Map<string, number>();
    for (const f of batch.files) counts.set(f, (counts.get(f) ?? 0) + 1);
    for (const [f, n] of counts) this.inner.advance(f, n);
  }

  /**
   * Applies `batch` in an event-loop turn of its own, after the batches queued before it. The
   * slices of an exposure flush become durable together; applied in one go they held every waiting
   * request behind the whole flush (bursts up to several ms), one per turn lets requests in between.
   */
  private applyInTurn(batch: AppliedBatch): Promise<void> {
    return new Promise((resolve, reject) => {
      this.applyQueue.push(() => {
        try {
          this.applyBatch(batch);
          resolve();
        } catch (err) {
          reject(err);
        }
      });
      if (this.applyQueue.length === 1) setImmediate(() => this.applyNext());
    });
  }

  private applyNext(): void {
    this.applyQueue[0]();
    this.applyQueue.shift();
    // An immediate queued from an immediate runs after the poll phase: I/O gets in between.
    if (this.applyQueue.length > 0) setImmediate(() => this.applyNext());
  }

  /**
   * Wraps the event log sink: after each durable append the events are applied here and relayed
   * to the other workers (the append's promise resolves after both).
   * @param fileOf - the log file (relative path) an event was appended to (omit for a sink that is
   *   not the event log folder: the watermark then does not advance).
   */
  wrapSink(inner: EventSink, fileOf?: (e: InteractionEvent) => string): EventSink {
    return {
      append: async (events) => {
        await inner.append(events);
        const batch: AppliedBatch = { events: [...events], files: fileOf ? events.map(fileOf) : [] };
        await this.applyInTurn(batch);
        if (this.opts.relay) {
          try {
            await this.opts.relay(batch);
          } catch (err) {
            // The events are durable; a worker that missed them catches up on its next restore.
            this.logger.warn('relaying events to the other workers failed', { error: errorMessage(err) });
          }
        }
      },
    };
  }

  /**
   * Writes a snapshot when something changed since the last one. The state is captured at once
   * (rows and watermark agree; only changed users are encoded again); the file is written and
   * synced off the event loop, so requests keep being served meanwhile.
   */
  snapshotIfDirty(): Promise<void> {
    if (!this.canWrite()) return this.writing;
    if (this.busy) {
      // One write at a time: the next capture happens once this one is on disk.
      this.queued ??= this.writing.then(() => {
        this.queued = undefined;
        return this.snapshotIfDirty();
      });
      return this.queued;
    }
    if (!this.dirty) return this.writing;
    this.dirty = false;
    const t0 = performance.now();
    let lines: string[];
    try {
      lines = snapshotLines(this.inner, { writer: 'workbench serve', pid: process.pid }, this.rows);
    } catch (err) {
      this.dirty = true;
      this.logger.error('user state snapshot failed', { error: errorMessage(err) });
      return this.writing;
    }
    const captureMs = performance.now() - t0;
    this.busy = true;
    this.writing = writeSnapshotLines(this.opts.stateDir as string, lines)
      .then(
        () =>
          this.logger.debug('user state snapshot written', {
            users: lines.length - 1,
            captureMs: Math.round(captureMs * 10) / 10,
            ms: Math.round(performance.now() - t0),
          }),
        (err: unknown) => {
          this.dirty = true;
          this.logger.error('user state snapshot failed', { error: errorMessage(err) });
        },
      )
      .finally(() => {
        this.busy = false;
      });
    return this.writing;
  }

  /** Stops the timer and writes a last snapshot; resolves once it is on disk. */
  close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    return this.snapshotIfDirty();
  }
}

/** The log file (relative to the event-log folder) an EventLogWriter with part name `partName` puts an event in. */
export function logFileOf(partName: string): (e: InteractionEvent) => string {
  return (e) => `${partitionOf(e.ts)}/${partName}`;
}

/**
 * The usual wiring: a live user state (every registered user state definition) and a registry
 * source whose versions read it. Pass both to createService / startServer.
 */
export async function liveRegistry(
  modelsDir: string,
  opts: { stateDir?: string; eventsDir?: string; logger?: Logger; kinds?: readonly string[] } = {},
): Promise<{ userState: LiveUserState; source: ModelSource }> {
  const { registeredUserStates } = await import('../src/features/index.js');
  const { openServable } = await import('../src/serving/servable-factory.js');
  const { createRegistrySource } = await import('./registry-source.js');
  const userState = new LiveUserState({
    definitions: registeredUserStates(),
    stateDir: opts.stateDir,
    eventsDir: opts.eventsDir,
    logger: opts.logger,
  });
  const source = createRegistrySource(modelsDir, {
    kinds: opts.kinds,
    openServable: (loaded) => openServable(loaded, { users: userState }),
  });
  return { userState, source };
}
