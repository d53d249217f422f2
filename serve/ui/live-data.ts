/**
 * The Live page's figures, read from the service's own Prometheus text (GET /metrics: in a
 * cluster, every worker's registry merged): requests, latency percentiles (interpolated inside
 * histogram buckets, as Prometheus' histogram_quantile does), versions serving, reloads and reload
 * failures. Requests per second come from the difference between two readings, which
 * {@link LiveSampler} keeps.
 */

/** One sample of the exposition: metric name, labels, value. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const LINE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

/** Parses the Prometheus text format (comments skipped, unparseable lines ignored). */
export function parsePrometheus(text: string): PromSample[] {
  const out: PromSample[] = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = LINE.exec(line);
    if (!m) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    const value = m[3] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[3]);
    if (!Number.isNaN(value)) out.push({ name: m[1], labels, value });
  }
  return out;
}

/**
 * The q-quantile (0..1) of a cumulative histogram given as (upper bound, count) pairs, linearly
 * interpolated inside the bucket it falls in; null without observations.
 */
export function histogramQuantile(q: number, buckets: readonly { le: number; count: number }[]): number | null {
  const sorted = [...buckets].sort((a, b) => a.le - b.le);
  const total = sorted.at(-1)?.count ?? 0;
  if (total === 0) return null;
  const rank = q * total;
  let prevLe = 0;
  let prevCount = 0;
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe; // beyond the last finite bound: report that bound
      const inBucket = b.count - prevCount;
      return inBucket === 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / inBucket;
    }
    prevLe = b.le;
    prevCount = b.count;
  }
  return prevLe;
}

/** What the Live page shows. */
export interface LiveFigures {
  /** Requests so far, all routes (the UI's own included), and to the /v1 API. */
  requests: number;
  apiRequests: number;
  errors5xx: number;
  /** API latency percentiles in seconds. */
  latency: { p50: number | null; p90: number | null; p99: number | null };
  /** Alias -> version per model (the workbench_model_version gauge). */
  aliases: { model: string; alias: string; version: number }[];
  /** Recommendations served per variant and version. */
  served: { model: string; variant: string; version: string; count: number }[];
  reloads: number;
  reloadFailures: { model: string; stage: string; count: number }[];
  /** Process start (epoch seconds) when the service reports it. */
  startedAt: number | null;
}

const sum = (xs: PromSample[]) => xs.reduce((s, x) => s + x.value, 0);

/** The Live figures of one exposition. */
export function liveFigures(text: string): LiveFigures {
  const samples = parsePrometheus(text);
  const named = (n: string) => samples.filter((s) => s.name === n);
  const requests = named('workbench_http_requests_total');
  const api = requests.filter((s) => s.labels.route?.startsWith('/v1/'));
  const buckets = new Map<number, number>();
  for (const b of named('workbench_http_request_duration_seconds_bucket')) {
    if (!b.labels.route?.startsWith('/v1/')) continue;
    const le = b.labels.le === '+Inf' ? Number.POSITIVE_INFINITY : Number(b.labels.le);
    buckets.set(le, (buckets.get(le) ?? 0) + b.value);
  }
  const hist = [...buckets].map(([le, count]) => ({ le, count }));
  const start = named('workbench_process_start_time_seconds')[0]?.value;
  return {
    requests: sum(requests),
    apiRequests: sum(api),
    errors5xx: sum(requests.filter((s) => s.labels.status?.startsWith('5'))),
    latency: { p50: histogramQuantile(0.5, hist), p90: histogramQuantile(0.9, hist), p99: histogramQuantile(0.99, hist) },
    aliases: named('workbench_model_version').map((s) => ({ model: s.labels.model ?? '', alias: s.labels.alias ?? '', version: s.value })),
    served: named('workbench_recommendations_total').map((s) => ({
      model: s.labels.model ?? '',
      variant: s.labels.variant ?? '',
      version: s.labels.version ?? '',
      count: s.value,
    })),
    reloads: sum(named('workbench_model_reloads_total')),
    reloadFailures: named('workbench_model_reload_failures_total').map((s) => ({
      model: s.labels.model ?? '',
      stage: s.labels.stage ?? '',
      count: s.value,
    })),
    startedAt: start ?? null,
  };
}

/** One reading of the API request counter. */
export interface LiveSample {
  at: number;
  apiRequests: number;
}

/**
 * Readings of the request counter taken at each view of the Live page (it refreshes itself), so
 * requests/s is the difference between the last two readings at least a second apart.
 */
export class LiveSampler {
  private readonly samples: LiveSample[] = [];
  constructor(private readonly keep = 120) {}

  /** Adds a reading; returns the API requests per second since the previous one, or null for the first. */
  add(at: number, apiRequests: number): number | null {
    const prev = [...this.samples].reverse().find((s) => at - s.at >= 1000);
    const last = this.samples.at(-1);
    if (!last || at - last.at >= 1000) this.samples.push({ at, apiRequests });
    while (this.samples.length > this.keep) this.samples.shift();
    if (!prev) return null;
    // A restarted service resets its counters: never a negative rate.
    return Math.max(0, (apiRequests - prev.apiRequests) / ((at - prev.at) / 1000));
  }

  /** Requests/s between consecutive readings, for the chart. */
  rates(): { at: number; perSecond: number }[] {
    const out: { at: number; perSecond: number }[] = [];
    for (let i = 1; i < this.samples.length; i++) {
      const a = this.samples[i - 1];
      const b = this.samples[i];
      out.push({ at: b.at, perSecond: Math.max(0, (b.apiRequests - a.apiRequests) / ((b.at - a.at) / 1000)) });
    }
    return out;
  }
}
