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

/**
 * Events kept compact until the flush: a served list's impressions as one record, expanded into
 * events only when they are appended. Ten event objects per response held for up to `flushMs`
 * outlive the young generation, so V8 pretenures them and the service pays old-space allocation
 * and marking on every request; one small record per response does not.
 */
export interface PendingEvents {
  /** How many events `expand` returns. */
  readonly count: number;
  /** The events (called once, at flush time). */
  expand(): readonly InteractionEvent[];
}

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
  private buffer: PendingEvents[] = [];
  /** Events in `buffer` (the sum of its counts). */
  private buffered = 0;
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

  /** Queues events (or a compact record of them, see PendingEvents); returns at once. */
  log(events: readonly InteractionEvent[] | PendingEvents): void {
    const n = isPending(events) ? events.count : events.length;
    if (n === 0) return;
    if (this.closed || this.buffered + this.inFlight + n > this.maxBuffered) {
      this.drop(n, this.closed ? 'exposure log closed' : 'exposure buffer full (event log too slow)');
      return;
    }
    // A plain array is held as it is (its caller chose to build the events now).
    this.buffer.push(isPending(events) ? events : { count: n, expand: () => events });
    this.buffered += n;
    if (this.buffered >= this.maxBatch) this.schedule(0);
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
    const count = this.buffered;
    this.buffer = [];
    this.buffered = 0;
    this.inFlight += count;
    // One write at a time: while the log is slow, later events batch up behind it.
    this.writing = this.writing.then(async () => {
      try {
        // Hand the batch over in small slices with a yield between them: the sink serialises on
        // append, and one large slice would stall every request waiting on the event loop.
        // Compact records are expanded slice by slice, so their events die young.
        const appends: Promise<void>[] = [];
        let slice: InteractionEvent[] = [];
        for (const entry of batch) {
          for (const e of entry.expand()) {
            slice.push(e);
            if (slice.length < APPEND_SLICE) continue;
            appends.push(this.sink.append(slice));
            slice = [];
            await new Promise<void>((resolve) => setImmediate(resolve));
          }
        }
        if (slice.length) appends.push(this.sink.append(slice));
        await Promise.all(appends);
        this.written += count;
        this.metrics?.exposuresLogged.inc(count);
      } catch (err) {
        this.drop(count, `event log append failed: ${err instanceof Error ? err.message : String(err)}`);
      } finally {
        this.inFlight -= count;
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

function isPending(x: readonly InteractionEvent[] | PendingEvents): x is PendingEvents {
  return !Array.isArray(x);
}
