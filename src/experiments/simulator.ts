/**
 * The storefront simulator: plays shoppers against a running recommendation service over HTTP,
 * the way the storefront would. For each user (each of `requestsPerUser` visits):
 * POST /v1/recommendations {userId, k} -> {requestId, variant, items, model}; the shopper model
 * decides clicks, carts and purchases; POST /v1/events posts them with requestId, position and
 * variant (the service logs the impressions itself).
 *
 * Bounded: loopback URLs only, `concurrency` users in flight (default 8), at most `maxRequests`
 * recommendation requests and `timeLimitMs` overall, a timeout per HTTP call, and it gives up
 * early when the service never answers. Deterministic per (seed, user, visit): each visit draws
 * from its own seeded Rng, so concurrency does not change what a shopper does.
 *
 * The result keeps a client-side log (the impressions it was shown, the feedback it posted), so a
 * report can be computed without the service's event log (kpisFromEvents, same statistics).
 */

import type { InteractionEvent } from '../data/schema.js';
import { errorMessage, UsageError, WorkbenchError } from '../errors.js';
import { hashString, Rng } from '../util/random.js';
import { type ExperimentReport, type ReportSpec, reportFromKpis } from './experiment-report.js';
import { kpisFromEvents } from './kpi.js';
import type { ShopperModel } from './shoppers.js';

/** What to simulate. */
export interface SimulationOptions {
  /** Base URL of the service, e.g. http://127.0.0.1:8080 (loopback only). */
  url: string;
  shoppers: ShopperModel;
  /** Seeds every shopper's decisions (default 42). */
  seed?: number;
  /** Recommendation requests per user (default 1). */
  requestsPerUser?: number;
  /** Items asked for per request (default 10). */
  k?: number;
  /** Users in flight at once (default 8). */
  concurrency?: number;
  /** Upper bound on recommendation requests (default 100,000). */
  maxRequests?: number;
  /** Upper bound on the whole run (default 10 minutes). */
  timeLimitMs?: number;
  /** Timeout of one HTTP call (default 10 s). */
  requestTimeoutMs?: number;
  /** Called after each recommendation request. */
  onProgress?: (done: number, planned: number) => void;
}

/** What happened. */
export interface SimulationResult {
  url: string;
  shoppers: string;
  seed: number;
  startedAt: number;
  durationMs: number;
  users: number;
  /** Recommendation requests planned and answered. */
  planned: number;
  requests: number;
  /** Failed HTTP calls by cause ("POST /v1/recommendations: HTTP 503", "... timeout"). */
  errors: Record<string, number>;
  failed: number;
  /** Why the run stopped early, if it did. */
  stoppedBy: 'time-limit' | null;
  /** Feedback events posted and accepted by the service. */
  feedback: { click: number; cart: number; purchase: number };
  eventsAccepted: number;
  /** Latency of recommendation calls (ms). */
  latency: { p50: number; p99: number; max: number };
  /** Requests in flight at most (never above concurrency). */
  maxInFlight: number;
  /** Variants that served, with the model versions seen. */
  variants: Record<string, { requests: number; models: string[] }>;
  /** Client-side log: impressions shown and feedback posted (ts = client time). */
  events: InteractionEvent[];
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/** Refuses anything but http(s) on this machine: the simulator generates load and fake clicks. */
export function assertLoopback(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--url "${url}" is not a URL (e.g. http://127.0.0.1:8080)`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--url must be http(s), got "${u.protocol}"`);
  if (!LOOPBACK.has(u.hostname) && !/^127\.\d+\.\d+\.\d+$/.test(u.hostname)) {
    throw new UsageError(`the simulator only talks to a service on this machine (loopback); --url host is "${u.hostname}"`);
  }
  return u;
}

interface RecResponse {
  requestId: string;
  variant: string;
  items: { itemId: string }[];
  model?: { name?: string; version?: number };
}

function isRecResponse(x: unknown): x is RecResponse {
  if (x === null || typeof x !== 'object') return false;
  const r = x as Record<string, unknown>;
  return (
    typeof r.requestId === 'string' &&
    typeof r.variant === 'string' &&
    Array.isArray(r.items) &&
    r.items.every((i) => i !== null && typeof i === 'object' && typeof (i as { itemId?: unknown }).itemId === 'string')
  );
}

class HttpFailure extends Error {}

async function postJson(url: string, body: unknown, timeoutMs: number): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    throw new HttpFailure(e.name === 'TimeoutError' ? 'timeout' : (e.cause?.code ?? e.message));
  }
  const text = await res.text();
  if (!res.ok) throw new HttpFailure(`HTTP ${res.status}`);
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpFailure('response is not JSON');
  }
}

function quantile(sorted: number[], q: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : 0;
}

/** The options with their defaults, checked. */
function settingsOf(opts: SimulationOptions) {
  const settings = {
    seed: opts.seed ?? 42,
    perUser: opts.requestsPerUser ?? 1,
    k: opts.k ?? 10,
    concurrency: opts.concurrency ?? 8,
    maxRequests: opts.maxRequests ?? 100_000,
    timeLimitMs: opts.timeLimitMs ?? 600_000,
    timeoutMs: opts.requestTimeoutMs ?? 10_000,
  };
  for (const [name, v] of [
    ['requestsPerUser', settings.perUser],
    ['k', settings.k],
    ['concurrency', settings.concurrency],
    ['maxRequests', settings.maxRequests],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) throw new UsageError(`${name} must be a positive integer, got ${v}`);
  }
  return settings;
}

function emptyResult(base: URL, opts: SimulationOptions, seed: number, users: number, planned: number): SimulationResult {
  return {
    url: base.origin,
    shoppers: opts.shoppers.description,
    seed,
    startedAt: Date.now(),
    durationMs: 0,
    users,
    planned,
    requests: 0,
    errors: {},
    failed: 0,
    stoppedBy: null,
    feedback: { click: 0, cart: 0, purchase: 0 },
    eventsAccepted: 0,
    latency: { p50: 0, p99: 0, max: 0 },
    maxInFlight: 0,
    variants: {},
    events: [],
  };
}

/** Counts a served response for its variant and model, and records its impressions; returns the item ids. */
function tallyResponse(result: SimulationResult, userId: string, body: RecResponse): string[] {
  result.requests++;
  result.variants[body.variant] ??= { requests: 0, models: [] };
  const v = result.variants[body.variant];
  v.requests++;
  const model = body.model ? `${body.model.name}@${body.model.version}` : 'unknown';
  if (!v.models.includes(model)) v.models.push(model);
  const items = body.items.map((i) => i.itemId);
  const now = Date.now();
  items.forEach((itemId, position) => {
    result.events.push({ type: 'impression', userId, itemId, requestId: body.requestId, position, variant: body.variant, ts: now });
  });
  return items;
}

/** Runs the simulation (see the module comment). */
export async function simulate(opts: SimulationOptions): Promise<SimulationResult> {
  const base = assertLoopback(opts.url);
  const { seed, perUser, k, concurrency, maxRequests, timeLimitMs, timeoutMs } = settingsOf(opts);
  const users = opts.shoppers.users.slice(0, Math.ceil(maxRequests / perUser));
  const planned = Math.min(maxRequests, users.length * perUser);
  const recUrl = new URL('/v1/recommendations', base).href;
  const eventsUrl = new URL('/v1/events', base).href;
  const result = emptyResult(base, opts, seed, users.length, planned);
  const deadline = result.startedAt + timeLimitMs;
  const latencies: number[] = [];
  let issued = 0;
  let inFlight = 0;
  let nextUser = 0;
  const fail = (what: string, err: unknown) => {
    const key = `${what}: ${err instanceof HttpFailure ? err.message : errorMessage(err)}`;
    result.errors[key] = (result.errors[key] ?? 0) + 1;
    result.failed++;
  };
  // A dead or wrong URL: stop after this many failures without a single success.
  const giveUpAfter = Math.min(20, planned);

  const visit = async (userId: string, n: number): Promise<void> => {
    const rng = new Rng(hashString(`${seed}\u0000${userId}\u0000${n}`));
    inFlight++;
    result.maxInFlight = Math.max(result.maxInFlight, inFlight);
    const t0 = performance.now();
    let raw: unknown;
    try {
      raw = await postJson(recUrl, { userId, k }, timeoutMs);
    } catch (err) {
      fail('POST /v1/recommendations', err);
      return;
    } finally {
      inFlight--;
    }
    latencies.push(performance.now() - t0);
    if (!isRecResponse(raw)) {
      fail('POST /v1/recommendations', new Error('response lacks requestId, variant or items[].itemId'));
      return;
    }
    const body = raw;
    const items = tallyResponse(result, userId, body);
    const reactions = opts.shoppers.react(userId, items, rng);
    if (reactions.length === 0) return;
    const posted = reactions.map((r) => ({
      type: r.type,
      userId,
      itemId: items[r.position],
      requestId: body.requestId,
      position: r.position,
      variant: body.variant,
    }));
    try {
      const ack = (await postJson(eventsUrl, { events: posted }, timeoutMs)) as { accepted?: unknown };
      result.eventsAccepted += typeof ack?.accepted === 'number' ? ack.accepted : 0;
      for (const e of posted) {
        result.feedback[e.type]++;
        result.events.push({ ...e, ts: Date.now() });
      }
    } catch (err) {
      fail('POST /v1/events', err);
    }
  };

  const worker = async (): Promise<void> => {
    while (nextUser < users.length) {
      const userId = users[nextUser++];
      for (let n = 0; n < perUser && issued < planned; n++) {
        if (Date.now() >= deadline) {
          result.stoppedBy = 'time-limit';
          return;
        }
        if (result.requests === 0 && result.failed >= giveUpAfter) return;
        issued++;
        await visit(userId, n);
        opts.onProgress?.(result.requests + result.failed, planned);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, users.length) }, worker));
  result.durationMs = Date.now() - result.startedAt;
  latencies.sort((a, b) => a - b);
  result.latency = { p50: quantile(latencies, 0.5), p99: quantile(latencies, 0.99), max: latencies.at(-1) ?? 0 };
  if (result.requests === 0 && result.failed > 0) {
    const causes = Object.entries(result.errors)
      .map(([c, n]) => `${c} (${n}x)`)
      .join('; ');
    throw new WorkbenchError('service_unreachable', `no recommendation request to ${base.origin} succeeded: ${causes}`);
  }
  return result;
}

/** The variant order of a tally without config: "control" or "champion" first, then by name. */
export function observedSpec(id: string, result: SimulationResult): ReportSpec {
  const names = Object.keys(result.variants).sort();
  const control = names.find((n) => n === 'control') ?? names.find((n) => n === 'champion') ?? names[0];
  return { id, variants: [control, ...names.filter((n) => n !== control)].filter((n) => n !== undefined).map((name) => ({ name })) };
}

/**
 * The experiment report of a run from its client-side log (same KPIs and statistics as the
 * event-log report). Pass the experiment's spec for its variant order and weights (SRM).
 */
export function tallyReport(result: SimulationResult, spec?: ReportSpec): ExperimentReport {
  const s = spec ?? observedSpec('simulation', result);
  const kpis = kpisFromEvents(result.events, { variants: s.variants.map((v) => v.name) });
  return reportFromKpis(kpis, s, { since: result.startedAt, source: { kind: 'client-tally' } });
}
