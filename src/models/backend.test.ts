import { describe, expect, it } from 'vitest';
import { BACKEND_PREFERENCE, initBackend, tf } from './backend.js';

describe('initBackend', () => {
  it('activates a known backend and says why', async () => {
    const report = await initBackend();
    expect(BACKEND_PREFERENCE).toContain(report.active);
    expect(tf.getBackend()).toBe(report.active);
    expect(report.reason.length).toBeGreaterThan(5);
    expect(report.tfjsVersion).toBe(tf.version_core);
    if (!report.native.available) {
      expect(report.active).not.toBe('tensorflow');
      expect(report.native.reason).toMatch(/native library/);
    }
  });

  it('shares one tfjs engine with danfojs-node (same backend registry)', async () => {
    await initBackend();
    const dfd = (await import('danfojs-node')) as unknown as { tensorflow: typeof tf };
    expect(dfd.tensorflow.engine()).toBe(tf.engine());
    expect(dfd.tensorflow.getBackend()).toBe(tf.getBackend());
    // A tensor made by danfo is visible to our engine's memory accounting.
    const before = tf.memory().numTensors;
    const t = dfd.tensorflow.tensor([1, 2, 3]);
    expect(tf.memory().numTensors).toBe(before + 1);
    t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});
