/**
 * Prometheus metrics of one service process, in its own prom-client Registry (not the global one,
 * so several apps can live in one test process). With several cluster workers, the primary merges
 * the workers' registries with prom-client's AggregatorRegistry (see serve/cluster.ts): counters
 * and histograms are summed; the model-version gauge takes the max across workers.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Latency buckets (seconds): fine below 10 ms, where the service should live. */
export const LATENCY_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/** The service's metrics. */
export class ServiceMetrics {
  readonly registry: Registry;
  /** Requests by method, route pattern (not raw path: bounded cardinality) and status. */
  readonly requests: Counter<'method' | 'route' | 'status'>;
  readonly latency: Histogram<'method' | 'route' | 'status'>;
  /** Recommendations served, by variant and model version (the A/B traffic split). */
  readonly recommendations: Counter<'model' | 'variant' | 'version'>;
  /** Requests served by the control variant because their assigned variant had no model. */
  readonly variantFallbacks: Counter<'model' | 'from' | 'to'>;
  /** The version an alias currently resolves to, per model. */
  readonly modelVersion: Gauge<'model' | 'alias'>;
  readonly eventsAccepted: Counter<'type'>;
  readonly exposuresLogged: Counter;
  readonly exposuresDropped: Counter;
  /** Successful reloads that changed what is served. */
  readonly reloads: Counter<'model'>;
  /** Reload failures by stage: describe (listing), load (reading/verifying), warmup. */
  readonly reloadFailures: Counter<'model' | 'stage'>;
  /** Requests whose client went away before the body was read (status 499, not a 500). */
  readonly clientDisconnects: Counter<'route'>;

  /** @param options - `defaultMetrics`: also collect process metrics (CPU, memory, event-loop lag). */
  constructor(options: { defaultMetrics?: boolean } = {}) {
    const registry = new Registry();
    this.registry = registry;
    const registers = [registry];
    this.requests = new Counter({
      name: 'workbench_http_requests_total',
      help: 'HTTP requests by method, route and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.latency = new Histogram({
      name: 'workbench_http_request_duration_seconds',
      help: 'HTTP request latency by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.recommendations = new Counter({
      name: 'workbench_recommendations_total',
      help: 'Recommendation responses by model, variant and version',
      labelNames: ['model', 'variant', 'version'],
      registers,
    });
    this.variantFallbacks = new Counter({
      name: 'workbench_variant_fallbacks_total',
      help: 'Requests whose assigned variant had no model and were served by the control variant',
      labelNames: ['model', 'from', 'to'],
      registers,
    });
    this.modelVersion = new Gauge({
      name: 'workbench_model_version',
      help: 'Model version an alias resolves to (max across workers)',
      labelNames: ['model', 'alias'],
      aggregator: 'max',
      registers,
    });
    this.eventsAccepted = new Counter({
      name: 'workbench_events_accepted_total',
      help: 'Events durably appended through POST /v1/events, by type',
      labelNames: ['type'],
      registers,
    });
    this.exposuresLogged = new Counter({
      name: 'workbench_exposures_logged_total',
      help: 'Impression events written for recommendation responses',
      registers,
    });
    this.exposuresDropped = new Counter({
      name: 'workbench_exposures_dropped_total',
      help: 'Impression events lost (event log failing or buffer full)',
      registers,
    });
    this.reloads = new Counter({
      name: 'workbench_model_reloads_total',
      help: 'Reloads that changed the served versions or aliases',
      labelNames: ['model'],
      registers,
    });
    this.reloadFailures = new Counter({
      name: 'workbench_model_reload_failures_total',
      help: 'Reload failures by stage (describe, load, warmup); the previous version keeps serving',
      labelNames: ['model', 'stage'],
      registers,
    });
    this.clientDisconnects = new Counter({
      name: 'workbench_client_disconnects_total',
      help: 'Requests abandoned by the client before their body was read (logged as status 499, not as errors)',
      labelNames: ['route'],
      registers,
    });
    if (options.defaultMetrics) collectDefaultMetrics({ register: registry, prefix: 'workbench_' });
  }

  /** Records one finished request. */
  observe(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
  }

  /** The Prometheus text exposition of this process. */
  text(): Promise<string> {
    return this.registry.metrics();
  }
}
