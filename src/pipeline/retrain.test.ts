import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSyntheticStore } from '../data/synthetic-store.js';
import type { PipelineResult } from './pipeline-run.js';
import { schedule, startRetraining, startRetrainingFromEnv } from './retrain.js';

const root = mkdtempSync(path.join(tmpdir(), 'retrain-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('startRetraining', () => {
  it('runs the pipeline on a timer without overlap, logs each run, and stops cleanly', async () => {
    const results: PipelineResult[] = [];
    const lines: string[] = [];
    const retraining = startRetraining({
      every: 200, // shorter than a run: ticks missed while a run is going are skipped, never stacked
      name: 'timer',
      modelsDir: path.join(root, 'models'),
      runsDir: path.join(root, 'runs'),
      eventsDir: path.join(root, 'events'),
      dataset: generateSyntheticStore({ users: 200, items: 80, weeks: 6 }),
      training: { epochs: 1, bootstrapResamples: 50 },
      minImprovement: -1,
      force: true, // no new events between runs: publish anyway (the timer is under test, not the skip)
      onRun: (r) => results.push(r),
      log: (l) => lines.push(l),
    });
    const t0 = Date.now();
    while (results.length < 2 && Date.now() - t0 < 30_000) await new Promise((r) => setTimeout(r, 20));
    await retraining.stop();
    const runs = retraining.runs;
    // stop() waits for a run in progress: every run started has finished and published.
    expect(runs).toBeGreaterThanOrEqual(2);
    expect(results.map((r) => r.record.published?.version)).toEqual(Array.from({ length: runs }, (_, i) => i + 1));
    expect(results.map((r) => r.record.published?.aliases)).toEqual(
      Array.from({ length: runs }, (_, i) => (i === 0 ? ['champion'] : ['challenger'])),
    );
    // Each run started after the previous one finished.
    for (let i = 1; i < results.length; i++) {
      expect(Date.parse(results[i].record.startedAt)).toBeGreaterThanOrEqual(Date.parse(results[i - 1].record.finishedAt ?? ''));
    }
    expect(lines.filter((l) => /^pipeline: .* succeeded: 0 fresh events, published v\d/.test(l))).toHaveLength(results.length);
    expect(lines.some((l) => l.startsWith('retrain timer: run 1 started'))).toBe(true);
    await new Promise((r) => setTimeout(r, 300));
    expect(retraining.runs).toBe(runs); // nothing runs after stop()
  });
});

describe('startRetrainingFromEnv', () => {
  const opts = { name: 'env', modelsDir: path.join(root, 'm'), eventsDir: path.join(root, 'e') };
  it('does nothing unless WORKBENCH_RETRAIN_EVERY is set', () => {
    expect(startRetrainingFromEnv({}, opts)).toBeUndefined();
    expect(startRetrainingFromEnv({ WORKBENCH_RETRAIN_EVERY: ' ' }, opts)).toBeUndefined();
  });
  it('names the variable when its value is not a duration', () => {
    expect(() => startRetrainingFromEnv({ WORKBENCH_RETRAIN_EVERY: 'hourly' }, opts)).toThrow(
      /^WORKBENCH_RETRAIN_EVERY: "hourly" is not a duration/,
    );
  });
});

describe('schedule', () => {
  it('never overlaps runs and keeps going after a failure', async () => {
    let running = 0;
    let maxRunning = 0;
    const lines: string[] = [];
    const s = schedule(
      20,
      async (n) => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        await new Promise((r) => setTimeout(r, 35)); // longer than the interval
        running--;
        if (n === 2) throw new Error('boom');
      },
      (l) => lines.push(l),
    );
    await new Promise((r) => setTimeout(r, 200));
    await s.stop();
    expect(maxRunning).toBe(1);
    expect(s.runs).toBeGreaterThanOrEqual(3);
    expect(lines.some((l) => /run 2 failed .*boom/.test(l))).toBe(true);
    expect(lines.some((l) => /skipped/.test(l))).toBe(true);
  });
});
