/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The Models pages: every model with its aliases and versions (offline NDCG@10 with its interval,
 * feature set, lineage, size), two versions side by side, and the alias forms (promote, roll
 * back) that need the admin token and a confirmation.
 */
import type { Manifest } from '../../../src/registry/manifest.js';
import { bytes, Chart, DataTable, fmt, Page, withInterval } from '../layout.js';
import { flatMetrics, type ModelSummary, type VersionSummary } from '../models-data.js';

const modelHref = (name: string) => `/ui/models/${encodeURIComponent(name)}`;
const shortCommit = (c: string | null | undefined) => (c ? c.slice(0, 10) : '—');

/** `/ui/models`: one row per model. */
export function ModelsPage(props: { models: ModelSummary[]; modelsDir: string }) {
  return (
    <Page title="Models" section="/ui/models">
      <p class="muted">Models in {props.modelsDir}</p>
      {props.models.length === 0 ? (
        <p>
          No models published yet: run <code>workbench train</code> or <code>workbench pipeline run</code>.
        </p>
      ) : (
        <DataTable
          caption="models, their aliases and latest version"
          columns={['model', { label: 'versions', class: 'num' }, 'aliases', 'latest', 'NDCG@10 of latest [95% interval]']}
          rows={props.models.map((m) => {
            const latest = m.versions[0];
            return [
              <a href={modelHref(m.name)}>{m.name}</a>,
              m.versions.length,
              m.aliases.map((a) => (
                <span class="alias">
                  {a.alias} → v{a.version}
                </span>
              )),
              latest ? `v${latest.version} ${latest.manifest?.kind ?? ''}` : '—',
              latest?.ndcg10 ? withInterval(latest.ndcg10.mean, latest.ndcg10.lo, latest.ndcg10.hi) : '—',
            ];
          })}
        />
      )}
    </Page>
  );
}

/** A message above the model page (after a form), ok or refused. */
export interface Flash {
  kind: 'notice' | 'error';
  text: string;
}

function lineageLine(m: Manifest) {
  const data = m.lineage.data;
  return `${data.source}${data.sha256 ? ` sha256:${data.sha256.slice(0, 12)}` : ''}; commit ${shortCommit(m.lineage.gitCommit)}; seed ${m.lineage.seed ?? '—'}`;
}

function VersionRow(props: { name: string; v: VersionSummary; previous?: number }) {
  const { v } = props;
  const m = v.manifest;
  if (!m) {
    return (
      <tr>
        <td>v{v.version}</td>
        <td colspan={7} class="bad">
          unreadable: {v.problem}
        </td>
      </tr>
    );
  }
  const features = m.featureContract.names?.length;
  const fs = (m as { featureSet?: { name?: string; id?: string } }).featureSet;
  return (
    <tr>
      <td>
        v{v.version}{' '}
        {v.aliases.map((a) => (
          <span class="alias">{a}</span>
        ))}
      </td>
      <td>{m.kind}</td>
      <td>{m.createdAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}</td>
      <td>{v.ndcg10 ? withInterval(v.ndcg10.mean, v.ndcg10.lo, v.ndcg10.hi) : '—'}</td>
      <td>{fs ? `${fs.name ?? ''} ${fs.id ?? ''} (${features ?? 0} features)` : features ? `${features} features` : '—'}</td>
      <td>
        {lineageLine(m)}
        <br />
        <span class="muted">{m.lineage.producer}</span>
        {m.run ? (
          <>
            {' '}
            <a href={`/ui/runs/${encodeURIComponent(m.run.id)}`}>run</a>
          </>
        ) : null}
      </td>
      <td class="num">{bytes(v.bytes)}</td>
      <td>
        {props.previous ? (
          <a href={`${modelHref(props.name)}/compare?a=${props.previous}&b=${v.version}`}>compare with v{props.previous}</a>
        ) : null}
      </td>
    </tr>
  );
}

function ndcgChart(m: ModelSummary) {
  const values = m.versions
    .filter((v) => v.ndcg10)
    .map((v) => ({
      version: `v${v.version}`,
      kind: v.manifest?.kind ?? '',
      mean: v.ndcg10?.mean,
      lo: v.ndcg10?.lo ?? v.ndcg10?.mean,
      hi: v.ndcg10?.hi ?? v.ndcg10?.mean,
    }))
    .reverse();
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: 'Offline NDCG@10 by version (95% bootstrap interval)',
    width: 420,
    height: 200,
    data: { values },
    encoding: { x: { field: 'version', type: 'nominal', sort: null, title: 'version' } },
    layer: [
      {
        mark: 'rule',
        encoding: { y: { field: 'lo', type: 'quantitative', title: 'NDCG@10', scale: { zero: false } }, y2: { field: 'hi' } },
      },
      {
        mark: { type: 'point', filled: true, size: 80 },
        encoding: { y: { field: 'mean', type: 'quantitative' }, color: { field: 'kind', type: 'nominal' } },
      },
    ],
  };
}

/** The alias forms: move (promote) and roll back, each with token, confirmation and CSRF token. */
function AliasForms(props: { m: ModelSummary; csrf: string; adminEnabled: boolean }) {
  const { m } = props;
  const action = `${modelHref(m.name)}/aliases`;
  const aliasNames = [...new Set(['champion', 'challenger', ...m.aliases.map((a) => a.alias)])];
  if (!props.adminEnabled) {
    return (
      <p class="muted">
        Alias changes are disabled: start the service (or <code>workbench ui</code>) with <code>WORKBENCH_ADMIN_TOKEN</code> set.
      </p>
    );
  }
  return (
    <>
      <form method="post" action={action}>
        <fieldset>
          <legend>Promote: point an alias at a version</legend>
          <input type="hidden" name="csrf" value={props.csrf} />
          <input type="hidden" name="action" value="promote" />
          <label>
            alias{' '}
            <select name="alias" id="promote-alias">
              {aliasNames.map((a) => (
                <option value={a}>{a}</option>
              ))}
            </select>
          </label>
          <label>
            version{' '}
            <select name="version" id="promote-version">
              {m.versions.map((v) => (
                <option value={String(v.version)}>
                  v{v.version} {v.manifest?.kind ?? ''}
                </option>
              ))}
            </select>
          </label>
          <br />
          <label>
            admin token <input type="password" name="token" id="promote-token" autocomplete="off" />
          </label>
          <label>
            <input type="checkbox" name="confirm" value="yes" id="promote-confirm" /> I confirm this alias change
          </label>
          <button type="submit">Move alias</button>
        </fieldset>
      </form>
      {m.aliases
        .filter((a) => a.history.length > 0)
        .map((a) => (
          <form method="post" action={action}>
            <fieldset>
              <legend>
                Roll back {a.alias} from v{a.version} to v{a.history.at(-1)?.version}
              </legend>
              <input type="hidden" name="csrf" value={props.csrf} />
              <input type="hidden" name="action" value="rollback" />
              <input type="hidden" name="alias" value={a.alias} />
              <label>
                admin token <input type="password" name="token" autocomplete="off" aria-label={`admin token to roll back ${a.alias}`} />
              </label>
              <label>
                <input type="checkbox" name="confirm" value="yes" aria-label={`confirm the rollback of ${a.alias}`} /> I confirm the
                rollback
              </label>
              <button type="submit">Roll back {a.alias}</button>
            </fieldset>
          </form>
        ))}
    </>
  );
}

/** One side of the compare form: a version picker, `selectedIndex` (0 = newest) chosen. */
function VersionSelect(props: { m: ModelSummary; letter: 'A' | 'B'; selectedIndex: number }) {
  const name = props.letter.toLowerCase();
  return (
    <label>
      version {props.letter}{' '}
      <select name={name} id={`compare-${name}`}>
        {props.m.versions.map((v, i) => (
          <option value={String(v.version)} selected={i === props.selectedIndex}>
            v{v.version}
          </option>
        ))}
      </select>
    </label>
  );
}

/** `/ui/models/{name}`: aliases, versions, the NDCG chart and the alias forms. */
export function ModelPage(props: { m: ModelSummary; csrf: string; adminEnabled: boolean; flash?: Flash }) {
  const { m } = props;
  return (
    <Page title={`Model ${m.name}`} section="/ui/models">
      {props.flash ? (
        <p class={props.flash.kind} role={props.flash.kind === 'error' ? 'alert' : 'status'}>
          {props.flash.text}
        </p>
      ) : null}
      <h2>Aliases</h2>
      {m.aliasProblem ? <p class="bad">aliases.json is unreadable: {m.aliasProblem}</p> : null}
      {m.aliases.length === 0 ? (
        <p class="muted">No aliases yet.</p>
      ) : (
        <DataTable columns={['alias', 'version', 'since', 'earlier versions (oldest first)']}>
          {m.aliases.map((a) => (
            <tr data-alias={a.alias}>
              <td>{a.alias}</td>
              <td data-version={String(a.version)}>v{a.version}</td>
              <td>{a.since}</td>
              <td>{a.history.map((h) => `v${h.version}`).join(', ') || '—'}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <AliasForms m={m} csrf={props.csrf} adminEnabled={props.adminEnabled} />
      <h2>Versions</h2>
      {m.versions.some((v) => v.ndcg10) ? <Chart spec={ndcgChart(m)} label="NDCG@10 by version" /> : null}
      <DataTable
        columns={[
          'version',
          'kind',
          'published',
          'NDCG@10 [95% interval]',
          'feature set',
          'lineage',
          { label: 'size', class: 'num' },
          'compare',
        ]}
      >
        {m.versions.map((v, i) => (
          <VersionRow name={m.name} v={v} previous={m.versions[i + 1]?.version} />
        ))}
      </DataTable>
      {m.versions.length >= 2 ? (
        <form method="get" action={`${modelHref(m.name)}/compare`}>
          <fieldset>
            <legend>Compare two versions</legend>
            <VersionSelect m={m} letter="A" selectedIndex={1} />
            <VersionSelect m={m} letter="B" selectedIndex={0} />
            <button type="submit">Compare</button>
          </fieldset>
        </form>
      ) : null}
    </Page>
  );
}

const json = (v: unknown) => (v === undefined ? '—' : typeof v === 'string' ? v : JSON.stringify(v));

/** `/ui/models/{name}/compare?a=&b=`: two versions side by side; rows that differ are marked. */
export function ComparePage(props: { name: string; a: VersionSummary; b: VersionSummary }) {
  const { a, b } = props;
  const ma = a.manifest;
  const mb = b.manifest;
  const rows: [string, string, string][] = [];
  const add = (label: string, x: unknown, y: unknown) => rows.push([label, json(x), json(y)]);
  add('kind', ma?.kind, mb?.kind);
  add('published', ma?.createdAt, mb?.createdAt);
  add('aliases', a.aliases.join(', ') || '—', b.aliases.join(', ') || '—');
  add('size', bytes(a.bytes), bytes(b.bytes));
  add(
    'NDCG@10 [95%]',
    a.ndcg10 ? withInterval(a.ndcg10.mean, a.ndcg10.lo, a.ndcg10.hi) : '—',
    b.ndcg10 ? withInterval(b.ndcg10.mean, b.ndcg10.lo, b.ndcg10.hi) : '—',
  );
  const fa = ma ? flatMetrics(ma) : {};
  const fb = mb ? flatMetrics(mb) : {};
  for (const k of [...new Set([...Object.keys(fa), ...Object.keys(fb)])]) add(k, fmt(fa[k], 4), fmt(fb[k], 4));
  add('features', ma?.featureContract.names?.join(', '), mb?.featureContract.names?.join(', '));
  add('data', ma?.lineage.data, mb?.lineage.data);
  add('split', ma?.lineage.split, mb?.lineage.split);
  const pa = (ma?.lineage.params ?? {}) as Record<string, unknown>;
  const pb = (mb?.lineage.params ?? {}) as Record<string, unknown>;
  for (const k of [...new Set([...Object.keys(pa), ...Object.keys(pb)])]) add(`param ${k}`, pa[k], pb[k]);
  add('seed', ma?.lineage.seed, mb?.lineage.seed);
  add('git commit', ma?.lineage.gitCommit, mb?.lineage.gitCommit);
  add('produced by', ma?.lineage.producer, mb?.lineage.producer);
  add('TF.js backend', ma?.lineage.tfjsBackend, mb?.lineage.tfjsBackend);
  return (
    <Page title={`${props.name}: v${a.version} vs v${b.version}`} section="/ui/models">
      <p>
        <a href={modelHref(props.name)}>back to {props.name}</a>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">field</th>
            <th scope="col">v{a.version}</th>
            <th scope="col">v{b.version}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map(([label, x, y]) => (
            <tr class={x !== y ? 'differs' : undefined}>
              <th scope="row">{label}</th>
              <td>{x}</td>
              <td>{y}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted">Highlighted rows differ between the two versions.</p>
    </Page>
  );
}
