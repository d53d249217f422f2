/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The Live page: the service's own metrics, refreshed every 5 s (a meta refresh, no script). */
import { Chart, DataTable, fmt, Page } from '../layout.js';
import type { LiveFigures } from '../live-data.js';

const ms = (s: number | null) => (s === null ? '—' : `${fmt(s * 1000, 1)} ms`);

/** `/ui/live` without a service to read (the `workbench ui` browser of folders). */
export function LiveUnavailablePage() {
  return (
    <Page title="Live" section="/ui/live">
      <p>
        This browser reads folders, not a running service. Open <code>/ui/live</code> on the service (<code>workbench serve</code>), or
        start this browser with <code>--service URL</code> to read a service's <code>/metrics</code>.
      </p>
    </Page>
  );
}

/** `/ui/live`. */
export function LivePage(props: { f: LiveFigures; perSecond: number | null; rates: { at: number; perSecond: number }[]; source: string }) {
  const { f } = props;
  const rateSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'API requests per second (between page refreshes)',
    width: 420,
    height: 180,
    data: { values: props.rates.map((r) => ({ time: new Date(r.at).toISOString(), rps: r.perSecond })) },
    mark: { type: 'line', point: true },
    encoding: { x: { field: 'time', type: 'temporal', title: null }, y: { field: 'rps', type: 'quantitative', title: 'requests/s' } },
  };
  return (
    <Page title="Live" section="/ui/live" refreshSeconds={5}>
      <p class="muted">From {props.source}; this page refreshes every 5 s.</p>
      <table>
        <tbody>
          <tr>
            <th scope="row">API requests per second</th>
            <td class="num" data-figure="rps">
              {props.perSecond === null ? 'measuring (next refresh)' : fmt(props.perSecond, 1)}
            </td>
          </tr>
          <tr>
            <th scope="row">API requests so far</th>
            <td class="num" data-figure="api-requests">
              {f.apiRequests}
            </td>
          </tr>
          <tr>
            <th scope="row">latency p50 / p90 / p99 (API)</th>
            <td class="num" data-figure="latency">
              {ms(f.latency.p50)} / {ms(f.latency.p90)} / {ms(f.latency.p99)}
            </td>
          </tr>
          <tr>
            <th scope="row">5xx responses</th>
            <td class={f.errors5xx > 0 ? 'num bad' : 'num'}>{f.errors5xx}</td>
          </tr>
          <tr>
            <th scope="row">reloads that changed what is served</th>
            <td class="num">{f.reloads}</td>
          </tr>
        </tbody>
      </table>
      {props.rates.length >= 2 ? <Chart spec={rateSpec} label="requests per second" /> : null}
      <h2>Versions serving</h2>
      <DataTable columns={['model', 'alias', 'version']} rows={f.aliases.map((a) => [a.model, a.alias, `v${a.version}`])} />
      <DataTable
        columns={['variant', 'version', { label: 'recommendations served', class: 'num' }]}
        rows={f.served.map((s) => [s.variant, `v${s.version}`, s.count])}
      />
      <h2>Reload failures</h2>
      {f.reloadFailures.length === 0 ? (
        <p class="good">None.</p>
      ) : (
        <DataTable
          columns={['model', 'stage', { label: 'failures', class: 'num' }]}
          rows={f.reloadFailures.map((r) => [r.model, r.stage, <span class="bad">{r.count}</span>])}
        />
      )}
    </Page>
  );
}
