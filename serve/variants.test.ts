import { describe, expect, it } from 'vitest';
import { assignVariant, type Experiment } from '../src/experiments/assignment.js';
import { ModelStore } from './model-store.js';
import { MemorySource } from './testing/memory-source.js';
import { VariantRouter } from './variants.js';

const experiment: Experiment = {
  id: 'pin',
  salt: 'x',
  model: 'demo',
  variants: [
    { name: 'control', weight: 9, alias: 'champion' },
    { name: 'old', weight: 1, version: 1 },
  ],
};

describe('VariantRouter', () => {
  it('routes each user deterministically to the version its variant names (pinned versions stay loaded)', async () => {
    const source = new MemorySource();
    source.publish('demo');
    source.publish('demo');
    source.setAlias('demo', 'champion', 2);
    const store = new ModelStore({ source, names: ['demo'], pollIntervalMs: 0, pinned: { demo: [1] } });
    await store.start();
    const router = new VariantRouter(experiment, store, 'demo');
    let old = 0;
    for (let i = 0; i < 400; i++) {
      const routed = router.route(`user-${i}`);
      expect(routed).toBeDefined();
      if (!routed) continue;
      expect(routed.variant).toBe(assignVariant(experiment, `user-${i}`).name);
      expect(routed.lease.model.version).toBe(routed.variant === 'old' ? 1 : 2);
      if (routed.variant === 'old') old++;
      routed.lease.release();
    }
    expect(old).toBeGreaterThan(10);
    expect(old).toBeLessThan(80);
    await store.close();
  });

  it('refuses an experiment written for another model', () => {
    const store = new ModelStore({ source: new MemorySource(), names: ['other'], pollIntervalMs: 0 });
    expect(() => new VariantRouter(experiment, store, 'other')).toThrow(/for model "demo" but the service serves "other"/);
  });

  it('returns nothing when not even the control has a model', () => {
    const store = new ModelStore({ source: new MemorySource(), names: ['demo'], pollIntervalMs: 0 });
    expect(new VariantRouter(experiment, store, 'demo').route('u1')).toBeUndefined();
  });
});
