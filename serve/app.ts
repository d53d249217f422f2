/**
 * The Hono app of the recommendation service: `createApp(deps)`. Testable in-process with
 * `app.request()`. One middleware gives each request an id (a uuid, also the recommendation's
 * `requestId`), times it, counts it by route and status, and writes one JSON log line; one
 * `onError` maps the error taxonomy (serve/http-errors.ts) to `{"error": {"code", "message", "field"?}}`.
 */
import { randomUUID } from 'node:crypto';
import { OpenAPIHono } from '@hono/zod-openapi';
import type { ErrorHandler, MiddlewareHandler } from 'hono';
import { cors } from 'hono/cors';
import { HTTPException } from 'hono/http-exception';
import { timeout } from 'hono/timeout';
import type { Experiment } from '../src/experiments/assignment.js';
import { ClientClosedError, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_BODY_CHUNKS } from './body.js';
import { DEFAULT_EVENT_TIME_WINDOW, type EventTimeWindow } from './event-time.js';
import type { EventSink, ExposureBuffer } from './exposure.js';
import { ApiError, toErrorResponse } from './http-errors.js';
import { type Logger, silentLogger } from './logger.js';
import type { ModelStore } from './model-store.js';
import { mountAdminRoutes } from './routes/admin.js';
import { mountEventRoutes } from './routes/events.js';
import { mountModelRoutes } from './routes/models.js';
import { mountOpsRoutes } from './routes/ops.js';
import { mountRecommendRoutes } from './routes/recommend.js';
import { type App, type AppEnv, finishRoutes, type Resolved, routeLabel, type ServiceState, type SetAlias } from './routes/shared.js';
import { ServiceMetrics } from './service-metrics.js';
import type { UiOptions } from './ui/options.js';
import { mountUi } from './ui/routes.js';
import type { UserStateAccess } from './user-state-access.js';
import { DEFAULT_EXPERIMENT, VariantRouter } from './variants.js';

/** Re-exported so callers need only this module. */
export type { App, ServiceState, SetAlias } from './routes/shared.js';

/** Default per-request time limit (ms). */
export const DEFAULT_REQUEST_TIMEOUT_MS = 10_000;

/** What the app is built from. Only `store` is required. */
export interface AppDeps {
  store: ModelStore;
  /** Model the recommendation routes use (default: the store's first name). */
  modelName?: string;
  /** A/B experiment (default: 100% champion). Ignored when `router` is given. */
  experiment?: Experiment;
  /** A prepared router (the service builds one to know which versions to pin). */
  router?: VariantRouter;
  /** Durable sink of POST /v1/events (an EventLogWriter); without it that route answers 503. */
  events?: EventSink;
  /** Where recommendation impressions go (buffered, asynchronous). */
  exposures?: ExposureBuffer;
  /** Log an impression per returned item (default true; needs `exposures`). */
  logExposures?: boolean;
  metrics?: ServiceMetrics;
  /** Request and error logs (default: silent). */
  logger?: Logger;
  /** Enables /admin/* when set. */
  adminToken?: string;
  /** Registry alias writer behind PUT /admin/models/{name}/aliases/{alias}. */
  setAlias?: SetAlias;
  /** Called when an admin asks for a reload (the cluster forwards it to the other workers). */
  onReloadRequested?: () => void;
  /** Storefront origins allowed by CORS on /v1/* ("*" for any; empty or absent: no CORS headers). */
  corsOrigins?: readonly string[];
  /** Request body limit in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Most chunks a request body may arrive in (default 4096). */
  maxBodyChunks?: number;
  /** Per-request time limit in ms (default 10 s). */
  requestTimeoutMs?: number;
  /** Accepted event times around now on POST /v1/events (default 7 days back, 1 hour ahead). */
  eventTimeWindow?: EventTimeWindow;
  /** Produces the /metrics text (the cluster aggregates workers); default: this process's registry. */
  metricsText?: () => Promise<string>;
  /** Shared with the server: in-flight count and draining flag. */
  state?: ServiceState;
  /** A shared user state (Redis) that requests prefetch from; absent: the in-process store. */
  userState?: UserStateAccess;
  /** Serves the web pages under /ui (the admin token, metrics and reload come from the app). */
  ui?: Omit<UiOptions, 'adminToken' | 'metricsText' | 'afterAliasChange'>;
}

function clip(text: string, max = 200): string {
  return text.length > max ? `${text.slice(0, max)}...` : text;
}

/** Builds the service's Hono app. */
export function createApp(deps: AppDeps): App {
  const d = resolveDeps(deps);
  const app: App = new OpenAPIHono<AppEnv>();
  app.use('*', requestLog(d));
  useCorsAndTimeouts(app, d, (deps.corsOrigins ?? []).filter(Boolean));
  mountRecommendRoutes(app, d);
  mountModelRoutes(app, d);
  mountEventRoutes(app, d);
  mountOpsRoutes(app, d);
  mountAdminRoutes(app, d);
  if (deps.ui) {
    const afterAliasChange = async () => {
      d.onReloadRequested?.();
      await d.store.reload();
    };
    mountUi(app, { ...deps.ui, adminToken: d.adminToken, metricsText: d.metricsText, afterAliasChange });
  }
  finishRoutes(app);
  app.notFound((c) => {
    const { status, body } = toErrorResponse(
      new ApiError(404, 'not_found', `no route ${c.req.method} ${clip(c.req.path, 100)}; see GET /openapi.json`),
    );
    return c.json(body, status);
  });
  app.onError(errorHandler(d));
  return app;
}

/** Fills in every default of `deps`: what the routes read. */
function resolveDeps(deps: AppDeps): Resolved {
  const metrics = deps.metrics ?? new ServiceMetrics();
  const modelName = deps.modelName ?? deps.router?.modelName ?? deps.store.names[0];
  return {
    store: deps.store,
    router: deps.router ?? new VariantRouter(deps.experiment ?? DEFAULT_EXPERIMENT, deps.store, modelName, metrics),
    events: deps.events,
    exposures: deps.exposures,
    logExposures: deps.logExposures ?? true,
    metrics,
    logger: deps.logger ?? silentLogger,
    adminToken: deps.adminToken || undefined,
    setAlias: deps.setAlias,
    onReloadRequested: deps.onReloadRequested,
    body: {
      maxBytes: deps.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
      maxChunks: deps.maxBodyChunks ?? DEFAULT_MAX_BODY_CHUNKS,
      readTimeoutMs: deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    },
    eventTimeWindow: deps.eventTimeWindow ?? DEFAULT_EVENT_TIME_WINDOW,
    requestTimeoutMs: deps.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    metricsText: deps.metricsText ?? (() => metrics.text()),
    state: deps.state ?? { inFlight: 0, draining: false },
    userState: deps.userState,
  };
}

/** The middleware that gives each request an id, times it, counts it and writes its log line. */
function requestLog(d: Resolved): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const t0 = performance.now();
    const requestId = randomUUID();
    c.set('requestId', requestId);
    c.set('log', {});
    d.state.inFlight++;
    try {
      await next();
    } finally {
      d.state.inFlight--;
    }
    const status = c.res.status;
    const seconds = (performance.now() - t0) / 1000;
    const route = c.req.routePath === '/*' ? 'unmatched' : routeLabel(c.req.routePath);
    d.metrics.observe(c.req.method, route, status, seconds);
    c.res.headers.set('X-Request-Id', requestId);
    // While draining, ask keep-alive clients to reconnect (to another instance).
    if (d.state.draining) c.res.headers.set('Connection', 'close');
    const client = c.req.header('x-request-id');
    d.logger.info('request', {
      requestId,
      ...(client ? { clientRequestId: clip(client, 100) } : {}),
      method: c.req.method,
      path: clip(c.req.path),
      route,
      status,
      ms: Math.round(seconds * 1e5) / 100,
      ...c.get('log'),
    });
  };
}

/** CORS for the storefront's origins on /v1/*, and the per-request time limit on /v1/* and /admin/*. */
function useCorsAndTimeouts(app: App, d: Resolved, origins: readonly string[]): void {
  if (origins.length) {
    app.use(
      '/v1/*',
      cors({
        origin: origins.includes('*') ? '*' : [...origins],
        allowMethods: ['GET', 'POST', 'OPTIONS'],
        allowHeaders: ['Content-Type', 'X-Request-Id'],
        exposeHeaders: ['X-Request-Id'],
        maxAge: 600,
      }),
    );
  }
  const timeoutMs = d.requestTimeoutMs;
  const timedOut = () => new HTTPException(504, { message: `request took longer than ${timeoutMs} ms` });
  app.use('/v1/*', timeout(timeoutMs, timedOut));
  app.use('/admin/*', timeout(timeoutMs, timedOut));
}

/** Maps every thrown error to the JSON error body; logs server errors with their cause. */
function errorHandler(d: Resolved): ErrorHandler<AppEnv> {
  return (err, c) => {
    if (err instanceof ClientClosedError) {
      // Nobody waits for this answer: not a server error. 499 (as nginx logs it) in logs and metrics.
      d.metrics.clientDisconnects.inc({ route: c.req.routePath === '/*' ? 'unmatched' : routeLabel(c.req.routePath) });
      const log = c.get('log');
      if (log) log.errorCode = 'client_closed_request';
      return new Response(null, { status: 499 });
    }
    const { status, body, headers } = toErrorResponse(err);
    if (status === 503 && body.error.code === 'model_unavailable') {
      // "Not ready yet" (loading at start, or every version refused): expected, and /readyz says so.
      const log = c.get('log');
      if (log) log.errorCode = body.error.code;
      d.logger.info('model not ready yet', { requestId: c.get('requestId'), path: clip(c.req.path), status });
    } else if (status >= 500) {
      const log = c.get('log') ?? {};
      log.error = err instanceof Error ? err.message : String(err);
      d.logger.error('request failed', {
        requestId: c.get('requestId'),
        path: clip(c.req.path),
        status,
        error: log.error,
        // Causes carry server detail (paths, errno) that responses must not show.
        ...(err instanceof Error && err.cause !== undefined
          ? { cause: err.cause instanceof Error ? err.cause.message : String(err.cause) }
          : {}),
        stack: err instanceof Error ? err.stack : undefined,
      });
    } else if (c.get('log')) c.get('log').errorCode = body.error.code;
    return c.json(body, status, headers);
  };
}
