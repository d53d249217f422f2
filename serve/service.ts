/**
 * Wires one service process together: model store (hot reload), variant router, event log writer,
 * exposure buffer, metrics and the Hono app; and takes them down in the right order.
 */
import { EventLogWriter } from '../src/data/eventlog-writer.js';
import type { Experiment } from '../src/experiments/assignment.js';
import { type App, type AppDeps, createApp, type ServiceState, type SetAlias } from './app.js';
import type { EventTimeWindow } from './event-time.js';
import { type EventSink, ExposureBuffer, type ExposureOptions } from './exposure.js';
import { type LiveUserState, logFileOf } from './live-state.js';
import { type Logger, silentLogger } from './logger.js';
import type { ModelSource } from './model-source.js';
import { ModelStore, type ReloadReport } from './model-store.js';
import { ServiceMetrics } from './service-metrics.js';
import type { SharedUserState } from './shared-state.js';
import { DEFAULT_EXPERIMENT, VariantRouter } from './variants.js';

/** Everything a service process is configured with. */
export interface ServiceOptions {
  source: ModelSource;
  /** The model recommendations come from. */
  modelName: string;
  /** More models to serve on the /v1/models routes (predict, metadata). */
  extraModels?: readonly string[];
  /** Event log directory (an EventLogWriter is opened on it); or pass `events`. */
  eventsDir?: string;
  /** An event sink instead of `eventsDir`. */
  events?: EventSink;
  experiment?: Experiment;
  /** Log impressions for recommendation responses (default true). */
  logExposures?: boolean;
  exposure?: Omit<ExposureOptions, 'logger' | 'metrics'>;
  /** Registry poll interval (ms, default 2000; 0 disables). */
  pollIntervalMs?: number;
  logger?: Logger;
  adminToken?: string;
  setAlias?: SetAlias;
  corsOrigins?: readonly string[];
  maxBodyBytes?: number;
  /** Most chunks a request body may arrive in (default 4096). */
  maxBodyChunks?: number;
  requestTimeoutMs?: number;
  /** Accepted event times around now (default 7 days back, 1 hour ahead). */
  eventTimeWindow?: EventTimeWindow;
  /** Collect process metrics (CPU, memory, event-loop lag) too. */
  defaultMetrics?: boolean;
  metricsText?: () => Promise<string>;
  onReloadRequested?: () => void;
  /**
   * Live user state (restored on start; every appended event is applied to it). The source's
   * servables must read from the same object (serve/cli/serve-command.ts wires both).
   */
  userState?: LiveUserState;
  /**
   * Shared user state and event stream on Redis instead (`--state redis://`): events go to its
   * stream (no event-log writer), requests read users from it. The source's servables must read
   * its store (serve/shared-state.ts sharedRegistry wires both).
   */
  sharedState?: SharedUserState;
  /** The web pages under /ui (see serve/ui). */
  ui?: AppDeps['ui'];
}

/** A wired service process. */
export interface Service {
  app: App;
  store: ModelStore;
  router: VariantRouter;
  metrics: ServiceMetrics;
  state: ServiceState;
  exposures?: ExposureBuffer;
  /** The writer opened on `eventsDir`, if any. */
  writer?: EventLogWriter;
  /** The live user state, when configured. */
  userState?: LiveUserState;
  /** Loads the models (first reload) and starts polling; never rejects (readiness tells). */
  start(): Promise<ReloadReport[]>;
  /** Flushes impressions, closes the event log, disposes the models. */
  close(): Promise<void>;
}

/** Builds a service process (models load on `start`). */
export function createService(options: ServiceOptions): Service {
  const logger = options.logger ?? silentLogger;
  const metrics = new ServiceMetrics({ defaultMetrics: options.defaultMetrics });
  const experiment = options.experiment ?? DEFAULT_EXPERIMENT;
  const names = [...new Set([options.modelName, ...(options.extraModels ?? [])])];
  const pinnedVersions = experiment.variants.flatMap((v) => (v.version !== undefined ? [v.version] : []));
  const store = new ModelStore({
    source: options.source,
    names,
    pollIntervalMs: options.pollIntervalMs,
    pinned: { [options.modelName]: pinnedVersions },
    logger,
    metrics,
  });
  const router = new VariantRouter(experiment, store, options.modelName, metrics);
  const shared = options.sharedState;
  const writer = options.eventsDir && !options.events && !shared ? new EventLogWriter(options.eventsDir) : undefined;
  const sink = options.events ?? shared?.sink ?? writer;
  const live = options.userState;
  const events = sink && live ? live.wrapSink(sink, writer ? logFileOf(writer.partName) : undefined) : sink;
  const logExposures = options.logExposures ?? true;
  const exposures = events && logExposures ? new ExposureBuffer(events, { ...options.exposure, logger, metrics }) : undefined;
  const state: ServiceState = { inFlight: 0, draining: false };
  const app = createApp({
    store,
    router,
    events,
    exposures,
    logExposures,
    metrics,
    logger,
    adminToken: options.adminToken,
    setAlias: options.setAlias,
    onReloadRequested: options.onReloadRequested,
    corsOrigins: options.corsOrigins,
    maxBodyBytes: options.maxBodyBytes,
    maxBodyChunks: options.maxBodyChunks,
    requestTimeoutMs: options.requestTimeoutMs,
    eventTimeWindow: options.eventTimeWindow,
    metricsText: options.metricsText,
    userState: shared,
    state,
    ui: options.ui,
  });
  let closing: Promise<void> | undefined;
  return {
    app,
    store,
    router,
    metrics,
    state,
    exposures,
    writer,
    userState: live,
    start: async () => {
      live?.restore();
      shared?.start();
      return store.start();
    },
    close: () => {
      closing ??= (async () => {
        await exposures?.close();
        await writer?.close();
        await live?.close();
        await shared?.close();
        await store.close();
      })();
      return closing;
    },
  };
}
