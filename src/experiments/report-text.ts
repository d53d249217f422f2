/** Plain-text rendering of an ExperimentReport for terminals and notebooks. */
import type { ExperimentReport, MetricComparison, MetricName, RateEstimate } from './experiment-report.js';

const pct = (x: number | null, digits = 2) => (x === null ? '-' : `${(x * 100).toFixed(digits)}%`);
const pp = (x: number | null) => (x === null ? '-' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(2)}pp`);
const signedPct = (x: number | null) => (x === null ? '-' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
const interval = (r: RateEstimate) => (r.value === null ? '-' : `${pct(r.value)} [${pct(r.lower)}, ${pct(r.upper)}]`);

/** A p-value as people read it: 3 decimals, scientific notation when tiny. */
export function formatP(p: number | null): string {
  if (p === null) return '-';
  return p < 0.001 ? p.toExponential(1) : p.toFixed(3);
}

const LABEL: Record<MetricName, string> = {
  ctr: 'CTR',
  cart_per_impression: 'cart/impression',
  purchase_per_impression: 'purchase/impression',
  click_conversion: 'users clicking',
  cart_conversion: 'users carting',
  purchase_conversion: 'users buying',
};

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  '));
}

function comparisonLine(m: MetricComparison): string[] {
  const how = m.method === 'delta' ? 'delta, users' : `2-prop, ${m.unit}s`;
  return [
    `${LABEL[m.metric]} (${how})`,
    `${pct(m.control)} -> ${pct(m.treatment)}`,
    `${pp(m.difference)} [${pp(m.lower)}, ${pp(m.upper)}]`,
    `lift ${signedPct(m.relativeLift)}`,
    `p=${formatP(m.pValue)}`,
    m.significant ? '*' : '',
  ];
}

/** Renders the report as aligned text (variants, comparisons, CTR by position, SRM, warnings). */
export function reportToText(r: ExperimentReport): string {
  const conf = `${Math.round(r.confidence * 100)}%`;
  const where = r.source.kind === 'event-log' ? `event log ${r.source.eventsDir}` : 'client-side tally';
  const window = r.window.since || r.window.until ? `${r.window.since ?? 'start'} .. ${r.window.until ?? 'now'}` : 'all time';
  const out: string[] = [`Experiment ${r.experimentId} (${where}, ${window}); control: ${r.control}; intervals ${conf}`, ''];
  out.push(
    ...table([
      ['variant', 'share', 'users', 'requests', 'impressions', 'clicks', `CTR [${conf} CI, user-clustered]`, 'users buying', 'purchases'],
      ...r.variants.map((v) => [
        v.name === r.control && v.name !== 'control' ? `${v.name} (control)` : v.name,
        v.share === null ? '-' : pct(v.share, 1),
        String(v.users),
        String(v.requests),
        String(v.impressions),
        String(v.clicks),
        interval(v.ctrClustered),
        pct(v.purchaseConversion.value),
        String(v.purchases),
      ]),
    ]),
  );
  for (const c of r.comparisons) {
    out.push('', `${c.variant} vs ${c.control} (* = significant at ${conf}):`);
    out.push(...table(c.metrics.map(comparisonLine)).map((l) => `  ${l}`));
  }
  const positions = Math.max(0, ...r.variants.map((v) => v.byPosition.length));
  if (positions > 0) {
    out.push('', `CTR by position (0 = top): ${r.variants.map((v) => v.name).join(' / ')}`);
    const maxPos = Math.max(...r.variants.flatMap((v) => v.byPosition.map((p) => p.position)));
    for (let p = 0; p <= Math.min(maxPos, 19); p++) {
      const cells = r.variants.map((v) => pct(v.byPosition.find((b) => b.position === p)?.ctr.value ?? null));
      out.push(`  ${String(p).padStart(2)}: ${cells.join(' / ')}`);
    }
  }
  out.push('');
  if (r.srm) {
    const obs = Object.entries(r.srm.observed)
      .map(([n, c]) => `${n} ${c}/${r.srm?.expected[n].toFixed(0)}`)
      .join(', ');
    out.push(
      `Sample ratio (users observed/expected): ${obs}; chi2=${r.srm.chiSquare.toFixed(2)} df=${r.srm.df} p=${formatP(r.srm.pValue)} -> ${r.srm.mismatch ? 'MISMATCH' : 'ok'}`,
    );
  } else out.push('Sample ratio: not checked (weights unknown)');
  if (r.warnings.length) {
    out.push('', 'Warnings:');
    for (const w of r.warnings) out.push(`  - ${w}`);
  }
  return out.join('\n');
}
