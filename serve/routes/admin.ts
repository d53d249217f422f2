/**
 * Admin routes, only when WORKBENCH_ADMIN_TOKEN is set (else 404 `admin_disabled`), behind
 * `Authorization: Bearer <token>`:
 *   POST /admin/reload                          re-read the registry now (and retry refused versions)
 *   PUT  /admin/models/{name}/aliases/{alias}   {version}: move an alias in the registry, then reload
 * In a cluster, the worker that receives the call reloads at once and asks the others to (through
 * the primary); every worker also picks the change up at its next poll.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { NotFoundError, WorkbenchError } from '../../src/errors.js';
import { adminAuth } from '../auth.js';
import { parseOr400, readBody } from '../body.js';
import { ApiError } from '../errors.js';
import { aliasParamSchema, aliasParamsSchema, modelNameSchema, reloadResponseSchema, setAliasRequestSchema } from '../schemas.js';
import { type App, errorResponses, jsonBody, jsonResponse, mount, type Resolved } from './shared.js';

const security = [{ bearer: [] }];

/** Mounts the admin routes (and their bearer-token guard). */
export function mountAdminRoutes(app: App, d: Resolved): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.use('/admin/*', adminAuth(d.adminToken));

  mount(
    app,
    createRoute({
      method: 'post',
      path: '/admin/reload',
      summary: 'Reload models from the registry now, retrying refused versions',
      security,
      responses: { 200: jsonResponse(reloadResponseSchema, 'what each model did'), ...errorResponses(401, 403, 404) },
    }),
    async (c) => {
      d.onReloadRequested?.();
      const models = await d.store.reload({ retryFailed: true });
      return c.json({ models }, 200);
    },
  );

  mount(
    app,
    createRoute({
      method: 'put',
      path: '/admin/models/{name}/aliases/{alias}',
      summary: 'Point an alias at a version in the registry (promote or roll back), then reload',
      security,
      request: { params: aliasParamsSchema, body: jsonBody(setAliasRequestSchema) },
      responses: {
        200: jsonResponse(
          z.object({ name: z.string(), alias: z.string(), version: z.number().int(), serving: z.number().int().nullable() }),
          'alias moved; `serving` is what the alias resolves to in this process now',
        ),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415, 501),
      },
    }),
    async (c) => {
      const name = parseOr400(modelNameSchema, c.req.param('name'), 'path', 'name');
      const alias = parseOr400(aliasParamSchema, c.req.param('alias'), 'path', 'alias');
      const { version } = await readBody(c, setAliasRequestSchema, d.body);
      if (!d.setAlias) throw new ApiError(501, 'not_implemented', 'this service has no registry writer configured for aliases');
      try {
        await d.setAlias(name, alias, version);
      } catch (err) {
        if (err instanceof NotFoundError || err instanceof ApiError) throw err;
        if (err instanceof WorkbenchError) {
          // Registry codes: invalid_input (bad request), registry_busy (locked: retry), else the version was refused.
          const status = err.code === 'invalid_input' ? 400 : err.code === 'registry_busy' ? 503 : 409;
          throw new ApiError(status, err.code === 'registry_busy' ? 'registry_busy' : 'alias_refused', err.message, { cause: err });
        }
        throw err;
      }
      d.onReloadRequested?.();
      await d.store.reload();
      return c.json({ name, alias, version, serving: d.store.resolve(name, { alias }) ?? null }, 200);
    },
  );
}
