/** @jsxRuntime automatic */
/** @jsxImportSource hono/jsx */
/**
 * The stand-alone UI app of `workbench ui`: the same pages as the service's `/ui`, over folders,
 * with no model loaded and no service running.
 */
import { Hono } from 'hono';
import { Page } from './layout.js';
import type { UiOptions } from './options.js';
import { mountUi } from './routes.js';

/** A Hono app serving only the UI. */
export function createUiApp(options: UiOptions): Hono {
  const app = new Hono();
  mountUi(app, options);
  app.notFound((c) =>
    c.html(
      <Page title="Not found" section="">
        <p class="error">No page at {c.req.path}. The pages are under /ui.</p>
      </Page>,
      404,
    ),
  );
  return app;
}
