import { describe, expect, it } from 'vitest';
import type { EvalReport } from './protocol.js';
import { reportToMarkdown } from './report-markdown.js';

function report(overrides: Partial<EvalReport> = {}): EvalReport {
  const metric = (mean: number) => ({ mean, lo: mean - 0.01, hi: mean + 0.02 });
  return {
    protocol: 'temporal: train < 2011-11-09, test [2011-11-09, 2011-12-10); full-catalogue ranking',
    catalogueSize: 4000,
    users: 812,
    ks: [10],
    metricNames: ['ndcg@10', 'mrr'],
    bootstrap: { resamples: 1000, seed: 7, level: 0.95 },
    baselines: ['popularity'],
    bestBaseline: 'popularity',
    models: [
      {
        name: 'popularity',
        baseline: true,
        users: 812,
        metrics: { 'ndcg@10': metric(0.1), mrr: metric(0.2) },
        coverage: { 'coverage@10': 0.0025 },
        msPerUser: 0.5,
      },
      {
        name: 'ltr-mlp',
        baseline: false,
        users: 812,
        metrics: { 'ndcg@10': metric(0.123), mrr: metric(0.25) },
        coverage: { 'coverage@10': 0.31 },
        msPerUser: 3.25,
      },
    ],
    comparisons: [
      {
        model: 'ltr-mlp',
        baseline: 'popularity',
        metric: 'ndcg@10',
        modelMean: 0.123,
        baselineMean: 0.1,
        liftPercent: { mean: 23, lo: 11.04, hi: 35.5 },
        diff: { mean: 0.023, lo: 0.011, hi: 0.0356 },
        pValue: 0,
      },
    ],
    excluded: { emptyRelevant: 0, relevantNotInCatalogue: 17, noRelevantInCatalogue: 3, wholeCatalogueRelevant: 0 },
    ...overrides,
  };
}

describe('reportToMarkdown', () => {
  it('renders a model x metric table of "mean [lo, hi]" cells', () => {
    const lines = reportToMarkdown(report()).split('\n');
    expect(lines[0]).toBe('| model | users | ndcg@10 | mrr | coverage@10 | ms/user |');
    expect(lines[1]).toBe('| --- | ---: | ---: | ---: | ---: | ---: |');
    expect(lines[2]).toBe('| popularity (baseline) | 812 | 0.100 [0.090, 0.120] | 0.200 [0.190, 0.220] | 0.003 | 0.50 |');
    expect(lines[3]).toBe('| ltr-mlp | 812 | 0.123 [0.113, 0.143] | 0.250 [0.240, 0.270] | 0.310 | 3.25 |');
  });

  it('states the comparison, the bootstrap, the protocol and the exclusions', () => {
    const md = reportToMarkdown(report());
    expect(md).toContain('95% percentile bootstrap intervals (1000 resamples, seed 7)');
    expect(md).toContain('- ltr-mlp vs popularity: +23.0% [+11.0%, +35.5%], diff +0.023 [+0.011, +0.036], p < 0.001');
    expect(md).toContain('Protocol: temporal: train < 2011-11-09');
    expect(md).toContain('Users: 812; catalogue: 4000 items.');
    expect(md).toContain('3 with no relevant item in the catalogue');
    expect(md).toContain('17 relevant items outside the catalogue');
  });

  it('prints a p-value when some resamples show no gain, and an undefined lift', () => {
    const r = report();
    r.comparisons[0] = { ...r.comparisons[0], pValue: 0.0423, liftPercent: null };
    expect(reportToMarkdown(r)).toContain(
      '- ltr-mlp vs popularity: lift undefined (baseline mean 0), diff +0.023 [+0.011, +0.036], p = 0.042',
    );
  });

  it('shows only the chosen metrics, with the chosen precision', () => {
    const lines = reportToMarkdown(report(), { metrics: ['mrr'], digits: 2 }).split('\n');
    expect(lines[0]).toBe('| model | users | mrr | coverage@10 | ms/user |');
    expect(lines[3]).toBe('| ltr-mlp | 812 | 0.25 [0.24, 0.27] | 0.31 | 3.25 |');
  });

  it('says when there is nothing to compare', () => {
    expect(reportToMarkdown(report({ baselines: [], bestBaseline: null, comparisons: [] }))).toContain(
      'No baselines named: no comparisons.',
    );
    expect(reportToMarkdown(report({ comparisons: [] }))).toContain('Every model is a baseline (best: popularity): no comparisons.');
  });
});
