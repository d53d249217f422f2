import { describe, expect, it } from 'vitest';
import { parseDuration, schedule } from './schedule.js';

describe('parseDuration', () => {
  it('parses units and combinations', () => {
    expect(parseDuration('3h')).toBe(3 * 3_600_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('90s')).toBe(90_000);
    expect(parseDuration('250ms')).toBe(250);
  });
  it('rejects nonsense with a usage error naming the value', () => {
    expect(() => parseDuration('3 hours')).toThrow(/"3 hours" is not a duration/);
    expect(() => parseDuration('')).toThrow(/not a duration/);
    expect(() => parseDuration('0s')).toThrow(/not a duration/);
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
