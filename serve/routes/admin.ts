/**
 * Admin routes, only when WORKBENCH_ADMIN_TOKEN is set (else 404 `admin_disabled`), behind
 * `Authorization: Bearer <token>`:
 *   POST /admin/reload                          re-read the registry now (and retry refused versions)
 *   PUT  /admin/models/{name}/aliases/{alias}   {version}: move an alias in the registry, then reload
 *                                               (200 when done in half the request timeout, else 202: poll)
 *   GET  /admin/models/{name}/aliases/{alias}   the last change asked for: pending, done or failed
 * In a cluster, the worker that receives the call reloads at once and asks the others to (through
 * the primary); every worker also picks the change up at its next poll.
 */
import { createRoute, z } from '@hono/zod-openapi';
import { errorMessage, NotFoundError, WorkbenchError } from '../../src/errors.js';
import { adminAuth } from '../auth.js';
import { parseOr400, readBody } from '../body.js';
import { ApiError } from '../http-errors.js';
import { aliasParamSchema, aliasParamsSchema, modelNameSchema, reloadResponseSchema, setAliasRequestSchema } from '../schemas.js';
import { type App, errorResponses, jsonBody, jsonResponse, mount, type Resolved } from './shared.js';

const security = [{ bearer: [] }];

/** Mounts the admin routes (and their bearer-token guard). */
export function mountAdminRoutes(app: App, d: Resolved): void {
  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.use('/admin/*', adminAuth(d.adminToken));
  mountReloadRoute(app, d);
  const changes = new AliasChanges(d);
  mountSetAliasRoute(app, d, changes);
  mountAliasChangeRoute(app, changes);
}

/** The last alias change asked for per model and alias, for GET .../aliases/{alias} to report. */
class AliasChanges {
  private readonly byKey = new Map<string, AliasChangeStatus>();

  constructor(private readonly d: Resolved) {}

  get(name: string, alias: string): AliasChangeStatus | undefined {
    return this.byKey.get(`${name}\u0000${alias}`);
  }

  set(change: AliasChangeStatus): void {
    this.byKey.set(`${change.name}\u0000${change.alias}`, change);
  }

  /** The change and what the alias resolves to in this process now. */
  statusOf(change: AliasChangeStatus) {
    return { ...change, serving: this.d.store.resolve(change.name, { alias: change.alias }) ?? null };
  }
}

function mountReloadRoute(app: App, d: Resolved): void {
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
}

function mountSetAliasRoute(app: App, d: Resolved, changes: AliasChanges): void {
  mount(
    app,
    createRoute({
      method: 'put',
      path: '/admin/models/{name}/aliases/{alias}',
      summary: 'Point an alias at a version in the registry (promote or roll back), then reload',
      security,
      request: { params: aliasParamsSchema, body: jsonBody(setAliasRequestSchema) },
      responses: {
        200: jsonResponse(aliasChangeSchema, 'alias moved; `serving` is what the alias resolves to in this process now'),
        202: jsonResponse(aliasChangeSchema, 'still checking or loading the version: poll the Location (GET on the same path)'),
        ...errorResponses(400, 401, 403, 404, 409, 413, 415, 501),
      },
    }),
    async (c) => {
      const name = parseOr400(modelNameSchema, c.req.param('name'), 'path', 'name');
      const alias = parseOr400(aliasParamSchema, c.req.param('alias'), 'path', 'alias');
      const { version } = await readBody(c, setAliasRequestSchema, d.body);
      const setAlias = d.setAlias;
      if (!setAlias) throw new ApiError(501, 'not_implemented', 'this service has no registry writer configured for aliases');
      const change: AliasChangeStatus = { name, alias, version, status: 'pending', since: new Date().toISOString() };
      changes.set(change);
      const work = applyAliasChange(d, setAlias, change);
      // Checking and loading a version can outlast the request timeout; a 504 then would report a
      // change that still takes effect as failed. Past half the time limit, answer 202 with where to look.
      if ((await finishedWithin(work, Math.max(1, Math.floor(d.requestTimeoutMs / 2)))) === 'pending') {
        return c.json(changes.statusOf(change), 202, { Location: `/admin/models/${name}/aliases/${alias}` });
      }
      return c.json(changes.statusOf(change), 200);
    },
  );
}

/** Moves the alias in the registry and reloads; `change` records how it ended. Rejects as the route should answer. */
async function applyAliasChange(d: Resolved, setAlias: NonNullable<Resolved['setAlias']>, change: AliasChangeStatus): Promise<void> {
  const { name, alias, version } = change;
  try {
    try {
      await setAlias(name, alias, version);
    } catch (err) {
      throw aliasError(err);
    }
    d.onReloadRequested?.();
    await d.store.reload();
    change.status = 'done';
  } catch (err) {
    change.status = 'failed';
    change.error = errorMessage(err);
    d.logger.warn('alias change failed', { model: name, alias, version, error: change.error });
    throw err;
  }
}

/** `work`'s outcome if it settles within `ms` (rejecting as it does), else 'pending'. */
async function finishedWithin(work: Promise<void>, ms: number): Promise<'done' | 'pending'> {
  let timer: NodeJS.Timeout | undefined;
  const budget = new Promise<'pending'>((resolve) => {
    timer = setTimeout(() => resolve('pending'), ms);
  });
  // Still running when the budget ends: its failure is recorded in the change, not unhandled.
  work.catch(() => undefined);
  try {
    return await Promise.race([work.then(() => 'done' as const), budget]);
  } finally {
    clearTimeout(timer);
  }
}

function mountAliasChangeRoute(app: App, changes: AliasChanges): void {
  mount(
    app,
    createRoute({
      method: 'get',
      path: '/admin/models/{name}/aliases/{alias}',
      summary: 'The last alias change asked of this process (pending, done or failed) and what the alias serves now',
      security,
      request: { params: aliasParamsSchema },
      responses: { 200: jsonResponse(aliasChangeSchema, 'the change and what is served'), ...errorResponses(400, 401, 403, 404) },
    }),
    (c) => {
      const name = parseOr400(modelNameSchema, c.req.param('name'), 'path', 'name');
      const alias = parseOr400(aliasParamSchema, c.req.param('alias'), 'path', 'alias');
      const change = changes.get(name, alias);
      if (!change) throw new ApiError(404, 'not_found', `no alias change of ${name}/${alias} was asked of this process`);
      return c.json(changes.statusOf(change), 200);
    },
  );
}

/** One alias change and how far it got. */
interface AliasChangeStatus {
  name: string;
  alias: string;
  /** The version asked for. */
  version: number;
  status: 'pending' | 'done' | 'failed';
  since: string;
  error?: string;
}

const aliasChangeSchema = z.object({
  name: z.string(),
  alias: z.string(),
  version: z.number().int(),
  status: z.enum(['pending', 'done', 'failed']),
  since: z.string(),
  error: z.string().optional(),
  serving: z.number().int().nullable().openapi({ description: 'what the alias resolves to in this process now' }),
});

/** Maps a registry refusal to the route's error statuses. */
function aliasError(err: unknown): unknown {
  if (err instanceof NotFoundError || err instanceof ApiError) return err;
  if (err instanceof WorkbenchError) {
    // Registry codes: invalid_input (bad request), registry_busy / storage_error (retry), else the version was refused.
    const unavailable = err.code === 'registry_busy' || err.code === 'storage_error';
    const status = err.code === 'invalid_input' ? 400 : unavailable ? 503 : 409;
    return new ApiError(status, unavailable ? err.code : 'alias_refused', err.message, { cause: err });
  }
  return err;
}
