/**
 * Where the time of one POST /v1/recommendations goes: each stage of the request path run on its
 * own, in this process, over the same requests and the same published model the HTTP rows of
 * bench/serve.ts use, with the service's own components (router, feature store, scorer, exposure
 * buffer, metrics, request logger). Each stage is timed over every request, repeated, and the
 * median per request is printed, beside the whole app answering in-process (`app.request`, no
 * socket): the rest is Hono routing, middleware and body reading.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import { ExposureBuffer } from '../serve/exposure.js';
import { batchedLines, jsonLogger } from '../serve/logger.js';
import { recommendRequestSchema } from '../serve/schemas.js';
import type { Service } from '../serve/service.js';
import type { InteractionEvent } from '../src/data/schema.js';
import { normalise } from '../src/features/contract.js';
import { type FeatureTables, featureStoreFromTables, type TableFeatureStore } from '../src/features/index.js';
import type { LtrRanker } from '../src/models/ltr/ltr-ranker.js';
import { topK } from '../src/models/ranker.js';
import type { LoadedVersion } from '../src/registry/load-version.js';
import { SERVING_CANDIDATES } from '../src/serving/ranker-servable.js';
import type { ScoredItem } from '../src/serving/servable.js';
import { FEATURES_FILE, rankerFromVersion, versionContract } from '../src/serving/servable-factory.js';

/** One stage's median cost per request. */
export interface StageFigure {
  stage: string;
  us: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Median over `reps` passes of the mean time per item of `fn` over `items` (µs). */
function time<T>(items: readonly T[], reps: number, fn: (item: T, i: number) => unknown): number {
  const per: number[] = [];
  let sink = 0;
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (let i = 0; i < items.length; i++) if (fn(items[i], i)) sink++;
    per.push(((performance.now() - t0) * 1000) / items.length);
  }
  if (sink < 0) console.log(sink); // keeps the calls observable
  return median(per);
}

/** What every stage is timed over: the requests, the store and ranker built as the service builds them. */
interface ProfileContext {
  service: Service;
  loaded: LoadedVersion;
  bodies: readonly string[];
  reps: number;
  store: TableFeatureStore;
  ranker: LtrRanker;
  contract: ReturnType<typeof versionContract>;
  queries: { userId: string; k: number }[];
  add: (stage: string, us: number) => void;
}

/** The intermediate results of the model stages, the inputs of the stages after them. */
interface ModelOutputs {
  items: ScoredItem[][];
}

/**
 * Times every stage of the recommendation path (candidates from the store, up to 500) for
 * `bodies` (JSON request bodies without candidates).
 * @param service - a started service over the same registry (its router, metrics and app are used).
 */
export async function profileStages(service: Service, loaded: LoadedVersion, bodies: readonly string[], reps = 15): Promise<StageFigure[]> {
  const tables = await loaded.readJson<FeatureTables>(FEATURES_FILE);
  const contract = versionContract(loaded);
  const users = service.userState;
  if (!users) throw new Error('the profile needs the service to have a live user state');
  const store: TableFeatureStore = featureStoreFromTables(tables, { users, contract });
  const ranker = (await rankerFromVersion(loaded, store)) as LtrRanker;
  const queries = bodies.map((b) => JSON.parse(b) as { userId: string; k: number });
  const figures: StageFigure[] = [];
  const add = (stage: string, us: number) => figures.push({ stage, us });
  const ctx: ProfileContext = { service, loaded, bodies, reps, store, ranker, contract, queries, add };
  timeRequestStages(ctx);
  const outputs = timeModelStages(ctx);
  await timeResponseStages(ctx, outputs);
  timeRequestLog(ctx);
  ranker.dispose();
  add('WHOLE app in-process (app.request)', await timeWholeApp(service, bodies, reps));
  return figures;
}

/** Body parsing and validation, assignment, the user's view and candidate generation. */
function timeRequestStages({ service, store, bodies, queries, reps, add }: ProfileContext): void {
  add(
    'parse + validate body',
    time(bodies, reps, (b) => recommendRequestSchema.safeParse(JSON.parse(b)).success),
  );
  add(
    'assignment (variant, lease)',
    time(queries, reps, (q) => {
      const routed = service.router.route(q.userId);
      routed?.lease.release();
      return routed;
    }),
  );
  add(
    'user state (view of the user)',
    time(queries, reps, (q) => store.view(q.userId)),
  );
  add(
    `candidates (store, up to ${SERVING_CANDIDATES})`,
    time(queries, reps, (q) => store.candidates(q.userId, { limit: SERVING_CANDIDATES })),
  );
}

/** Features (with normalisation), scoring and top-k; returns the ranked items of every request. */
function timeModelStages({ store, ranker, contract, queries, reps, add }: ProfileContext): ModelOutputs {
  const pools = queries.map((q) => store.candidates(q.userId, { limit: SERVING_CANDIDATES }));
  add(
    'features (incl. user state, normalise)',
    time(queries, reps, (q, i) => normalise(store.features(q.userId, pools[i]), contract)),
  );
  const rows = queries.map((q, i) => normalise(store.features(q.userId, pools[i]), contract));
  add(
    `scoring (${ranker.scoring.backend})`,
    time(rows, reps, (x, i) => ranker.scoreRows(x, pools[i].length)),
  );
  const scores = rows.map((x, i) => ranker.scoreRows(x, pools[i].length));
  const items = pools.map((p, i) => topK(p, scores[i], queries[i].k));
  add(
    'top-k',
    time(pools, reps, (p, i) => topK(p, scores[i], queries[i].k)),
  );
  return { items };
}

/** The response JSON, impression logging (queued) and metrics. */
async function timeResponseStages({ service, loaded, queries, reps, add }: ProfileContext, { items }: ModelOutputs): Promise<void> {
  const response = (i: number) => ({
    requestId: '2b1f0f5e-0c1d-4a8e-9a55-6f1e2d3c4b5a',
    userId: queries[i].userId,
    model: { name: loaded.name, version: loaded.version },
    variant: 'control',
    items: items[i],
  });
  add(
    'response JSON',
    time(queries, reps, (_q, i) => JSON.stringify(response(i))),
  );
  const exposures = new ExposureBuffer({ append: async () => {} }, { flushMs: 60_000, maxBatch: Number.MAX_SAFE_INTEGER });
  const impressions = (i: number): InteractionEvent[] =>
    items[i].map((it, position) => ({
      userId: queries[i].userId,
      itemId: it.itemId,
      ts: Date.now(),
      type: 'impression',
      requestId: 'r',
      position,
      variant: 'control',
    }));
  const perRep: number[] = [];
  for (let r = 0; r < reps; r++) {
    perRep.push(time(queries, 1, (_q, i) => exposures.log(impressions(i))));
    await exposures.flush();
  }
  await exposures.close();
  add('impression logging (queue)', median(perRep));
  add(
    'metrics (request + recommendation)',
    time(queries, reps, () => {
      service.metrics.observe('POST', '/v1/recommendations', 200, 0.001);
      service.metrics.recommendations.inc({ model: loaded.name, variant: 'control', version: String(loaded.version) });
    }),
  );
}

/**
 * The request log line as `workbench serve` writes it to stdout (synchronous for files and pipes):
 * a write per line, as before, and batched (serve/logger.ts batchedLines), as now.
 */
function timeRequestLog({ loaded, queries, reps, add }: ProfileContext): void {
  const devNull = openSync('/dev/null', 'w');
  const line = (q: { userId: string }) => ({
    requestId: '2b1f0f5e-0c1d-4a8e-9a55-6f1e2d3c4b5a',
    method: 'POST',
    path: '/v1/recommendations',
    route: '/v1/recommendations',
    status: 200,
    ms: 1.23,
    variant: 'control',
    model: loaded.name,
    version: loaded.version,
    items: 10,
    userId: q.userId,
  });
  const perLine = jsonLogger((l) => writeSync(devNull, `${l}\n`));
  add(
    'request log (a write per line)',
    time(queries, reps, (q) => perLine.info('request', line(q))),
  );
  const batched = batchedLines((chunk) => writeSync(devNull, `${chunk}\n`));
  const batchedLog = jsonLogger(batched);
  add(
    'request log (batched, as served)',
    time(queries, reps, (q) => batchedLog.info('request', line(q))),
  );
  batched.flush();
  closeSync(devNull);
}

/** The whole app answering in-process (`app.request`, no socket): median µs per request. */
async function timeWholeApp(service: Service, bodies: readonly string[], reps: number): Promise<number> {
  const whole: number[] = [];
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now();
    for (const body of bodies) {
      const res = await service.app.request('/v1/recommendations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
      });
      await res.text();
    }
    whole.push(((performance.now() - t0) * 1000) / bodies.length);
  }
  return median(whole);
}

/** Prints the figures as a table, each stage's share of the in-process whole. */
export function printStages(figures: readonly StageFigure[]): void {
  const whole = figures.at(-1)?.us ?? Number.NaN;
  const stages = figures.slice(0, -1);
  const sum = stages.reduce((s, f) => s + f.us, 0);
  console.log(`${'stage'.padEnd(42)} ${'us/req'.padStart(8)} ${'share'.padStart(7)}`);
  for (const f of stages)
    console.log(`${f.stage.padEnd(42)} ${f.us.toFixed(1).padStart(8)} ${`${((100 * f.us) / whole).toFixed(1)}%`.padStart(7)}`);
  console.log(`${'sum of the stages'.padEnd(42)} ${sum.toFixed(1).padStart(8)} ${`${((100 * sum) / whole).toFixed(1)}%`.padStart(7)}`);
  console.log(
    `${'rest (routing, middleware, body read)'.padEnd(42)} ${(whole - sum).toFixed(1).padStart(8)} ${`${((100 * (whole - sum)) / whole).toFixed(1)}%`.padStart(7)}`,
  );
  console.log(`${'whole app in-process (app.request)'.padEnd(42)} ${whole.toFixed(1).padStart(8)}`);
}
