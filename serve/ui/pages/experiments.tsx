/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The Experiments pages: the configs found, and per experiment GrowthBook-style rows (each
 * variant's impressions, clicks, CTR and purchase rate with intervals; each treatment's delta
 * against the control with its interval), the SRM check, CTR by position and over time, and each
 * arm's offline NDCG@10 and off-policy CTR estimate (made before the test, or flagged) beside its
 * online CTR. Every statistic comes from src/experiments and src/ope.
 */
import type { MetricComparison, RateEstimate } from '../../../src/experiments/experiment-report.js';
import type { ArmOffline, ExperimentView, FoundExperiment } from '../experiments-data.js';
import { Chart, DataTable, fmt, Page, pct, withInterval } from '../layout.js';

const expHref = (id: string) => `/ui/experiments/${encodeURIComponent(id)}`;
const rate = (r: RateEstimate) => withInterval(r.value, r.lower, r.upper, (v) => pct(v, 2));

/** `/ui/experiments`: every config found. */
export function ExperimentsPage(props: { found: FoundExperiment[]; dir?: string }) {
  return (
    <Page title="Experiments" section="/ui/experiments">
      <p class="muted">Configs: the service's experiment and {props.dir ? `*.json in ${props.dir}` : 'no folder'}</p>
      {props.found.length === 0 ? <p>No experiment configs found.</p> : null}
      <DataTable columns={['experiment', 'model', 'variants', 'file']}>
        {props.found.map((f) =>
          'experiment' in f ? (
            <tr>
              <td>
                <a href={expHref(f.experiment.id)}>{f.experiment.id}</a>
              </td>
              <td>{f.experiment.model ?? '—'}</td>
              <td>
                {f.experiment.variants
                  .map((v) => `${v.name} (${v.alias ? `alias ${v.alias}` : `v${v.version}`}, weight ${v.weight})`)
                  .join('; ')}
              </td>
              <td class="muted">{f.file}</td>
            </tr>
          ) : (
            <tr>
              <td colspan={3} class="bad">
                unreadable: {f.problem}
              </td>
              <td class="muted">{f.file}</td>
            </tr>
          ),
        )}
      </DataTable>
    </Page>
  );
}

const METRIC_LABEL: Record<string, string> = {
  ctr: 'CTR',
  cart_per_impression: 'cart rate per impression',
  purchase_per_impression: 'purchase rate per impression',
  click_conversion: 'users who clicked',
  cart_conversion: 'users who carted',
  purchase_conversion: 'users who purchased',
};

function DeltaRow(props: { variant: string; m: MetricComparison }) {
  const { m } = props;
  const verdict = !m.significant ? 'not significant' : (m.difference ?? 0) > 0 ? 'better' : 'worse';
  return (
    <tr>
      <td>{props.variant}</td>
      <td>
        {METRIC_LABEL[m.metric] ?? m.metric}{' '}
        <span class="muted">({m.method === 'delta' ? 'delta method, users as clusters' : 'two-proportion'})</span>
      </td>
      <td class="num">{pct(m.control, 2)}</td>
      <td class="num">{pct(m.treatment, 2)}</td>
      <td class="num">{withInterval(m.difference, m.lower, m.upper, (v) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(2)} pp`)}</td>
      <td class="num">{m.relativeLift === null ? '—' : `${m.relativeLift >= 0 ? '+' : ''}${(m.relativeLift * 100).toFixed(1)}%`}</td>
      <td class="num">{m.pValue === null ? '—' : m.pValue < 1e-4 ? m.pValue.toExponential(1) : m.pValue.toFixed(4)}</td>
      <td class={m.significant ? ((m.difference ?? 0) > 0 ? 'good' : 'bad') : 'muted'}>{verdict}</td>
    </tr>
  );
}

function positionSpec(v: ExperimentView) {
  const values = v.report.variants.flatMap((r) =>
    r.byPosition.map((p) => ({ variant: r.name, position: p.position + 1, ctr: p.ctr.value, lo: p.ctr.lower, hi: p.ctr.upper })),
  );
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'CTR by position (95% Wilson interval)',
    width: 420,
    height: 220,
    data: { values },
    encoding: {
      x: { field: 'position', type: 'ordinal', title: 'position (1 = top)' },
      color: { field: 'variant', type: 'nominal' },
      xOffset: { field: 'variant' },
    },
    layer: [
      { mark: 'bar', encoding: { y: { field: 'ctr', type: 'quantitative', title: 'CTR', axis: { format: '%' } } } },
      { mark: { type: 'rule', color: 'black' }, encoding: { y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } },
    ],
  };
}

function overTimeSpec(v: ExperimentView) {
  const values = v.overTime
    .filter((p) => p.impressions > 0)
    .map((p) => ({ time: new Date(p.start).toISOString(), variant: p.variant, ctr: p.ctr.value, lo: p.ctr.lower, hi: p.ctr.upper }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'CTR over time (95% Wilson interval per window)',
    width: 420,
    height: 220,
    data: { values },
    encoding: { x: { field: 'time', type: 'temporal', title: 'window start' }, color: { field: 'variant', type: 'nominal' } },
    layer: [
      {
        mark: { type: 'area', opacity: 0.2 },
        encoding: { y: { field: 'lo', type: 'quantitative', title: 'CTR', axis: { format: '%' } }, y2: { field: 'hi' } },
      },
      { mark: { type: 'line', point: true }, encoding: { y: { field: 'ctr', type: 'quantitative' } } },
    ],
  };
}

/** The arm's recorded off-policy CTR estimate, when it was made, and whether the online CTR fell inside it. */
function OpeCell(props: { off?: ArmOffline; online: number | null; startedAt?: number }) {
  const ope = props.off?.ope;
  if (!ope) return <td class="muted">none recorded</td>;
  const inside = props.online === null ? null : props.online >= ope.ctr.lo && props.online <= ope.ctr.hi;
  return (
    <td data-ope={ope.estimator} data-before-test={ope.beforeTest === null ? 'unknown' : String(ope.beforeTest)}>
      {`${ope.estimator.toUpperCase()} ${withInterval(ope.ctr.mean, ope.ctr.lo, ope.ctr.hi, (x) => pct(x, 2))}`}
      <span class="muted">{` made ${ope.at.slice(0, 16).replace('T', ' ')} UTC, ${ope.requests} requests`}</span>
      {ope.beforeTest === false ? (
        <span class="warn">{` made after the test began (${new Date(props.startedAt ?? 0).toISOString().slice(0, 16).replace('T', ' ')} UTC)`}</span>
      ) : null}
      {inside === null ? null : <span data-covered={String(inside)}>{inside ? '; online CTR inside' : '; online CTR outside'}</span>}
    </td>
  );
}

/** One row per variant: counts, rates, and the arm's offline and off-policy estimates. */
function VariantsTable(props: { view: ExperimentView }) {
  const { report, offline } = props.view;
  return (
    <DataTable
      columns={[
        'variant',
        'serves',
        { label: 'users', class: 'num' },
        { label: 'impressions', class: 'num' },
        { label: 'clicks', class: 'num' },
        { label: 'CTR [95%, users as clusters]', class: 'num' },
        { label: 'purchase rate per impression [95%]', class: 'num' },
        { label: 'users who purchased [95%]', class: 'num' },
        'offline NDCG@10 of the version served [95%]',
        'off-policy CTR estimated before the test [95%]',
      ]}
    >
      {report.variants.map((v) => {
        const off = offline.find((o) => o.variant === v.name);
        return (
          <tr data-variant={v.name}>
            <td>
              {v.name}
              {v.name === report.control ? <span class="muted"> (control)</span> : null}
            </td>
            <td>{v.target ?? '—'}</td>
            <td class="num">{v.users}</td>
            <td class="num">{v.impressions}</td>
            <td class="num">{v.clicks}</td>
            <td class="num">{rate(v.ctrClustered)}</td>
            <td class="num">{rate(v.purchasePerImpression)}</td>
            <td class="num">{rate(v.purchaseConversion)}</td>
            <td>
              {off?.ndcg10
                ? `v${off.version}: ${withInterval(off.ndcg10.mean, off.ndcg10.lo, off.ndcg10.hi)}`
                : off?.version
                  ? `v${off.version}: —`
                  : (off?.problem ?? '—')}
            </td>
            <OpeCell off={off} online={v.ctr.value} startedAt={props.view.startedAt} />
          </tr>
        );
      })}
    </DataTable>
  );
}

/** Each treatment's metrics against the control. */
function ComparisonsTable(props: { report: ExperimentView['report'] }) {
  const { report } = props;
  return (
    <DataTable
      columns={[
        'variant',
        'metric',
        { label: 'control', class: 'num' },
        { label: 'variant', class: 'num' },
        { label: 'delta [95%]', class: 'num' },
        { label: 'lift', class: 'num' },
        { label: 'p', class: 'num' },
        'verdict',
      ]}
    >
      {report.comparisons.flatMap((c) => c.metrics.map((m) => <DeltaRow variant={c.variant} m={m} />))}
    </DataTable>
  );
}

/** The sample ratio mismatch check, or why there is none. */
function SrmCheck(props: { srm: ExperimentView['report']['srm'] }) {
  const { srm } = props;
  return srm ? (
    <p class={srm.mismatch ? 'bad' : 'good'} data-srm={srm.mismatch ? 'mismatch' : 'ok'}>
      {srm.mismatch ? 'Sample ratio mismatch' : 'No sample ratio mismatch'}: users{' '}
      {Object.entries(srm.observed)
        .map(([n, o]) => `${n} ${o} (expected ${fmt(srm.expected[n], 0)})`)
        .join(', ')}
      ; chi-square {fmt(srm.chiSquare, 2)}, p = {srm.pValue < 1e-4 ? srm.pValue.toExponential(2) : fmt(srm.pValue, 4)} (threshold{' '}
      {srm.threshold})
    </p>
  ) : (
    <p class="muted">No SRM check (weights unknown or a single variant).</p>
  );
}

/** `/ui/experiments/{id}`: the whole report. */
export function ExperimentPage(props: { view: ExperimentView }) {
  const { report, experiment } = props.view;
  return (
    <Page title={`Experiment ${experiment.id}`} section="/ui/experiments">
      <p class="muted">
        Event log {report.source.kind === 'event-log' ? report.source.eventsDir : '(tally)'}; control: {report.control};{' '}
        {Math.round(report.confidence * 100)}% intervals; generated {report.generatedAt}
      </p>
      {report.warnings.map((w) => (
        <p class="warn" role="alert">
          {w}
        </p>
      ))}
      <h2>Variants</h2>
      <VariantsTable view={props.view} />
      <h2>Against the control</h2>
      <ComparisonsTable report={report} />
      <p class="muted">
        Fixed-horizon tests: decide at the planned sample size. This report has no sequential test, so looking at it repeatedly and stopping
        at the first significant result inflates false positives.
      </p>
      <h2>Sample ratio</h2>
      <SrmCheck srm={report.srm} />
      <h2>CTR by position and over time</h2>
      {report.variants.some((v) => v.byPosition.length > 0) ? (
        <Chart spec={positionSpec(props.view)} label="CTR by position" />
      ) : (
        <p class="muted">No impressions with a position yet.</p>
      )}
      {props.view.overTime.some((p) => p.impressions > 0) ? (
        <Chart spec={overTimeSpec(props.view)} label="CTR over time" />
      ) : (
        <p class="muted">No impressions yet.</p>
      )}
    </Page>
  );
}
