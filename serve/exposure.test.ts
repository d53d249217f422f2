import { describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../src/data/schema.js';
import { ExposureBuffer } from './exposure.js';
import { memoryLogger } from './logger.js';
import { ServiceMetrics } from './service-metrics.js';

const ev = (i: number): InteractionEvent => ({ userId: 'u', itemId: `i${i}`, ts: 1, type: 'impression', position: i });

describe('ExposureBuffer', () => {
  it('returns at once and appends in the background, batching events', async () => {
    const batches: number[] = [];
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const buf = new ExposureBuffer(
      {
        append: async (b) => {
          await gate;
          batches.push(b.length);
        },
      },
      { flushMs: 5 },
    );
    for (let i = 0; i < 10; i++) buf.log([ev(i)]);
    expect(batches).toEqual([]); // nothing waited on the (blocked) sink
    await new Promise((r) => setTimeout(r, 20));
    for (let i = 0; i < 5; i++) buf.log([ev(i)]); // queued behind the blocked write
    release();
    await buf.close();
    expect(batches.reduce((a, b) => a + b, 0)).toBe(15);
    expect(batches[0]).toBe(10);
    expect(buf.written).toBe(15);
  });

  it('counts and logs (rate-limited) what it drops when the log fails or the buffer is full, and never throws', async () => {
    const metrics = new ServiceMetrics();
    const logger = memoryLogger();
    const failing = new ExposureBuffer({ append: () => Promise.reject(new Error('EIO')) }, { flushMs: 1, metrics, logger });
    failing.log([ev(1), ev(2)]);
    await failing.flush();
    expect(failing.dropped).toBe(2);
    expect(logger.lines.find((l) => l.msg === 'impressions dropped')?.reason).toMatch(/EIO/);
    const stuck = new ExposureBuffer({ append: () => new Promise(() => {}) }, { flushMs: 1, maxBuffered: 100, metrics, logger });
    for (let i = 0; i < 30; i++) stuck.log([ev(1), ev(2), ev(3), ev(4), ev(5)]);
    expect(stuck.dropped).toBe(50);
    expect(await metrics.text()).toMatch(/workbench_exposures_dropped_total 52/);
    expect(logger.lines.filter((l) => l.msg === 'impressions dropped').length).toBeLessThanOrEqual(2);
  });

  it('expands compact records at flush, in order with plain events, in slices, and counts them as events', async () => {
    const appended: InteractionEvent[][] = [];
    let expansions = 0;
    const record = (from: number, count: number) => ({
      count,
      expand: () => {
        expansions++;
        return Array.from({ length: count }, (_, k) => ev(from + k));
      },
    });
    const buf = new ExposureBuffer({ append: async (b) => void appended.push([...b]) }, { flushMs: 60_000 });
    buf.log(record(0, 150));
    buf.log([ev(150)]);
    buf.log(record(151, 149));
    expect(expansions).toBe(0); // held compact until the flush
    await buf.flush();
    expect(expansions).toBe(2);
    expect(appended.flat().map((e) => e.position)).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect(Math.max(...appended.map((b) => b.length))).toBeLessThan(300); // more than one slice
    expect(buf.written).toBe(300);
    const full = new ExposureBuffer({ append: () => new Promise(() => {}) }, { maxBuffered: 100 });
    full.log(record(0, 60));
    full.log(record(60, 60)); // over the limit: dropped whole, counted as its 60 events
    expect(full.dropped).toBe(60);
  });

  it('refuses events after close (counted)', async () => {
    const buf = new ExposureBuffer({ append: async () => {} });
    await buf.close();
    buf.log([ev(1)]);
    expect(buf.dropped).toBe(1);
  });
});
