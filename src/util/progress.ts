/**
 * Progress for long stages: a bar redrawn in place on a terminal, plain lines in CI logs (no
 * carriage returns, at most one line every few seconds). Always on stderr, so `--json` stdout
 * stays machine-readable.
 */

/** Reports progress of one stage. */
export interface Progress {
  /** Sets the number of units done so far. */
  update(done: number): void;
  /** Ends the stage with a final line (count, rate, elapsed). */
  finish(note?: string): void;
}

/** Where progress goes and how it looks. */
export interface ProgressSink {
  write(text: string): void;
  /** A terminal: draw a bar with \r; otherwise plain lines. */
  isTTY: boolean;
  /** Minimum ms between plain lines (default 2000). */
  intervalMs?: number;
  now?: () => number;
}

/** A sink that discards everything (tests, --quiet). */
export const silentSink: ProgressSink = { write: () => {}, isTTY: false };

/** stderr as a sink. */
export function stderrSink(): ProgressSink {
  return { write: (t) => process.stderr.write(t), isTTY: Boolean(process.stderr.isTTY) && !process.env.CI };
}

function fmtRate(n: number, ms: number, unit: string): string {
  const perSec = ms > 0 ? (n * 1000) / ms : 0;
  const r = perSec >= 1000 ? `${(perSec / 1000).toFixed(1)}k` : perSec.toFixed(1);
  return `${r} ${unit}/s`;
}

/**
 * Starts reporting a stage.
 * @param label - stage name, e.g. "train".
 * @param total - units expected (0 when unknown).
 * @param unit - what a unit is, e.g. "pairs", "users".
 */
export function startProgress(sink: ProgressSink, label: string, total: number, unit: string): Progress {
  const now = sink.now ?? (() => Date.now());
  const started = now();
  const interval = sink.intervalMs ?? 2000;
  let lastLine = started;
  let done = 0;
  const describe = (final = false) => {
    const ms = now() - started;
    const pct = total > 0 ? ` ${((100 * done) / total).toFixed(0)}%` : '';
    // Time left at the rate so far (an upper bound where early stopping may end sooner).
    const left = !final && total > 0 && done > 0 && done < total ? `, ~${(((total - done) * ms) / done / 1000).toFixed(0)} s left` : '';
    return `${done}${total > 0 ? `/${total}` : ''} ${unit}${pct}, ${fmtRate(done, ms, unit)}, ${(ms / 1000).toFixed(1)} s${left}`;
  };
  return {
    update(n) {
      done = n;
      if (sink.isTTY) {
        const width = 24;
        const filled = total > 0 ? Math.round((width * Math.min(done, total)) / total) : 0;
        sink.write(`\r${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${describe()}\u001b[K`);
      } else if (now() - lastLine >= interval) {
        lastLine = now();
        sink.write(`${label}: ${describe()}\n`);
      }
    },
    finish(note) {
      sink.write(`${sink.isTTY ? '\r' : ''}${label}: done, ${describe(true)}${note ? ` (${note})` : ''}${sink.isTTY ? '\u001b[K' : ''}\n`);
    },
  };
}
