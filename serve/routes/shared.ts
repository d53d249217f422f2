/**
 * What every route module shares: the app type, the resolved dependencies, and `mount`, which
 * registers a route's OpenAPI description and its handler together, so every documented path
 * exists and every served path is documented. Paths served with other methods answer 405.
 */
import type { OpenAPIHono, RouteConfig, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { BodyLimits } from '../body.js';
import type { EventTimeWindow } from '../event-time.js';
import type { EventSink, ExposureBuffer } from '../exposure.js';
import { ApiError } from '../http-errors.js';
import type { LogFields, Logger } from '../logger.js';
import type { ModelStore } from '../model-store.js';
import { errorSchema } from '../schemas.js';
import type { ServiceMetrics } from '../service-metrics.js';
import type { UserStateAccess } from '../user-state-access.js';
import type { VariantRouter } from '../variants.js';

/** Per-request variables: the request id and fields added to its log line. */
export type AppEnv = { Variables: { requestId: string; log: LogFields } };

/** The service's Hono app. */
export type App = OpenAPIHono<AppEnv>;

/** In-flight requests and draining, shared between the app and the server's shutdown. */
export interface ServiceState {
  inFlight: number;
  draining: boolean;
}

/** Changes an alias in the registry (the lead wires this to src/registry's setAlias). */
export type SetAlias = (name: string, alias: string, version: number) => Promise<void>;

/** Dependencies after defaults are applied. */
export interface Resolved {
  store: ModelStore;
  router: VariantRouter;
  events?: EventSink;
  exposures?: ExposureBuffer;
  logExposures: boolean;
  metrics: ServiceMetrics;
  logger: Logger;
  adminToken?: string;
  setAlias?: SetAlias;
  onReloadRequested?: () => void;
  /** Body limits: bytes, chunks, read time. */
  body: BodyLimits;
  /** Per-request time limit (ms). */
  requestTimeoutMs: number;
  eventTimeWindow: EventTimeWindow;
  metricsText: () => Promise<string>;
  state: ServiceState;
  /** Shared user state to prefetch per request (absent: in-process state). */
  userState?: UserStateAccess;
}

type Handler = (c: Context<AppEnv>) => Response | Promise<Response>;

const perApp = new WeakMap<App, Map<string, Set<string>>>();

/**
 * Registers `route` in the OpenAPI document and serves it.
 * @param honoPath - the router pattern, when it differs from the documented path (e.g. `:predict`).
 */
export function mount(app: App, route: RouteConfig, handler: Handler, honoPath?: string): void {
  app.openAPIRegistry.registerPath(route);
  const path = honoPath ?? route.path.replaceAll(/\{([^}]+)\}/g, ':$1');
  app.on(route.method.toUpperCase(), path, handler);
  track(app, path, route.method.toUpperCase());
  if (path !== route.path) labels.set(path, route.path);
}

const labels = new Map<string, string>();

/** The documented path of a router pattern (`/v1/models/:name{[^/:]+}` -> `/v1/models/{name}`), for metrics and logs. */
export function routeLabel(routePath: string): string {
  return labels.get(routePath) ?? routePath;
}

function track(app: App, path: string, method: string): void {
  const methods = perApp.get(app) ?? new Map<string, Set<string>>();
  perApp.set(app, methods);
  methods.set(path, (methods.get(path) ?? new Set()).add(method));
}

/** Serves a path outside the OpenAPI document (e.g. /openapi.json itself). */
export function mountHidden(app: App, method: 'GET' | 'POST', path: string, handler: Handler): void {
  app.on(method, path, handler);
  track(app, path, method);
}

/** After every route is mounted: other methods on a known path get 405 with an Allow header. */
export function finishRoutes(app: App): void {
  for (const [path, methods] of perApp.get(app) ?? []) {
    const allow = [...methods, ...(methods.has('GET') ? ['HEAD'] : [])].join(', ');
    app.all(path, (c) => {
      throw new ApiError(405, 'method_not_allowed', `${c.req.method} is not allowed on ${c.req.path.slice(0, 100)}; use ${allow}`, {
        headers: { Allow: allow },
      });
    });
  }
}

/** Removes duplicates, keeping first occurrences in order. */
export function dedupe(ids: readonly string[]): string[] {
  return ids.length < 2 ? [...ids] : [...new Set(ids)];
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'invalid request: `error.field` names what was wrong',
  401: 'missing bearer token',
  403: 'wrong bearer token',
  404: 'unknown model, version, alias or route (or admin disabled)',
  409: 'refused by the registry',
  413: 'body too large',
  415: 'Content-Type is not application/json',
  501: 'not configured in this service',
  503: 'no model loaded yet, or the event log is unavailable',
  504: 'timed out',
};

/** OpenAPI entries for error statuses (all share the Error schema). */
export function errorResponses(...statuses: number[]): RouteConfig['responses'] {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: ERROR_DESCRIPTIONS[s] ?? 'error', content: { 'application/json': { schema: errorSchema } } }]),
  );
}

/** An OpenAPI JSON response entry. */
export function jsonResponse(schema: z.ZodType, description: string) {
  return { description, content: { 'application/json': { schema } } };
}

/** An OpenAPI JSON request body entry. */
export function jsonBody(schema: z.ZodType) {
  return { required: true, content: { 'application/json': { schema } } };
}
