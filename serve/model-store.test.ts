import { describe, expect, it } from 'vitest';
import { memoryLogger } from './logger.js';
import { ModelStore } from './model-store.js';
import { ServiceMetrics } from './service-metrics.js';
import { createFixtureModel, fixtureTables } from './testing/fixture-model.js';
import { MemorySource } from './testing/memory-source.js';

function setup(options: { pollIntervalMs?: number; pinned?: number[] } = {}) {
  const source = new MemorySource();
  const metrics = new ServiceMetrics();
  const logger = memoryLogger();
  const store = new ModelStore({
    source,
    names: ['demo'],
    pollIntervalMs: options.pollIntervalMs ?? 0,
    pinned: { demo: options.pinned ?? [] },
    metrics,
    logger,
  });
  return { source, metrics, logger, store };
}

const served = (store: ModelStore, alias = 'champion') => store.resolve('demo', { alias });

describe('ModelStore', () => {
  it('serves aliased versions and the newest; champion defaults to the newest until one is promoted', async () => {
    const { source, store } = setup();
    source.publish('demo');
    source.publish('demo');
    await store.start();
    expect(served(store)).toBe(2);
    expect(served(store, 'latest')).toBe(2);
    source.setAlias('demo', 'champion', 1);
    await store.reload();
    expect(served(store)).toBe(1);
    expect(store.status('demo')?.versions.map((v) => [v.version, v.state])).toEqual([
      [2, 'AVAILABLE'],
      [1, 'AVAILABLE'],
    ]);
    await store.close();
  });

  it('refuses a version that fails to load and keeps serving the previous one', async () => {
    const { source, store, metrics, logger } = setup();
    source.publish('demo');
    await store.start();
    source.publish('demo', { broken: 'load' });
    const [report] = await store.reload();
    expect(report.refused).toEqual([{ version: 2, stage: 'load', error: expect.stringMatching(/sha256 mismatch/) }]);
    expect(served(store)).toBe(1);
    expect(served(store, 'latest')).toBe(1);
    const v2 = store.status('demo')?.versions.find((v) => v.version === 2);
    expect(v2).toMatchObject({ state: 'FAILED', error: expect.stringMatching(/^load: .*sha256/) });
    expect(await metrics.text()).toMatch(/workbench_model_reload_failures_total\{model="demo",stage="load"\} 1/);
    expect(logger.lines.some((l) => l.msg === 'model version refused' && l.version === 2)).toBe(true);
    // A refused version is not retried on every poll, only on an explicit retry.
    expect((await store.reload())[0].refused).toEqual([]);
    expect((await store.reload({ retryFailed: true }))[0].refused).toHaveLength(1);
    await store.close();
  });

  it('refuses a version whose warm-up fails, disposes it, and the champion alias stays on the old version', async () => {
    const { source, store } = setup();
    source.publish('demo');
    source.setAlias('demo', 'champion', 1);
    await store.start();
    const v2 = source.publish('demo', { broken: 'warmup' });
    source.setAlias('demo', 'champion', v2);
    const [report] = await store.reload();
    expect(report.refused.map((r) => [r.version, r.stage])).toEqual([[2, 'warmup']]);
    expect(served(store)).toBe(1);
    expect(source.instances('demo', 2).every((m) => m.disposed)).toBe(true);
    await store.close();
  });

  it('does not substitute another version for an explicit champion that cannot load', async () => {
    const { source, store } = setup();
    source.publish('demo', { broken: 'load' });
    source.publish('demo');
    source.setAlias('demo', 'champion', 1);
    await store.start();
    expect(served(store)).toBeUndefined();
    expect(served(store, 'latest')).toBe(2);
    expect(() => store.acquire('demo', { alias: 'champion' })).toThrow(/no alias "champion"/);
    await store.close();
  });

  it('disposes a swapped-out version only after the last lease on it is released', async () => {
    const { source, store } = setup();
    source.publish('demo');
    await store.start();
    const lease = store.acquire('demo', { alias: 'champion' });
    const [v1] = source.instances('demo', 1);
    source.publish('demo');
    await store.reload();
    expect(served(store)).toBe(2);
    expect(v1.disposed).toBe(false);
    expect(store.status('demo')?.versions.find((v) => v.version === 1)).toMatchObject({ state: 'UNLOADING', inFlight: 1 });
    expect(lease.model.recommend({ userId: 'u1', k: 3 })).toHaveLength(3);
    lease.release();
    lease.release(); // idempotent
    expect(v1.disposed).toBe(true);
    expect(store.status('demo')?.versions.find((v) => v.version === 1)?.state).toBe('NOT_LOADED');
    await store.close();
  });

  it('revives a still-held version on rollback instead of loading it again', async () => {
    const { source, store } = setup();
    source.publish('demo');
    source.publish('demo');
    source.setAlias('demo', 'champion', 1);
    await store.start();
    const lease = store.acquire('demo', { version: 1 });
    source.setAlias('demo', 'champion', 2);
    await store.reload();
    source.setAlias('demo', 'champion', 1);
    await store.reload();
    expect(served(store)).toBe(1);
    expect(source.instances('demo', 1)).toHaveLength(1);
    lease.release();
    expect(source.instances('demo', 1)[0].disposed).toBe(false);
    await store.close();
    expect(source.instances('demo', 1)[0].disposed).toBe(true);
  });

  it('keeps serving when the source cannot be described, and says why', async () => {
    const { source, store, metrics } = setup();
    source.publish('demo');
    await store.start();
    source.describeError = 'EACCES: models/demo';
    const [report] = await store.reload();
    expect(report.error).toMatch(/EACCES/);
    expect(served(store)).toBe(1);
    expect(store.status('demo')?.lastError).toMatch(/EACCES/);
    expect(await metrics.text()).toMatch(/stage="describe"\} 1/);
    await store.close();
  });

  it('joins concurrent reloads: a version is loaded once', async () => {
    const { source, store } = setup();
    source.publish('demo');
    source.loadDelayMs = 20;
    await Promise.all([store.reload(), store.reload(), store.reload(), store.reload()]);
    expect(source.instances('demo', 1)).toHaveLength(1);
    await store.close();
  });

  it('picks up a new version by polling', async () => {
    const { source, store } = setup({ pollIntervalMs: 20 });
    source.publish('demo');
    await store.start();
    source.publish('demo');
    const t0 = Date.now();
    while (served(store) !== 2 && Date.now() - t0 < 5000) await new Promise((r) => setTimeout(r, 10));
    expect(served(store)).toBe(2);
    await store.close();
  });

  it('keeps pinned versions loaded and refuses a source returning the wrong version', async () => {
    const { source, store } = setup({ pinned: [1] });
    source.publish('demo');
    source.publish('demo');
    source.publishWith('demo', () => createFixtureModel({ name: 'demo', version: 1, tables: fixtureTables() })); // v3 claims to be v1
    await store.start();
    expect(store.has('demo', { version: 1 })).toBe(true);
    expect(store.status('demo')?.versions.find((v) => v.version === 3)).toMatchObject({
      state: 'FAILED',
      error: expect.stringMatching(/version 1 for demo version 3/),
    });
    expect(served(store)).toBe(2);
    await store.close();
  });

  it('names what is missing when a reference cannot be served', async () => {
    const { source, store } = setup();
    expect(() => store.acquire('other', { alias: 'champion' })).toThrow(/not served here/);
    expect(() => store.acquire('demo', { alias: 'champion' })).toThrow(/no version loaded yet/);
    source.publish('demo');
    await store.reload();
    expect(() => store.acquire('demo', { version: 5 })).toThrow(/version 5 is not loaded \(loaded: 1\)/);
    await store.close();
    expect(source.instances('demo', 1)[0].disposed).toBe(true);
  });
});
