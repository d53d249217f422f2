/**
 * Exposure logging without adding an fsync to response latency: recommendation responses hand
 * their impression events to this buffer, which appends them to the event log in the background
 * (every `flushMs`, or sooner when `maxBatch` accumulate). Impressions are telemetry: if the log
 * fails or the buffer overflows, events are dropped, counted and logged, never silently lost and
 * never allowed to fail a request. POST /v1/events is the durable path.
 */
import type { InteractionEvent } from '../src/data/schema.js';
import { type Logger, silentLogger } from './logger.js';
import type { ServiceMetrics } from './service-metrics.js';

/** Events handed to the sink per append call (see flush). */
const APPEND_SLICE = 200;

/** Where events go: EventLogWriter satisfies this. */
export interface EventSink {
  /** Resolves once the events are durably appended. */
  append(events: readonly InteractionEvent[]): Promise<void>;
}

/** Knobs of an ExposureBuffer. */
export interface ExposureOptions {
  /** Flush at least this often (ms, default 200). */
  flushMs?: number;
  /** Flush as soon as this many events wait (default 2000). */
  maxBatch?: number;
  /** Drop (and count) events beyond this many waiting while the log is slow (default 200,000). */
  maxBuffered?: number;
  logger?: Logger;
  metrics?: ServiceMetrics;
}

/** Buffers impression events and appends them asynchronously. */
export class ExposureBuffer {
  private buffer: InteractionEvent[] = [];
  private timer?: NodeJS.Timeout;
  private writing: Promise<void> = Promise.resolve();
  private inFlight = 0;
  private closed = false;
  private lastDropLog = 0;
  private readonly flushMs: number;
  private readonly maxBatch: number;
  private readonly maxBuffered: number;
  private readonly logger: Logger;
  private readonly metrics?: ServiceMetrics;
  /** Events dropped so far (also in the metrics). */
  dropped = 0;
  /** Events written so far. */
  written = 0;

  constructor(
    private readonly sink: EventSink,
    options: ExposureOptions = {},
  ) {
    this.flushMs = options.flushMs ?? 200;
    this.maxBatch = options.maxBatch ?? 2000;
    this.maxBuffered = options.maxBuffered ?? 200_000;
    this.logger = options.logger ?? silentLogger;
    this.metrics = options.metrics;
  }

  /** Queues events; returns at once. */
  log(events: readonly InteractionEvent[]): void {
    if (events.length === 0) return;
    if (this.closed || this.buffer.length + this.inFlight + events.length > this.maxBuffered) {
      this.drop(events.length, this.closed ? 'exposure log closed' : 'exposure buffer full (event log too slow)');
      return;
    }
    for (const e of events) this.buffer.push(e);
    if (this.buffer.length >= this.maxBatch) this.schedule(0);
    else this.schedule(this.flushMs);
  }

  /** Writes everything queued so far; resolves when it is on disk (or was dropped). */
  flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (this.buffer.length === 0) return this.writing;
    const batch = this.buffer;
    this.buffer = [];
    this.inFlight += batch.length;
    // One write at a time: while the log is slow, later events batch up behind it.
    this.writing = this.writing.then(async () => {
      try {
        // Hand the batch over in small slices with a yield between them: the sink serialises on
        // append, and one large slice would stall every request waiting on the event loop.
        const appends: Promise<void>[] = [];
        for (let i = 0; i < batch.length; i += APPEND_SLICE) {
          if (i > 0) await new Promise<void>((resolve) => setImmediate(resolve));
          appends.push(this.sink.append(batch.slice(i, i + APPEND_SLICE)));
        }
        await Promise.all(appends);
        this.written += batch.length;
        this.metrics?.exposuresLogged.inc(batch.length);
      } catch (err) {
        this.drop(batch.length, `event log append failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.inFlight -= batch.length;
      }
    });
    return this.writing;
  }

  /** Flushes and refuses further events. */
  async close(): Promise<void> {
    this.closed = true;
    await this.flush();
  }

  private schedule(ms: number): void {
    if (this.timer && ms > 0) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, ms);
    this.timer.unref();
  }

  private drop(n: number, reason: string): void {
    this.dropped += n;
    this.metrics?.exposuresDropped.inc(n);
    // At most one log line per second while dropping, with the running total.
    const now = Date.now();
    if (now - this.lastDropLog >= 1000) {
      this.lastDropLog = now;
      this.logger.error('impressions dropped', { count: n, totalDropped: this.dropped, reason });
    }
  }
}
