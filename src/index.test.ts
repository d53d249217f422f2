/**
 * The library facade (`src/index.ts`) is what notebooks and a team's own scripts import: one
 * offline evaluation written only against it, as a notebook would, must run end to end.
 */
import { describe, expect, it } from 'vitest';
import * as workbench from './index.js';

describe('the library facade', () => {
  it('runs data -> features -> baselines -> evaluation through src/index.ts alone', async () => {
    const data = workbench.generateSyntheticStore({ users: 300, items: 80, weeks: 6, seed: 5 });
    const split = workbench.splitByLastDays(data.events, { testDays: 7 });
    const store = await workbench.buildFeatureStore(split.train, data.items, { cutoff: split.boundaries.testStart });
    const cases = workbench.buildEvalCases(split.train, split.test);
    expect(cases.length).toBeGreaterThan(20);
    const rankers = [workbench.createBaseline('popularity', store), workbench.createBaseline('cooccurrence', store)];
    try {
      const report = await workbench.evaluateRankers({
        rankers,
        cases,
        catalogue: store.itemIds,
        protocol: 'last 7 days held out',
        baselineNames: ['popularity'],
        bootstrap: { resamples: 50, seed: 1 },
      });
      expect(report.models.map((m) => m.name)).toEqual(['popularity', 'cooccurrence']);
      for (const m of report.models) {
        const ndcg = m.metrics['ndcg@10']?.mean ?? Number.NaN;
        expect(ndcg).toBeGreaterThan(0);
        expect(ndcg).toBeLessThanOrEqual(1);
      }
      // The synthetic store plants co-purchase structure: co-occurrence must beat raw popularity.
      const mean = (name: string) => report.models.find((m) => m.name === name)?.metrics['ndcg@10']?.mean ?? 0;
      expect(mean('cooccurrence')).toBeGreaterThan(mean('popularity'));
      expect(workbench.reportToMarkdown(report)).toContain('cooccurrence');
    } finally {
      for (const r of rankers) r.dispose();
    }
  });
});
