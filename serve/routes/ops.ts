/**
 * Operations routes: GET /healthz (the process is alive), GET /readyz (200 only when the control
 * variant of the recommendation model, and the champion of any other served model, is loaded and
 * warmed, and the service is not draining), GET /metrics (Prometheus text), GET /openapi.json.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { CHAMPION } from '../model-store.js';
import { readinessSchema } from '../schemas.js';
import { type App, jsonResponse, mount, mountHidden, type Resolved } from './shared.js';

/** The readiness report. */
export function readiness(d: Resolved): z.infer<typeof readinessSchema> {
  const models: z.infer<typeof readinessSchema>['models'] = {};
  for (const name of d.store.names) {
    const ref = name === d.router.modelName ? d.router.controlRef : { alias: CHAMPION };
    const version = d.store.resolve(name, ref);
    const what = 'version' in ref ? `version ${ref.version}` : `alias "${ref.alias}"`;
    models[name] = version !== undefined ? { ready: true, version } : { ready: false, reason: `${what} has no loaded, warmed model` };
  }
  const draining = d.state.draining;
  const ready = !draining && Object.values(models).every((m) => m.ready);
  const userState = d.userState?.health();
  if (!userState) return { ready, draining, models };
  // Without user state the service still answers (model-only features): degraded, not unready.
  return { ready, draining, models, userState, ...(userState.available ? {} : { degraded: ['user_state' as const] }) };
}

/** Mounts the operations routes. */
export function mountOpsRoutes(app: App, d: Resolved): void {
  const started = Date.now();
  mount(
    app,
    createRoute({
      method: 'get',
      path: '/healthz',
      summary: 'Liveness: the process answers',
      responses: { 200: jsonResponse(z.object({ status: z.literal('ok'), pid: z.number(), uptimeS: z.number() }), 'alive') },
    }),
    (c) => c.json({ status: 'ok' as const, pid: process.pid, uptimeS: Math.round((Date.now() - started) / 1000) }, 200),
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/readyz',
      summary: 'Readiness: 200 when a model is loaded and warmed and the service is not draining, else 503',
      responses: { 200: jsonResponse(readinessSchema, 'ready'), 503: jsonResponse(readinessSchema, 'not ready (yet), or draining') },
    }),
    (c) => {
      const r = readiness(d);
      return c.json(r, r.ready ? 200 : 503);
    },
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/metrics',
      summary: 'Prometheus metrics (aggregated over cluster workers)',
      responses: { 200: { description: 'Prometheus text exposition', content: { 'text/plain': { schema: z.string() } } } },
    }),
    async (c) => {
      const text = await d.metricsText();
      return c.body(text, 200, { 'Content-Type': d.metrics.registry.contentType });
    },
  );

  let doc: unknown;
  mountHidden(app, 'GET', '/openapi.json', (c) => {
    doc ??= app.getOpenAPI31Document({
      openapi: '3.1.0',
      info: {
        title: 'Ranking workbench recommendation service',
        version: '1',
        description: 'Errors are {"error": {"code", "message", "field"?}}; bad input is always a 4xx naming the field.',
      },
    });
    return c.json(doc as object, 200);
  });
}
