import { describe, expect, it } from 'vitest';
import * as workbench from './index.js';

describe('the library facade', () => {
  const api: Record<string, unknown> = { ...workbench };

  it('loads and exposes each concern: data, features, models, evaluation, registry, experiments, pipeline', () => {
    for (const name of [
      'loadDataset',
      'generateSyntheticStore',
      'buildFeatureStore',
      'createBaseline',
      'registerModelKind',
      'modelKind',
      'modelKinds',
      'servableKinds',
      'LtrRanker',
      'trainRanker',
      'evaluateRankers',
      'evaluateAgainstTruth',
      'publishVersion',
      'loadVersion',
      'openServable',
      'assignVariant',
      'experimentReport',
      'trainAndEvaluate',
      'showTable',
    ] as const) {
      expect(typeof api[name], name).toBe('function');
    }
  });
});
