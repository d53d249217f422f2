import { describe, expect, it } from 'vitest';
import { startProgress } from './progress.js';

describe('startProgress', () => {
  it('writes throttled plain lines with counts and rates when not a terminal', () => {
    let t = 0;
    const out: string[] = [];
    const p = startProgress({ write: (s) => out.push(s), isTTY: false, intervalMs: 1000, now: () => t }, 'train', 100, 'pairs');
    t = 500;
    p.update(10); // within the interval: no line
    t = 1000;
    p.update(50);
    t = 2000;
    p.finish();
    expect(out).toEqual([
      'train: 50/100 pairs 50%, 50.0 pairs/s, 1.0 s, ~1 s left\n',
      'train: done, 50/100 pairs 50%, 25.0 pairs/s, 2.0 s\n',
    ]);
    expect(out.join('')).not.toContain('\r');
  });

  it('says how long is left at the rate so far, and nothing once done', () => {
    let t = 0;
    const out: string[] = [];
    const p = startProgress({ write: (s) => out.push(s), isTTY: false, intervalMs: 0, now: () => t }, 'train-ranker', 20, 'epochs');
    t = 10_000;
    p.update(5); // 2 s an epoch, 15 to go
    t = 12_000;
    p.update(20);
    p.finish();
    expect(out[0]).toBe('train-ranker: 5/20 epochs 25%, 0.5 epochs/s, 10.0 s, ~30 s left\n');
    expect(out[1]).not.toContain('left');
    expect(out[2]).toBe('train-ranker: done, 20/20 epochs 100%, 1.7 epochs/s, 12.0 s\n');
  });

  it('redraws a bar in place on a terminal', () => {
    const out: string[] = [];
    const p = startProgress({ write: (s) => out.push(s), isTTY: true, now: () => 1000 }, 'load', 4, 'files');
    p.update(2);
    expect(out[0]).toMatch(/^\rload \[#{12}\.{12}\] 2\/4 files 50%/);
  });
});
