import { describe, expect, it } from 'vitest';
import { type StageTiming, stageTimer } from './stage-timer.js';

describe('stageTimer', () => {
  it('returns the stage result and reports its name and whole milliseconds in order', async () => {
    const seen: StageTiming[] = [];
    const timed = stageTimer((t) => seen.push(t));
    expect(await timed('sync', () => 7)).toBe(7);
    expect(await timed('async', () => new Promise<string>((r) => setTimeout(() => r('ok'), 20)))).toBe('ok');
    expect(seen.map((t) => t.stage)).toEqual(['sync', 'async']);
    expect(seen.every((t) => Number.isInteger(t.ms))).toBe(true);
    expect(seen[1]?.ms).toBeGreaterThanOrEqual(15);
  });

  it('does not report a stage that throws, and the error reaches the caller', async () => {
    const seen: StageTiming[] = [];
    const timed = stageTimer((t) => seen.push(t));
    await expect(
      timed('boom', () => {
        throw new Error('stage failed');
      }),
    ).rejects.toThrow('stage failed');
    expect(seen).toEqual([]);
  });
});
