/**
 * The append-only, partitioned event log the service writes and the pipeline, KPIs and notebooks
 * read (through DuckDB): `<dir>/date=YYYY-MM-DD/part-<start>-<pid>.jsonl`, one JSON event per line.
 * Hive-style partitions are what DuckDB reads embedded and Spark or Trino read at scale.
 *
 * Durability: `append` resolves only after the bytes are written and fsync'ed. Concurrent appends
 * are group-committed (one write + one fsync for everything queued), which keeps throughput high
 * without weakening the guarantee. Each writer owns its part files, so processes never interleave.
 */
import { type FileHandle, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import type { InteractionEvent } from './schema.js';

/** The partition folder name of an event time: `date=YYYY-MM-DD` (UTC). */
export function partitionOf(ts: number): string {
  return `date=${new Date(ts).toISOString().slice(0, 10)}`;
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
  private readonly handles = new Map<string, FileHandle>();
  private pending: Pending | undefined;
  private flushing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(dir: string) {
    this.dir = dir;
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

  private async flush(batch: Pending): Promise<void> {
    this.pending = undefined;
    try {
      for (const [part, lines] of batch.lines) {
        const fh = await this.handle(part);
        await fh.write(`${lines.join('\n')}\n`);
        await fh.datasync();
      }
      for (const w of batch.waiters) w.resolve();
    } catch (err) {
      for (const w of batch.waiters) w.reject(err);
    }
  }

  private async handle(part: string): Promise<FileHandle> {
    let fh = this.handles.get(part);
    if (!fh) {
      const folder = path.join(this.dir, part);
      await mkdir(folder, { recursive: true });
      fh = await open(path.join(folder, this.partName), 'a');
      this.handles.set(part, fh);
    }
    return fh;
  }

  /** Waits for queued appends, then closes the files. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flushing;
    for (const fh of this.handles.values()) await fh.close();
    this.handles.clear();
  }
}
