/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The Pipeline runs pages: every run record (status, duration, what it published, the gate's
 * verdict), and one run in full: stage timings, the learning curve, the gate's decision and why,
 * the offline results of every model of the run, warnings and errors.
 */
import type { PipelineRunRecord } from '../../../src/pipeline/pipeline-run.js';
import { Chart, DataTable, duration, fmt, Page } from '../layout.js';

const runHref = (id: string) => `/ui/runs/${encodeURIComponent(id)}`;
const statusClass = (s: string) => (s === 'succeeded' ? 'good' : s === 'failed' ? 'bad' : 'muted');

/** `/ui/runs`: newest first. */
export function RunsPage(props: { runs: PipelineRunRecord[]; unreadable: string[]; runsDir: string }) {
  return (
    <Page title="Pipeline runs" section="/ui/runs">
      <p class="muted">Run records in {props.runsDir}/pipeline</p>
      {props.unreadable.map((f) => (
        <p class="warn">unreadable run record: {f}</p>
      ))}
      {props.runs.length === 0 ? (
        <p>
          No pipeline runs yet: <code>workbench pipeline run</code>.
        </p>
      ) : null}
      <DataTable columns={['run', 'model', 'status', 'started', { label: 'duration', class: 'num' }, 'published', 'gate']}>
        {props.runs.map((r) => (
          <tr>
            <td>
              <a href={runHref(r.runId)}>{r.runId}</a>
            </td>
            <td>{r.model}</td>
            <td class={statusClass(r.status)}>{r.status}</td>
            <td>{r.startedAt}</td>
            <td class="num">{duration(r.durationMs)}</td>
            <td>
              {r.published ? `v${r.published.version}${r.published.aliases.length ? ` as ${r.published.aliases.join(', ')}` : ''}` : '—'}
            </td>
            <td>{r.gate ? (r.gate.promoted ? 'passed' : 'refused') : (r.skipped ?? r.error ?? '—')}</td>
          </tr>
        ))}
      </DataTable>
    </Page>
  );
}

function stagesSpec(r: PipelineRunRecord) {
  // Top-level stages only: train-evaluate/* are parts of train-evaluate.
  const values = r.stages.filter((s) => !s.stage.includes('/')).map((s) => ({ stage: s.stage, seconds: s.ms / 1000 }));
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Stage timings',
    width: 380,
    height: Math.max(80, values.length * 22),
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'stage', type: 'nominal', sort: null, title: null },
      x: { field: 'seconds', type: 'quantitative', title: 'seconds' },
    },
  };
}

function curveSpec(curve: NonNullable<PipelineRunRecord['learningCurve']>, field: 'loss' | 'valid', title: string) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title,
    width: 320,
    height: 200,
    data: { values: curve.map((p) => ({ epoch: p.epoch, y: p[field] })) },
    mark: { type: 'line', point: true },
    encoding: {
      x: { field: 'epoch', type: 'quantitative', title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'y', type: 'quantitative', title: field === 'loss' ? 'pairwise loss' : 'validation NDCG@10', scale: { zero: false } },
    },
  };
}

/** `/ui/runs/{id}`. */
export function RunPage(props: { r: PipelineRunRecord }) {
  const { r } = props;
  const curve = r.learningCurve ?? [];
  const byModel = (r.metrics?.byModel ?? {}) as Record<string, number | null>;
  return (
    <Page title={`Pipeline run ${r.runId}`} section="/ui/runs">
      <p>
        Model <a href={`/ui/models/${encodeURIComponent(r.model)}`}>{r.model}</a>, status{' '}
        <span class={statusClass(r.status)}>{r.status}</span>, started {r.startedAt}, took {duration(r.durationMs)}.
        {r.published
          ? ` Published v${r.published.version}${r.published.aliases.length ? ` as ${r.published.aliases.join(', ')}` : ' with no alias'}.`
          : ''}
      </p>
      {r.error ? <p class="error">error: {r.error}</p> : null}
      {r.skipped ? <p class="warn">skipped: {r.skipped}</p> : null}
      {(r.warnings ?? []).map((w) => (
        <p class="warn">{w}</p>
      ))}
      <h2>Gate</h2>
      {r.gate ? (
        <p data-gate={r.gate.promoted ? 'passed' : 'refused'}>
          <strong class={r.gate.promoted ? 'good' : 'bad'}>{r.gate.promoted ? 'Passed' : 'Refused'}</strong> on {r.gate.metric}: candidate{' '}
          {fmt(r.gate.candidate, 4)}, champion {fmt(r.gate.champion, 4)}, required improvement {(r.gate.minImprovement * 100).toFixed(1)}%.
          Why: {r.gate.reason}
        </p>
      ) : (
        <p class="muted">The run did not reach the gate.</p>
      )}
      <h2>Stages and learning curve</h2>
      {r.stages.length ? <Chart spec={stagesSpec(r)} label="stage timings" /> : null}
      {curve.length ? (
        <>
          <Chart
            spec={curveSpec(curve, 'loss', 'Training loss')}
            label="learning curve: loss"
            caption={r.bestEpoch ? `weights kept from epoch ${r.bestEpoch}` : undefined}
          />
          {curve.some((p) => p.valid !== null) ? (
            <Chart spec={curveSpec(curve, 'valid', 'Validation NDCG@10')} label="learning curve: validation NDCG@10" />
          ) : null}
        </>
      ) : (
        <p class="muted">No learning curve recorded for this run.</p>
      )}
      <DataTable columns={['stage', { label: 'time', class: 'num' }]} rows={r.stages.map((s) => [s.stage, duration(s.ms)])} />
      <h2>Offline results of the run ({String(r.metrics?.testUsers ?? '—')} test users)</h2>
      <DataTable
        columns={['model', { label: r.gate?.metric ?? 'metric', class: 'num' }]}
        rows={Object.entries(byModel).map(([name, v]) => [name, fmt(v, 4)])}
      />
      <h2>Data</h2>
      <p>
        {r.data.source}
        {r.data.path ? ` ${r.data.path}` : ''}
        {r.data.sha256 ? ` sha256:${r.data.sha256.slice(0, 12)}` : ''}
        {`; rows read ${r.data.rowsRead ?? '—'}, kept ${r.data.rowsKept ?? '—'}; fresh events ${r.newEvents.total} since ${r.newEvents.since ?? 'the beginning'}`}
      </p>
      <pre>{JSON.stringify(r.params, null, 2)}</pre>
    </Page>
  );
}
