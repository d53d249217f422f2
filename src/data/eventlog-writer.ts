/**
 * The append-only, partitioned event log the service writes and the pipeline, KPIs and notebooks
 * read (through DuckDB): `<dir>/date=YYYY-MM-DD/part-<start>-<pid>.jsonl`, one JSON event per line.
 * Hive-style partitions are what DuckDB reads embedded and Spark or Trino read at scale.
 *
 * Durability: `append` resolves only after the bytes are written and fsync'ed. Concurrent appends
 * are group-committed (one write + one fsync for everything queued), which keeps throughput high
 * without weakening the guarantee. Each writer owns its part files, so processes never interleave.
 *
 * All or nothing: a batch that fails part-way (one partition written, the next one failing) is
 * rolled back (the files already written are truncated to their size before the batch), so a
 * rejected append leaves nothing behind and a retry cannot duplicate. (A process killed mid-append
 * can still leave part of a batch that was never acknowledged.)
 *
 * Bounded resources: at most `maxOpenFiles` part files stay open (least recently used closed
 * first), whatever spread of dates the events have, so the log can never exhaust the process's
 * file descriptors (which would also stop it accepting connections and loading models).
 */
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { InteractionEvent } from './schema.js';

/** The last partition named: its UTC day number and name. */
let lastPartition = { day: Number.NaN, name: '' };

/** The partition folder name of an event time: `date=YYYY-MM-DD` (UTC). */
export function partitionOf(ts: number): string {
  // Events of a batch mostly share a day: formatting a Date per event showed in the service's profile.
  const day = Math.floor(ts / 86_400_000);
  if (day !== lastPartition.day) lastPartition = { day, name: `date=${new Date(ts).toISOString().slice(0, 10)}` };
  return lastPartition.name;
}

/** Default bound on part files held open at once (see the module comment). */
export const DEFAULT_MAX_OPEN_FILES = 16;

/** Options of an EventLogWriter. */
export interface EventLogWriterOptions {
  /** Most part files open at once (default 16). */
  maxOpenFiles?: number;
}

interface OpenPart {
  fh: FileHandle;
  /** Bytes in the file (what this writer appended to its own part file, plus what was there). */
  size: number;
}

interface Pending {
  lines: Map<string, string[]>;
  waiters: { resolve: () => void; reject: (err: unknown) => void }[];
}

/** Appends events to the partitioned log durably. One instance per process and directory. */
export class EventLogWriter {
  readonly dir: string;
  /** This writer's part file name (the same in every date partition). */
  readonly partName: string;
  /** Open part files by partition, least recently used first (Map order). */
  private readonly handles = new Map<string, OpenPart>();
  private readonly maxOpenFiles: number;
  private pending: Pending | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(dir: string, options: EventLogWriterOptions = {}) {
    this.dir = dir;
    this.maxOpenFiles = Math.max(1, options.maxOpenFiles ?? DEFAULT_MAX_OPEN_FILES);
    this.partName = `part-${new Date().toISOString().replace(/[-:.]/g, '')}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.jsonl`;
  }

  /** Appends events; resolves once they are on disk (written and fsync'ed). */
  append(events: readonly InteractionEvent[]): Promise<void> {
    if (this.closed) return Promise.reject(new Error(`event log ${this.dir} is closed`));
    if (events.length === 0) return Promise.resolve();
    if (!this.pending) {
      const batch: Pending = { lines: new Map(), waiters: [] };
      this.pending = batch;
      // Chain after the running flush: whatever arrives meanwhile joins this batch.
      this.flushing = this.flushing.then(() => this.flush(batch));
    }
    const batch = this.pending;
    for (const e of events) {
      const part = partitionOf(e.ts);
      let lines = batch.lines.get(part);
      if (!lines) {
        lines = [];
        batch.lines.set(part, lines);
      }
      lines.push(JSON.stringify(e));
    }
    return new Promise((resolve, reject) => batch.waiters.push({ resolve, reject }));
  }

  /** Part files open now (never above `maxOpenFiles`). */
  get openFiles(): number {
    return this.handles.size;
  }

  private async flush(batch: Pending): Promise<void> {
    this.pending = undefined;
    const written: { part: string; size: number }[] = [];
    try {
      for (const [part, lines] of batch.lines) {
        const entry = await this.handle(part);
        written.push({ part, size: entry.size });
        const bytes = Buffer.from(`${lines.join('\n')}\n`);
        await writeAll(entry.fh, bytes);
        entry.size += bytes.byteLength;
        await entry.fh.datasync();
      }
      for (const w of batch.waiters) w.resolve();
    } catch (err) {
      await this.rollback(written);
      for (const w of batch.waiters) w.reject(err);
    }
  }

  /** Truncates the part files a failed batch wrote to back to their size before it. */
  private async rollback(written: readonly { part: string; size: number }[]): Promise<void> {
    for (const { part, size } of written) {
      const file = path.join(this.dir, part, this.partName);
      // Closed and reopened: a failed write may have left the handle's position unknown.
      await this.closePart(part);
      try {
        const fh = await open(file, 'r+');
        try {
          await fh.truncate(size);
          await fh.datasync();
        } finally {
          await fh.close();
        }
      } catch {
        // Nothing more can be done here; the caller reports the append as failed.
      }
    }
  }

  private async closePart(part: string): Promise<void> {
    const entry = this.handles.get(part);
    if (!entry) return;
    this.handles.delete(part);
    await entry.fh.close().catch(() => undefined);
  }

  private async handle(part: string): Promise<OpenPart> {
    const cached = this.handles.get(part);
    if (cached) {
      // Most recently used goes last.
      this.handles.delete(part);
      this.handles.set(part, cached);
      return cached;
    }
    while (this.handles.size >= this.maxOpenFiles) {
      const oldest = this.handles.keys().next().value;
      if (oldest === undefined) break;
      await this.closePart(oldest);
    }
    const folder = path.join(this.dir, part);
    await mkdir(folder, { recursive: true });
    const fh = await open(path.join(folder, this.partName), 'a');
    try {
      const opened = { fh, size: (await fh.stat()).size };
      this.handles.set(part, opened);
      return opened;
    } catch (err) {
      await fh.close().catch(() => undefined);
      throw err;
    }
  }

  /** Waits for queued appends, then closes the files. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    for (const part of [...this.handles.keys()]) await this.closePart(part);
  }
}

/** Writes every byte (a file write may be partial). */
async function writeAll(fh: FileHandle, bytes: Uint8Array): Promise<void> {
  let at = 0;
  while (at < bytes.byteLength) {
    const { bytesWritten } = await fh.write(bytes, at, bytes.byteLength - at);
    if (bytesWritten <= 0) throw new Error(`short write to the event log (${at} of ${bytes.byteLength} bytes)`);
    at += bytesWritten;
  }
}
