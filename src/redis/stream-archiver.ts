/**
 * Writes the event stream into the Parquet archive: consumer group `archive`, any number of
 * consumers (each replica may run one; order does not matter to an archive). Entries collect
 * until `maxBatch` of them or `flushMs` after the first, are written durably (event-archive.ts)
 * and only then acknowledged; then the stream is trimmed of what every group has acknowledged.
 * Entries pending at a consumer that died are taken over after `claimIdleMs`. A crash between
 * the write and the acknowledgement archives those entries again, which readers see once (one row
 * per streamId).
 */
import { Duck } from '../data/duckdb.js';
import { writeArchiveBatch } from '../data/event-archive.js';
import type { RedisClient } from './connection.js';
import { ConsumerLoop } from './consumer-loop.js';
import { ARCHIVE_GROUP, type RedisEventStream } from './event-stream.js';
import type { StreamEntry } from './user-state-redis.js';

/** Options of StreamArchiver. */
export interface ArchiverOptions {
  stream: RedisEventStream;
  /** The archive folder (hive partitions by date). */
  dir: string;
  consumer: string;
  /** A connection for the blocking reads (command timeout above blockMs). */
  blockingClient: RedisClient;
  /** Write once this many entries wait (default 10,000). */
  maxBatch?: number;
  /** Write at most this long after the first waiting entry arrived (ms, default 2000). */
  flushMs?: number;
  /** Longest wait for new entries per read (ms, default 500). */
  blockMs?: number;
  /** Take over entries pending this long at another consumer (ms, default 30 s). */
  claimIdleMs?: number;
  onError?: (err: Error) => void;
  /** Called after each batch is written and acknowledged. */
  onBatch?: (info: { entries: number; files: string[]; ms: number }) => void;
}

/** See the module comment. */
export class StreamArchiver extends ConsumerLoop {
  /** Entries written and acknowledged by this process. */
  archived = 0;
  private buffer: StreamEntry[] = [];
  private invalid: string[] = [];
  private firstAt = 0;
  private lastClaim = 0;
  private duck: Duck | undefined;
  private readonly maxBatch: number;
  private readonly flushMs: number;
  private readonly blockMs: number;
  private readonly claimIdleMs: number;

  constructor(private readonly opts: ArchiverOptions) {
    super(opts.onError);
    this.maxBatch = opts.maxBatch ?? 10_000;
    this.flushMs = opts.flushMs ?? 2000;
    this.blockMs = opts.blockMs ?? 500;
    this.claimIdleMs = opts.claimIdleMs ?? 30_000;
  }

  protected async step(): Promise<void> {
    const { stream, consumer } = this.opts;
    if (Date.now() - this.lastClaim >= this.claimIdleMs) {
      this.lastClaim = Date.now();
      this.take(await stream.claim(ARCHIVE_GROUP, consumer, this.claimIdleMs, this.maxBatch));
    }
    if (this.buffer.length < this.maxBatch) {
      const blockMs = this.buffer.length ? Math.max(1, Math.min(this.blockMs, this.firstAt + this.flushMs - Date.now())) : this.blockMs;
      this.take(
        await stream.read(ARCHIVE_GROUP, consumer, {
          count: this.maxBatch - this.buffer.length,
          blockMs,
          client: this.opts.blockingClient,
        }),
      );
    }
    if (this.buffer.length >= this.maxBatch || (this.buffer.length > 0 && Date.now() - this.firstAt >= this.flushMs)) await this.flush();
    else if (this.invalid.length > 0) await this.ackInvalid();
  }

  private take(batch: { entries: StreamEntry[]; invalid: string[] }): void {
    if (batch.entries.length && this.buffer.length === 0) this.firstAt = Date.now();
    this.buffer.push(...batch.entries);
    this.invalid.push(...batch.invalid);
  }

  private async ackInvalid(): Promise<void> {
    await this.opts.stream.ack(ARCHIVE_GROUP, this.invalid);
    this.invalid = [];
  }

  /** Writes what waits, acknowledges it, trims the stream. Kept for a retry when any step fails. */
  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const t0 = performance.now();
    this.duck ??= await Duck.open(':memory:', { threads: 1 });
    const batch = this.buffer;
    const files = await writeArchiveBatch(
      this.duck,
      this.opts.dir,
      batch.map((e) => ({ streamId: e.id, event: e.event })),
    );
    // Durable from here: the buffer no longer holds them even if the acknowledgement fails (a retry
    // would archive them again; readers would still see each once).
    this.buffer = [];
    await this.opts.stream.ack(
      ARCHIVE_GROUP,
      batch.map((e) => e.id),
    );
    if (this.invalid.length > 0) await this.ackInvalid();
    this.archived += batch.length;
    this.opts.onBatch?.({ entries: batch.length, files, ms: performance.now() - t0 });
    await this.opts.stream.trim();
  }

  /** Stops reading, writes what waits (when Redis answers), and closes DuckDB. */
  async stop(): Promise<void> {
    await this.halt();
    try {
      await this.flush();
    } catch (err) {
      this.opts.onError?.(err as Error);
    }
    this.duck?.close();
    this.duck = undefined;
  }
}
