import { describe, expect, it } from 'vitest';
import { ServiceMetrics } from '../service-metrics.js';
import { histogramQuantile, LiveSampler, liveFigures, parsePrometheus } from './live-data.js';

describe('Live figures from the Prometheus text', () => {
  it('parses samples with escaped label values', () => {
    expect(parsePrometheus('# HELP x y\nx_total{a="q\\"uote",b="2"} 3\ny 1.5e3\n')).toEqual([
      { name: 'x_total', labels: { a: 'q"uote', b: '2' }, value: 3 },
      { name: 'y', labels: {}, value: 1500 },
    ]);
  });

  it('interpolates quantiles inside histogram buckets, as histogram_quantile does', () => {
    const buckets = [
      { le: 0.01, count: 50 },
      { le: 0.02, count: 90 },
      { le: 0.05, count: 100 },
      { le: Number.POSITIVE_INFINITY, count: 100 },
    ];
    expect(histogramQuantile(0.5, buckets)).toBeCloseTo(0.01);
    expect(histogramQuantile(0.7, buckets)).toBeCloseTo(0.015);
    expect(histogramQuantile(0.95, buckets)).toBeCloseTo(0.035);
    expect(histogramQuantile(0.5, [{ le: Number.POSITIVE_INFINITY, count: 0 }])).toBeNull();
  });

  it('reads requests, latency, versions and reload failures from the service metrics', async () => {
    const m = new ServiceMetrics();
    for (let i = 0; i < 9; i++) m.observe('POST', '/v1/recommendations', 200, 0.002);
    m.observe('POST', '/v1/recommendations', 503, 0.2);
    m.observe('GET', '/ui/live', 200, 0.05);
    m.modelVersion.set({ model: 'shop', alias: 'champion' }, 3);
    m.recommendations.inc({ model: 'shop', variant: 'control', version: '3' }, 9);
    m.reloadFailures.inc({ model: 'shop', stage: 'warmup' });
    const f = liveFigures(await m.text());
    expect(f.requests).toBe(11);
    expect(f.apiRequests).toBe(10);
    expect(f.errors5xx).toBe(1);
    expect(f.latency.p50).toBeGreaterThan(0.001);
    expect(f.latency.p50).toBeLessThanOrEqual(0.0025);
    expect(f.latency.p99).toBeGreaterThan(0.1);
    expect(f.aliases).toEqual([{ model: 'shop', alias: 'champion', version: 3 }]);
    expect(f.served).toEqual([{ model: 'shop', variant: 'control', version: '3', count: 9 }]);
    expect(f.reloadFailures).toEqual([{ model: 'shop', stage: 'warmup', count: 1 }]);
  });

  it('gives requests per second between readings at least a second apart, never negative', () => {
    const s = new LiveSampler();
    expect(s.add(0, 100)).toBeNull();
    expect(s.add(500, 150)).toBeNull();
    expect(s.add(2000, 300)).toBe(100);
    expect(s.add(4000, 0)).toBe(0); // a restarted service reset its counters
    expect(s.rates().map((r) => r.perSecond)).toEqual([100, 0]);
  });
});
