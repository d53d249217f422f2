/**
 * Running the pipeline on a timer: never overlapping (the next run is planned only after the
 * previous one ended), each run logged, a failed run does not stop the schedule.
 */
import { errorMessage, UsageError } from '../errors.js';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Parses "3h", "30m", "90s", "1h30m", "500ms" into milliseconds; UsageError otherwise. */
export function parseDuration(text: string): number {
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/gy;
  let total = 0;
  let matched = 0;
  for (let m = re.exec(text); m; m = re.exec(text)) {
    total += Number(m[1]) * UNITS[m[2]];
    matched = re.lastIndex;
  }
  if (!text || matched !== text.length || total <= 0) {
    throw new UsageError(`"${text}" is not a duration; use e.g. 3h, 30m, 90s or 1h30m`);
  }
  return total;
}

/** A running schedule. */
export interface Schedule {
  /** Stops planning new runs; resolves when a run in progress has finished. */
  stop(): Promise<void>;
  /** Number of runs started so far. */
  readonly runs: number;
}

/**
 * Runs `task` now and then every `everyMs` after each start, skipping ticks missed while a run was
 * still going (runs never overlap).
 */
export function schedule(everyMs: number, task: (n: number) => Promise<void>, log: (line: string) => void = () => {}): Schedule {
  let stopped = false;
  let runs = 0;
  let timer: NodeJS.Timeout | undefined;
  let current: Promise<void> = Promise.resolve();
  const tick = () => {
    if (stopped) return;
    const n = ++runs;
    const started = Date.now();
    log(`run ${n} started at ${new Date(started).toISOString()}`);
    current = task(n)
      .then(
        () => log(`run ${n} finished in ${((Date.now() - started) / 1000).toFixed(1)} s`),
        (err: unknown) => log(`run ${n} failed after ${((Date.now() - started) / 1000).toFixed(1)} s: ${errorMessage(err) ?? err}`),
      )
      .finally(() => {
        if (stopped) return;
        const elapsed = Date.now() - started;
        const wait = everyMs - (elapsed % everyMs);
        if (elapsed > everyMs) log(`run ${n} took longer than the interval; skipped ${Math.floor(elapsed / everyMs)} tick(s)`);
        timer = setTimeout(tick, wait);
      });
  };
  tick();
  return {
    get runs() {
      return runs;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await current;
    },
  };
}
