/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/** The Notebook runs pages: parameters, duration, status, and the executed notebook as HTML. */

import { DataTable, duration, Page } from '../layout.js';
import type { NotebookRun } from '../notebook-runs.js';

const runHref = (id: string) => `/ui/notebooks/${encodeURIComponent(id)}`;

/** `/ui/notebooks`. */
export function NotebookRunsPage(props: { runs: NotebookRun[]; dir: string }) {
  return (
    <Page title="Notebook runs" section="/ui/notebooks">
      <p class="muted">
        Runs of <code>workbench notebook run</code> in {props.dir}
      </p>
      {props.runs.length === 0 ? <p>No notebook runs yet.</p> : null}
      <DataTable columns={['run', 'notebook', 'status', 'started', { label: 'duration', class: 'num' }, 'parameters']}>
        {props.runs.map((r) =>
          'record' in r ? (
            <tr>
              <td>
                <a href={runHref(r.id)}>{r.id}</a>
              </td>
              <td>{r.record.notebook}</td>
              <td class={r.record.status === 'ok' ? 'good' : 'bad'}>{r.record.status}</td>
              <td>{r.record.startedAt}</td>
              <td class="num">{duration(r.record.durationMs)}</td>
              <td>
                <code>{JSON.stringify(r.record.parameters)}</code>
              </td>
            </tr>
          ) : (
            <tr>
              <td>{r.id}</td>
              <td colspan={5} class="bad">
                {r.problem}
              </td>
            </tr>
          ),
        )}
      </DataTable>
    </Page>
  );
}

/** `/ui/notebooks/{id}`: the record, and the executed copy in a sandboxed frame. */
export function NotebookRunPage(props: { run: NotebookRun }) {
  const { run } = props;
  if (!('record' in run)) {
    return (
      <Page title={`Notebook run ${run.id}`} section="/ui/notebooks">
        <p class="bad">{run.problem}</p>
      </Page>
    );
  }
  const r = run.record;
  const error = r.error
    ? 'message' in r.error
      ? r.error.message
      : `cell ${r.error.cellIndex}: ${r.error.ename}: ${r.error.evalue}`
    : undefined;
  return (
    <Page title={`Notebook run ${run.id}`} section="/ui/notebooks">
      <p>
        {r.notebook}: <span class={r.status === 'ok' ? 'good' : 'bad'}>{r.status}</span>, started {r.startedAt}, took{' '}
        {duration(r.durationMs)}, kernel {r.kernel}.
      </p>
      {error ? <p class="error">{error}</p> : null}
      <h2>Parameters</h2>
      <pre>{JSON.stringify(r.parameters, null, 2)}</pre>
      <h2>Executed notebook</h2>
      <p>
        <a href={`${runHref(run.id)}/executed.html`}>open on its own</a>
      </p>
      <iframe
        title="executed notebook"
        src={`${runHref(run.id)}/executed.html`}
        sandbox=""
        style="width:100%;height:80vh;border:1px solid #d0d7de"
      />
    </Page>
  );
}
