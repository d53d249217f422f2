/**
 * Rendering an EvalReport for people: a Markdown table (model x metric, "mean [lo, hi]"), the
 * comparisons against the best baseline, and the protocol. The JSON form is the report itself.
 */
import type { Interval } from './bootstrap.js';
import type { EvalReport } from './protocol.js';

/** Options of {@link reportToMarkdown}. */
export interface MarkdownOptions {
  /** Metric columns to show, in order (default: all of `report.metricNames`). */
  metrics?: string[];
  /** Decimals of metric values (default 3). */
  digits?: number;
}

function signed(x: number, digits: number): string {
  return `${x >= 0 ? '+' : ''}${x.toFixed(digits)}`;
}

function cell(i: Interval | undefined, digits: number): string {
  return i ? `${i.mean.toFixed(digits)} [${i.lo.toFixed(digits)}, ${i.hi.toFixed(digits)}]` : 'n/a';
}

function pText(p: number, resamples: number): string {
  return p === 0 ? `p < ${(1 / resamples).toPrecision(1)}` : `p = ${p.toFixed(3)}`;
}

/** The report as Markdown: the metrics table, the comparison lines, the protocol and exclusions. */
export function reportToMarkdown(report: EvalReport, opts: MarkdownOptions = {}): string {
  const digits = opts.digits ?? 3;
  const metrics = opts.metrics ?? report.metricNames;
  const coverage = report.ks.map((k) => `coverage@${k}`);
  const level = Math.round(report.bootstrap.level * 100);
  const lines: string[] = [];
  lines.push(`| model | users | ${[...metrics, ...coverage].join(' | ')} | ms/user |`);
  lines.push(`| --- | ---: | ${[...metrics, ...coverage].map(() => '---:').join(' | ')} | ---: |`);
  for (const m of report.models) {
    const name = m.baseline ? `${m.name} (baseline)` : m.name;
    const values = metrics.map((x) => cell(m.metrics[x], digits));
    const cov = coverage.map((x) => (m.coverage[x] === undefined ? 'n/a' : m.coverage[x].toFixed(digits)));
    lines.push(`| ${name} | ${m.users} | ${[...values, ...cov].join(' | ')} | ${m.msPerUser.toFixed(2)} |`);
  }
  lines.push('');
  lines.push(
    `Means over users with ${level}% percentile bootstrap intervals (${report.bootstrap.resamples} resamples, seed ${report.bootstrap.seed}).`,
  );
  lines.push('');
  if (report.comparisons.length > 0) {
    lines.push(
      `Against the best baseline on ${report.comparisons[0].metric} (paired bootstrap, one-sided p = share of resamples without a gain):`,
    );
    for (const c of report.comparisons) {
      const lift = c.liftPercent
        ? `${signed(c.liftPercent.mean, 1)}% [${signed(c.liftPercent.lo, 1)}%, ${signed(c.liftPercent.hi, 1)}%]`
        : 'lift undefined (baseline mean 0)';
      const diff = `diff ${signed(c.diff.mean, digits)} [${signed(c.diff.lo, digits)}, ${signed(c.diff.hi, digits)}]`;
      lines.push(`- ${c.model} vs ${c.baseline}: ${lift}, ${diff}, ${pText(c.pValue, report.bootstrap.resamples)}`);
    }
  } else if (report.bestBaseline === null) {
    lines.push('No baselines named: no comparisons.');
  } else {
    lines.push(`Every model is a baseline (best: ${report.bestBaseline}): no comparisons.`);
  }
  lines.push('');
  if (report.notes?.length) {
    lines.push(...report.notes.map((n) => `Note: ${n.replace(/\.$/, '')}.`));
    lines.push('');
  }
  lines.push(`Protocol: ${report.protocol}`);
  const x = report.excluded;
  lines.push(
    `Users: ${report.users}; catalogue: ${report.catalogueSize} items. Excluded: ${x.emptyRelevant} cases with no relevant item, ` +
      `${x.noRelevantInCatalogue} with no relevant item in the catalogue, ${x.wholeCatalogueRelevant} with the whole catalogue relevant; ` +
      `${x.relevantNotInCatalogue} relevant items outside the catalogue.` +
      (x.relevantMasked !== undefined
        ? ` Masked: ${x.relevantMasked} relevant items the user already had; ${x.noRelevantAfterMask ?? 0} cases left with none.`
        : ''),
  );
  return lines.join('\n');
}
