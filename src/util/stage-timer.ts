/**
 * One way to time the stages of a long job (the offline protocol, a pipeline run): each stage's
 * wall time in whole milliseconds goes to a callback, which records, logs or moves a progress bar.
 */

/** Timing of one stage. */
export interface StageTiming {
  stage: string;
  ms: number;
}

/** Runs `fn` as the stage named `stage` and reports how long it took. */
export type TimedStage = <T>(stage: string, fn: () => Promise<T> | T) => Promise<T>;

/**
 * Makes a {@link TimedStage} that calls `onStage` after each stage finishes (not when it throws:
 * a failed stage is reported by the caller's error handling, not as a timing).
 */
export function stageTimer(onStage: (timing: StageTiming) => void): TimedStage {
  return async (stage, fn) => {
    const t0 = performance.now();
    const out = await fn();
    onStage({ stage, ms: Math.round(performance.now() - t0) });
    return out;
  };
}
