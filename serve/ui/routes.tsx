/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The UI's routes under `/ui` (and `/` redirecting there), mounted on the service's app or on the
 * stand-alone app of `workbench ui`. Pages are rendered on the server (Hono JSX, charts as SVG);
 * the only writes are the alias forms, which need the admin token, a ticked confirmation and the
 * CSRF token. Errors are HTML pages, never the API's JSON.
 */
import path from 'node:path';
import type { Context, Env, Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { errorMessage } from '../../src/errors.js';
import type { PipelineRunRecord } from '../../src/pipeline/pipeline-run.js';
import { listRunRecords } from '../../src/pipeline/run-record.js';
import { checkAliasName, checkModelName } from '../../src/registry/layout.js';
import { listModels } from '../../src/registry/load-version.js';
import { tokenMatches } from '../auth.js';
import { CSRF_FIELD, csrfProblem, csrfToken } from './csrf.js';
import { experimentView, findExperiments } from './experiments-data.js';
import { Page } from './layout.js';
import { LiveSampler, liveFigures } from './live-data.js';
import { readModel, readModels } from './models-data.js';
import { listNotebookRuns, notebookHtml, readNotebookRun } from './notebook-runs.js';
import type { UiOptions } from './options.js';
import { ExperimentPage, ExperimentsPage } from './pages/experiments.js';
import { LivePage, LiveUnavailablePage } from './pages/live.js';
import { ComparePage, type Flash, ModelPage, ModelsPage } from './pages/models.js';
import { NotebookRunPage, NotebookRunsPage } from './pages/notebooks.js';
import { RunPage, RunsPage } from './pages/runs.js';

type Status = 400 | 403 | 404 | 409 | 413 | 500 | 503;

/** The largest form the UI accepts (its forms are a few hundred bytes). */
const MAX_FORM_BYTES = 16 * 1024;

/** An HTML error page with a status. */
function errorPage(c: Context, status: Status, title: string, message: string) {
  return c.html(
    <Page title={title} section="">
      <p class="error" role="alert">
        {message}
      </p>
    </Page>,
    status,
  );
}

/** The model name of a path, or undefined when it cannot be one. */
function modelParam(c: Context): string | undefined {
  try {
    return checkModelName(c.req.param('name') ?? '');
  } catch {
    return undefined;
  }
}

const notebookDir = (o: UiOptions) => path.join(o.runsDir, 'notebooks');

/** Wraps a page handler: an exception becomes a 500 HTML page instead of the API's JSON. */
function page<E extends Env>(handler: (c: Context<E>) => Promise<Response>) {
  return async (c: Context<E>) => {
    try {
      return await handler(c);
    } catch (err) {
      return errorPage(c, 500, 'Something went wrong', errorMessage(err));
    }
  };
}

/** Mounts every UI route on `app`. */
export function mountUi<E extends Env>(app: Hono<E>, options: UiOptions): void {
  app.post(
    '/ui/*',
    bodyLimit({
      maxSize: MAX_FORM_BYTES,
      onError: (c) => errorPage(c, 413, 'Form too large', `forms are at most ${MAX_FORM_BYTES} bytes`),
    }),
  );
  app.get('/', (c) => c.redirect('/ui/models'));
  app.get('/ui', (c) => c.redirect('/ui/models'));
  app.get('/ui/', (c) => c.redirect('/ui/models'));
  mountModelRoutes(app, options);
  mountExperimentRoutes(app, options);
  mountRunRoutes(app, options);
  mountLiveRoutes(app, options);
  mountNotebookRoutes(app, options);
}

/** `/ui/models`, one model, the compare page and the alias form. */
function mountModelRoutes<E extends Env>(app: Hono<E>, options: UiOptions): void {
  app.get(
    '/ui/models',
    page(async (c) => c.html(<ModelsPage models={await readModels(options.modelsDir)} modelsDir={options.modelsDir} />)),
  );

  const modelPage = async (c: Context, name: string, flash?: Flash, status: 200 | Status = 200) => {
    if (!(await listModels(options.modelsDir)).includes(name))
      return errorPage(c, 404, 'No such model', `no model "${name}" in ${options.modelsDir}`);
    const m = await readModel(options.modelsDir, name);
    return c.html(<ModelPage m={m} csrf={csrfToken(c)} adminEnabled={Boolean(options.adminToken)} flash={flash} />, status);
  };

  app.get(
    '/ui/models/:name',
    page(async (c) => {
      const name = modelParam(c);
      if (!name) return errorPage(c, 404, 'No such model', 'that is not a model name');
      const moved = c.req.query('moved');
      let flash: Flash | undefined;
      if (moved) {
        const alias = (await readModel(options.modelsDir, name)).aliases.find((a) => a.alias === moved);
        if (alias) flash = { kind: 'notice', text: `${alias.alias} now names v${alias.version}` };
      }
      return modelPage(c, name, flash);
    }),
  );

  app.get(
    '/ui/models/:name/compare',
    page(async (c) => {
      const name = modelParam(c);
      if (!name) return errorPage(c, 404, 'No such model', 'that is not a model name');
      const m = await readModel(options.modelsDir, name);
      const pick = (q: string) => m.versions.find((v) => String(v.version) === c.req.query(q));
      const a = pick('a');
      const b = pick('b');
      if (!a || !b) return errorPage(c, 404, 'No such version', `compare needs ?a=VERSION&b=VERSION of ${name}'s versions`);
      return c.html(<ComparePage name={name} a={a} b={b} />);
    }),
  );

  app.post(
    '/ui/models/:name/aliases',
    page(async (c) => {
      const name = modelParam(c);
      if (!name) return errorPage(c, 404, 'No such model', 'that is not a model name');
      const form = await c.req.parseBody();
      const refuse = (status: Status, text: string) => modelPage(c, name, { kind: 'error', text }, status);
      const forged = csrfProblem(c, form[CSRF_FIELD]);
      if (forged) return refuse(403, `Refused: ${forged}.`);
      if (!options.adminToken) return refuse(403, 'Refused: alias changes are disabled (no WORKBENCH_ADMIN_TOKEN is set).');
      const token = typeof form.token === 'string' ? form.token : '';
      if (!token) return refuse(403, 'Refused: type the admin token.');
      if (!tokenMatches(token, options.adminToken)) return refuse(403, 'Refused: the admin token is wrong.');
      if (form.confirm !== 'yes') return refuse(400, 'Nothing changed: tick the confirmation box to move an alias.');
      const alias = typeof form.alias === 'string' ? form.alias : '';
      try {
        checkAliasName(alias);
        if (form.action === 'rollback') await options.aliases.rollback(name, alias);
        else if (form.action === 'promote') {
          const raw = typeof form.version === 'string' ? form.version : '';
          if (!/^[1-9][0-9]{0,14}$/.test(raw)) return refuse(400, `Nothing changed: version "${raw}" is not a version number.`);
          await options.aliases.set(name, alias, Number(raw));
        } else return refuse(400, 'Nothing changed: the form names no action (promote or rollback).');
      } catch (err) {
        return refuse(409, `Refused by the registry: ${errorMessage(err)}`);
      }
      await options.afterAliasChange?.();
      return c.redirect(`/ui/models/${encodeURIComponent(name)}?moved=${encodeURIComponent(alias)}`, 303);
    }),
  );
}

/** `/ui/experiments` and one experiment's report. */
function mountExperimentRoutes<E extends Env>(app: Hono<E>, options: UiOptions): void {
  app.get(
    '/ui/experiments',
    page(async (c) =>
      c.html(<ExperimentsPage found={await findExperiments(options.experimentsDir, options.experiments)} dir={options.experimentsDir} />),
    ),
  );

  app.get(
    '/ui/experiments/:id',
    page(async (c) => {
      const id = c.req.param('id');
      const found = (await findExperiments(options.experimentsDir, options.experiments)).find(
        (f) => 'experiment' in f && f.experiment.id === id,
      );
      if (!found || !('experiment' in found)) return errorPage(c, 404, 'No such experiment', `no experiment config with id "${id}"`);
      const view = await experimentView(found.experiment, {
        eventsDir: options.eventsDir,
        modelsDir: options.modelsDir,
        defaultModel: options.defaultModel,
      });
      return c.html(<ExperimentPage view={view} />);
    }),
  );
}

/** `/ui/runs` and one pipeline run. */
function mountRunRoutes<E extends Env>(app: Hono<E>, options: UiOptions): void {
  const runs = () => {
    const { records, unreadable } = listRunRecords(options.runsDir);
    return { runs: (records as PipelineRunRecord[]).reverse(), unreadable };
  };
  app.get(
    '/ui/runs',
    page(async (c) => c.html(<RunsPage {...runs()} runsDir={options.runsDir} />)),
  );
  app.get(
    '/ui/runs/:id',
    page(async (c) => {
      const r = runs().runs.find((x) => x.runId === c.req.param('id'));
      if (!r) return errorPage(c, 404, 'No such run', `no pipeline run "${c.req.param('id')}" in ${options.runsDir}`);
      return c.html(<RunPage r={r} />);
    }),
  );
}

/** `/ui/live`: the service's metrics, sampled on each visit. */
function mountLiveRoutes<E extends Env>(app: Hono<E>, options: UiOptions): void {
  const sampler = new LiveSampler();
  app.get(
    '/ui/live',
    page(async (c) => {
      if (!options.metricsText) return c.html(<LiveUnavailablePage />);
      let text: string;
      try {
        text = await options.metricsText();
      } catch (err) {
        return errorPage(c, 503, 'Live', `the service's metrics could not be read: ${errorMessage(err)}`);
      }
      const f = liveFigures(text);
      const perSecond = sampler.add(Date.now(), f.apiRequests);
      return c.html(<LivePage f={f} perSecond={perSecond} rates={sampler.rates()} source="this service's /metrics" />);
    }),
  );
}

/** `/ui/notebooks`, one notebook run and its executed copy as HTML. */
function mountNotebookRoutes<E extends Env>(app: Hono<E>, options: UiOptions): void {
  app.get(
    '/ui/notebooks',
    page(async (c) => c.html(<NotebookRunsPage runs={await listNotebookRuns(notebookDir(options))} dir={notebookDir(options)} />)),
  );
  app.get(
    '/ui/notebooks/:id',
    page(async (c) => {
      const run = await readNotebookRun(notebookDir(options), c.req.param('id') ?? '');
      if (!run) return errorPage(c, 404, 'No such notebook run', `no notebook run "${c.req.param('id')}"`);
      return c.html(<NotebookRunPage run={run} />);
    }),
  );
  app.get(
    '/ui/notebooks/:id/executed.html',
    page(async (c) => {
      const run = await readNotebookRun(notebookDir(options), c.req.param('id') ?? '');
      if (!run || !('record' in run)) return errorPage(c, 404, 'No such notebook run', `no notebook run "${c.req.param('id')}"`);
      const file = path.join(notebookDir(options), run.id, path.basename(run.record.executed));
      let html: string;
      try {
        html = await notebookHtml(file);
      } catch (err) {
        return errorPage(c, 503, 'Executed notebook', `the executed notebook could not be converted to HTML: ${errorMessage(err)}`);
      }
      // The notebook's own HTML runs no script of ours: a sandbox without scripts or same-origin.
      return c.html(html, 200, {
        'Content-Security-Policy': "sandbox; default-src data: ; style-src data: 'unsafe-inline'; img-src data:",
      });
    }),
  );
}
