/**
 * A baseline that cannot rank the data is skipped with a note, not reported under its name: on a
 * store without item attributes the attribute baseline would be popularity in disguise (and could
 * be named "best baseline"). With attributes nothing is skipped.
 */
import { describe, expect, it } from 'vitest';
import { generateSyntheticStore } from '../data/synthetic-store.js';
import { reportToMarkdown } from '../eval/report-markdown.js';
import { publishRun } from '../pipeline/publish-model.js';
import { servingStore, trainAndEvaluate } from './train-evaluate.js';

const shop = generateSyntheticStore({ users: 300, items: 100, weeks: 6 });
const bare = { ...shop, items: shop.items.map(({ itemId, title }) => ({ itemId, title })), truth: undefined };
const OPTIONS = { skipRanker: true, bootstrapResamples: 50, maxValidUsers: 100 };

describe('baselines that cannot rank the data', () => {
  it('skips attributes when no item has an attribute, saying why in the report', async () => {
    const run = await trainAndEvaluate(bare, OPTIONS);
    const reason = 'no item has a brand, colour, category or price (it would only re-rank by popularity)';
    expect(run.skipped).toEqual([{ kind: 'attributes', reason }]);
    expect(run.report.models.map((m) => m.name)).toEqual(['popularity', 'repeat', 'cooccurrence', 'item-knn', 'bpr']);
    expect(run.report.baselines).not.toContain('attributes');
    expect(run.report.notes).toContain(`baseline attributes skipped: ${reason}`);
    expect(reportToMarkdown(run.report)).toContain(`Note: baseline attributes skipped: ${reason}.`);
    const serving = await servingStore(bare, run.windows);
    await expect(
      publishRun(run, { modelsDir: '/nonexistent', name: 'x', kind: 'attributes', dataset: bare, serving, producer: 'test' }),
    ).rejects.toThrow(/the run has no baseline "attributes": it was skipped \(no item has a brand/);
  }, 120_000);

  it('keeps every baseline when the items have attributes', async () => {
    const run = await trainAndEvaluate(shop, OPTIONS);
    expect(run.skipped).toEqual([]);
    expect((run.report.notes ?? []).filter((n) => n.includes('skipped'))).toEqual([]);
    expect(run.report.models.map((m) => m.name)).toContain('attributes');
  }, 120_000);
});
