/**
 * Structured logs: one JSON object per line (`{"ts","level","msg",...fields}`), so a log shipper
 * can index request ids, routes, variants and model versions without parsing prose.
 */

/** Log severities, in increasing order. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** Fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/** What the service logs through; tests pass `silentLogger` or a `memoryLogger`. */
export interface Logger {
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
}

const RANK: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/**
 * A logger writing JSON lines.
 * @param write - receives one line without the newline (default: stdout).
 * @param options - `level`: the lowest level written (default info); `base`: fields on every line.
 */
export function jsonLogger(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  options: { level?: LogLevel; base?: LogFields } = {},
): Logger {
  const min = RANK[options.level ?? 'info'];
  const base = options.base ?? {};
  const emit = (level: LogLevel, msg: string, fields?: LogFields) => {
    if (RANK[level] < min) return;
    let line: string;
    try {
      line = JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, ...fields });
    } catch {
      // A field that cannot be serialised (cycle, BigInt) must not take the request down.
      line = JSON.stringify({ ts: new Date().toISOString(), level, msg, ...base, note: 'unserialisable fields dropped' });
    }
    write(line);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** A logger that discards everything. */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** A logger that keeps parsed lines in memory (for tests and for the bench's overhead figures). */
export function memoryLogger(): Logger & { lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = jsonLogger((line) => lines.push(JSON.parse(line) as LogFields), { level: 'debug' });
  return Object.assign(logger, { lines });
}

/** A line sink that writes in batches (see batchedLines). */
export interface BatchedLines {
  /** Queues one line (without its newline); returns at once. */
  (line: string): void;
  /** Writes everything queued now. */
  flush(): void;
}

/** Flushes of every batchedLines sink, run once at process exit. */
const atExit = new Set<() => void>();
let exitHook = false;

/**
 * Log lines off the request path: `workbench serve` writes its JSON lines to stdout, which is
 * synchronous for files and pipes, so a write per line costs every request a system call (and a
 * slow reader stalls it). Lines queue here and go out in one write per event-loop turn (or as
 * soon as `maxBytes` wait), and synchronously on process exit; only a SIGKILL loses the lines of
 * the current turn.
 * @param write - receives several lines joined by newlines, without the final newline.
 */
export function batchedLines(write: (chunk: string) => void, options: { maxBytes?: number } = {}): BatchedLines {
  const maxBytes = options.maxBytes ?? 256 * 1024;
  let queue: string[] = [];
  let bytes = 0;
  let scheduled = false;
  const flush = () => {
    scheduled = false;
    if (queue.length === 0) return;
    const chunk = queue.join('\n');
    queue = [];
    bytes = 0;
    write(chunk);
  };
  atExit.add(flush);
  if (!exitHook) {
    exitHook = true;
    process.once('exit', () => {
      for (const f of atExit) f();
    });
  }
  const lines = ((line: string) => {
    queue.push(line);
    bytes += line.length + 1;
    if (bytes >= maxBytes) flush();
    else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  }) as BatchedLines;
  lines.flush = flush;
  return lines;
}
