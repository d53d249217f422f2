/**
 * Model routes in TensorFlow Serving's REST shape:
 *   GET  /v1/models/{name}                          versions, aliases, load state (model_version_status)
 *   GET  /v1/models/{name}/versions/{version}       one version's state
 *   GET  /v1/models/{name}[/versions/{v}|/labels/{alias}]/metadata   feature contract + manifest
 *   POST /v1/models/{name}[/versions/{v}|/labels/{alias}]:predict     scores
 * Without a version or label, a route uses the `champion` alias (the newest good version until a
 * champion is promoted). Predict answers `instances` with `predictions` and columnar `inputs` with
 * `outputs`, as TF Serving does; errors use the service's error body (same status codes).
 * Hono note: `{name}:predict` is one path segment, so the router pattern is
 * `:target{[^/]+:predict}` and the name is the segment minus its `:predict` suffix.
 */
import { createRoute, type z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { PredictInstance } from '../../src/serving/servable.js';
import { parseOr400, readBody } from '../body.js';
import { ApiError } from '../http-errors.js';
import { CHAMPION, type VersionRef } from '../model-store.js';
import {
  aliasParamSchema,
  aliasParamsSchema,
  modelMetadataSchema,
  modelNameSchema,
  modelParamsSchema,
  modelStatusSchema,
  predictRequestSchema,
  predictResponseSchema,
  versionParamSchema,
  versionParamsSchema,
} from '../schemas.js';
import { prefetchUsers } from '../user-state-access.js';
import { type App, type AppEnv, errorResponses, jsonBody, jsonResponse, mount, type Resolved } from './shared.js';

const NAME = ':name{[^/:]+}';
const PREDICT = ':target{[^/]+:predict}';

type RefKind = 'default' | 'version' | 'label';

const paramsFor = { default: modelParamsSchema, version: versionParamsSchema, label: aliasParamsSchema } as const;
const suffixFor = { default: '', version: '/versions/{version}', label: '/labels/{alias}' } as const;

function refFrom(c: Context<AppEnv>, kind: RefKind, raw: Record<string, string>): { name: string; ref: VersionRef } {
  const name = parseOr400(modelNameSchema, raw.name, 'path', 'name');
  if (kind === 'version') return { name, ref: { version: parseOr400(versionParamSchema, raw.version, 'path', 'version') } };
  if (kind === 'label') return { name, ref: { alias: parseOr400(aliasParamSchema, raw.alias, 'path', 'alias') } };
  c.get('log').model = name;
  return { name, ref: { alias: CHAMPION } };
}

function toInstances(body: z.infer<typeof predictRequestSchema>): PredictInstance[] {
  if (body.instances) return body.instances;
  const cols = body.inputs!;
  return cols.userId.map((userId, i) => ({
    userId,
    itemId: cols.itemId[i],
    ...(cols.contextItemId ? { contextItemId: cols.contextItemId[i] } : {}),
  }));
}

/** Mounts the model routes. */
export function mountModelRoutes(app: App, d: Resolved): void {
  mountStatusRoutes(app, d);
  for (const kind of ['default', 'version', 'label'] as const) {
    mountMetadataRoute(app, d, kind);
    mountPredictRoute(app, d, kind);
  }
}

/** GET /v1/models/{name} and /v1/models/{name}/versions/{version}: load state. */
function mountStatusRoutes(app: App, d: Resolved): void {
  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/models/{name}',
      summary: 'Versions, aliases and load state of a model (TF Serving model_version_status)',
      request: { params: modelParamsSchema },
      responses: { 200: jsonResponse(modelStatusSchema, 'model status'), ...errorResponses(400, 404) },
    }),
    (c) => {
      const name = parseOr400(modelNameSchema, c.req.param('name'), 'path', 'name');
      const status = d.store.status(name);
      if (!status) throw new ApiError(404, 'model_not_found', `model "${name}" is not served here (serving: ${d.store.names.join(', ')})`);
      const { versions, ...rest } = status;
      return c.json(
        {
          name: rest.name,
          aliases: rest.aliases,
          model_version_status: versions,
          lastReloadAt: rest.lastReloadAt,
          lastError: rest.lastError,
        },
        200,
      );
    },
    `/v1/models/${NAME}`,
  );

  mount(
    app,
    createRoute({
      method: 'get',
      path: '/v1/models/{name}/versions/{version}',
      summary: "One version's load state",
      request: { params: versionParamsSchema },
      responses: { 200: jsonResponse(modelStatusSchema, 'model status with one version'), ...errorResponses(400, 404) },
    }),
    (c) => {
      const { name, ref } = refFrom(c, 'version', c.req.param());
      const version = 'version' in ref ? ref.version : 0;
      const status = d.store.status(name);
      if (!status) throw new ApiError(404, 'model_not_found', `model "${name}" is not served here`);
      const one = status.versions.filter((v) => v.version === version);
      if (one.length === 0) throw new ApiError(404, 'not_found', `model "${name}" has no version ${version}`);
      return c.json({ name, aliases: status.aliases, model_version_status: one }, 200);
    },
  );
}

/** GET .../metadata for the path kind: the selected version's feature contract and manifest. */
function mountMetadataRoute(app: App, d: Resolved, kind: RefKind): void {
  const docPath = `/v1/models/{name}${suffixFor[kind]}`;
  const honoBase = `/v1/models/${NAME}${suffixFor[kind].replace('{version}', ':version').replace('{alias}', ':alias')}`;
  mount(
    app,
    createRoute({
      method: 'get',
      path: `${docPath}/metadata`,
      summary: 'Feature contract and manifest of the version the path selects',
      request: { params: paramsFor[kind] },
      responses: { 200: jsonResponse(modelMetadataSchema, 'metadata'), ...errorResponses(400, 404, 503) },
    }),
    (c) => {
      const { name, ref } = refFrom(c, kind, c.req.param());
      const lease = d.store.acquire(name, ref);
      try {
        const m = lease.model;
        return c.json(
          {
            model: { name: m.name, version: m.version, kind: m.kind },
            featureContract: m.manifest.featureContract ?? null,
            manifest: m.manifest,
            scoring: m.scoring ?? null,
          },
          200,
        );
      } finally {
        lease.release();
      }
    },
    `${honoBase}/metadata`,
  );
}

/** POST ...:predict for the path kind: scores in instance order, TF Serving style. */
function mountPredictRoute(app: App, d: Resolved, kind: RefKind): void {
  const docPath = `/v1/models/{name}${suffixFor[kind]}`;
  const predictHono =
    kind === 'default' ? `/v1/models/${PREDICT}` : `/v1/models/${NAME}${kind === 'version' ? '/versions/' : '/labels/'}${PREDICT}`;
  mount(
    app,
    createRoute({
      method: 'post',
      path: `${docPath}:predict`,
      summary: 'Score (user, item) instances, TensorFlow Serving REST style',
      request: { params: paramsFor[kind], body: jsonBody(predictRequestSchema) },
      responses: {
        200: jsonResponse(predictResponseSchema, 'scores in instance order'),
        ...errorResponses(400, 404, 413, 415, 503, 504),
      },
    }),
    async (c) => {
      const raw = { ...c.req.param() } as Record<string, string>;
      const target = (raw.target ?? '').slice(0, -':predict'.length);
      if (kind === 'default') raw.name = target;
      else if (kind === 'version') raw.version = target;
      else raw.alias = target;
      const { name, ref } = refFrom(c, kind, raw);
      const body = await readBody(c, predictRequestSchema, d.body);
      const instances = toInstances(body);
      await prefetchUsers(c, d.userState, [...new Set(instances.map((x) => x.userId))]);
      const lease = d.store.acquire(name, ref);
      let scores: number[];
      const model = { name: lease.model.name, version: lease.model.version };
      try {
        scores = lease.model.predict(instances);
      } finally {
        lease.release();
      }
      if (scores.length !== instances.length)
        throw new Error(`model ${model.name} v${model.version} returned ${scores.length} scores for ${instances.length} instances`);
      Object.assign(c.get('log'), { model: model.name, version: model.version, instances: instances.length });
      return c.json(body.instances ? { predictions: scores, model } : { outputs: scores, model }, 200);
    },
    predictHono,
  );
}
