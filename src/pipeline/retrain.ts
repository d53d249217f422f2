/**
 * Retraining on a timer: `runPipeline` every interval, never overlapping (the next run is planned
 * only after the previous one ended; ticks missed meanwhile are skipped), each run
 * logged in one line. Used by `workbench pipeline schedule` and, when WORKBENCH_RETRAIN_EVERY is
 * set, by the service process of `npm start`. A failed run is logged and the schedule goes on.
 */
import path from 'node:path';
import { errorMessage, UsageError } from '../errors.js';
import { parseDuration } from '../util/duration.js';
import { type PipelineResult, type PipelineRunRecord, type RunPipelineOptions, runPipeline } from './pipeline-run.js';

/** Options of {@link startRetraining}: a pipeline run's, plus the interval. */
export interface RetrainingOptions extends RunPipelineOptions {
  /** Interval, e.g. "3h" (parseDuration) or milliseconds. */
  every: string | number;
  /** Called after each successful run (e.g. to print or collect records). */
  onRun?: (result: PipelineResult) => void;
}

/** A running retraining schedule (stop() waits for a run in progress). */
export type Retraining = Schedule;

/** One line summarising a run record (logs, `pipeline history`). */
export function summariseRun(r: PipelineRunRecord): string {
  const fresh = `${r.newEvents.total} fresh events`;
  if (r.status !== 'succeeded') return `${r.runId} ${r.status}: ${r.error ?? r.skipped ?? ''}`;
  const pub = r.published ? `v${r.published.version}${r.published.aliases.length ? ` -> ${r.published.aliases.join(', ')}` : ''}` : '-';
  return `${r.runId} ${r.status}: ${fresh}, published ${pub}; ${r.gate?.reason ?? 'no gate'}`;
}

/**
 * Runs the pipeline now and then every `opts.every`; returns a handle whose stop() ends it cleanly.
 * @throws UsageError for an interval that is not a duration.
 */
export function startRetraining(opts: RetrainingOptions): Retraining {
  const everyMs = typeof opts.every === 'number' ? opts.every : parseDuration(opts.every);
  const log = opts.log ?? (() => {});
  const s = schedule(
    everyMs,
    async () => {
      try {
        const result = await runPipeline(opts);
        log(`pipeline: ${summariseRun(result.record)}`);
        opts.onRun?.(result);
      } catch (err) {
        log(`pipeline: ${errorMessage(err)}`);
        throw err;
      }
    },
    (line) => log(`retrain ${opts.name}: ${line}`),
  );
  return s;
}

/**
 * What `npm start` calls in the service's primary process: retraining every
 * WORKBENCH_RETRAIN_EVERY (e.g. "3h"), run records in WORKBENCH_RUNS_DIR (default ./runs), or
 * undefined when the variable is unset or empty.
 * @throws UsageError naming the variable when its value is not a duration.
 */
export function startRetrainingFromEnv(
  env: NodeJS.ProcessEnv,
  opts: Omit<RetrainingOptions, 'every' | 'runsDir'> & { runsDir?: string },
): Retraining | undefined {
  const every = env.WORKBENCH_RETRAIN_EVERY?.trim();
  if (!every) return undefined;
  let ms: number;
  try {
    ms = parseDuration(every);
  } catch (err) {
    throw new UsageError(`WORKBENCH_RETRAIN_EVERY: ${errorMessage(err)}`);
  }
  return startRetraining({ ...opts, every: ms, runsDir: opts.runsDir ?? path.resolve(env.WORKBENCH_RUNS_DIR ?? 'runs') });
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
