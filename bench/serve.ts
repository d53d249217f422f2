/**
 * Benchmark of the recommendation service over real HTTP (autocannon against 127.0.0.1).
 *
 *   npx tsx bench/serve.ts            (BENCH_SECONDS=5 per run, BENCH_RUNS=3 runs per row)
 *
 * First the request path stage by stage in this process (bench/serve-profile.ts: assignment, user
 * state, candidates, features, scoring, response JSON, impression logging, metrics, request log).
 * Then the service runs in a child process (so the load generator does not share its event loop;
 * one process, exposure logging on, JSON request logs written to /dev/null). Rows: GET /healthz
 * (the trivial route, the baseline), POST /v1/recommendations k=10 with candidates from the store
 * (up to 500) and with 500 given, POST /v1/rank with 500 ids, at 1 and 32 connections. Figures
 * are medians over the runs; ratios compare with /healthz measured in the same run. `cpu us` is the
 * service process's CPU time per request (process.cpuUsage around each run): on a machine shared
 * with other work, its ratios move far less than the throughput ones.
 * Two more rows say what the targets are measured against. "Route floor": the same service code
 * serving a popularity baseline over 10 given candidates (no candidate generation, features or
 * scoring worth the name): the throughput of the route itself (HTTP, body, assignment, response,
 * impression logging, metrics, request log), the ceiling of any model's ratio. "Constant work":
 * a plain node:http server that spins for the ranker's in-process median per request (no
 * variance, no allocation): the p99 that autocannon and this machine add to a fixed cost.
 * BENCH_EXPOSURES=0 turns impression logging off and BENCH_LOGS=0 request logs, to see their cost.
 * BENCH_MODELS_DIR and BENCH_STATE_DIR (printed by a run) serve an earlier run's model instead of training.
 * The model is REAL: the TF.js ranker trained and published on Online Retail (3,659 items; the
 * synthetic store when the shared file is absent), served through the registry as `workbench
 * serve` does.
 */
import { fork } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { liveRegistry } from '../serve/live-state.js';
import { batchedLines, jsonLogger, silentLogger } from '../serve/logger.js';
import { startServer } from '../serve/server.js';
import { createService } from '../serve/service.js';
import { type FeatureTables, registeredUserStates } from '../src/features/index.js';
import { restoreUserState } from '../src/features/user-state-snapshot.js';
import { onlineRetailPath } from '../src/paths.js';
import { trainAndPublish } from '../src/pipeline/train-publish.js';
import { loadVersion } from '../src/registry/load-version.js';
import type { ServableModel } from '../src/serving/servable.js';
import { openServable } from '../src/serving/servable-factory.js';
import { Rng } from '../src/util/random.js';
import { printStages, profileStages } from './serve-profile.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
/** Seconds of load before the rows of a service: the JIT keeps improving the tail for a while after start. */
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 8);

interface Urls {
  service: string;
}
/** The service process's CPU time so far (user + system, µs), and its p99 since the last report. */
interface CpuReport {
  cpuUs: number;
  /** p99 (ms) from the 'request' event to the response's 'finish', inside the service. */
  serviceP99: number;
}

/** Asks the service child for its report; set before each child's rows. */
let serverCpu: () => Promise<CpuReport> = async () => ({ cpuUs: Number.NaN, serviceP99: Number.NaN });

/** In a child: answers the parent's 'cpu' (a CpuReport) and 'stop' messages. */
function answerParent(server: Server, stop: () => Promise<void>): void {
  let ms: number[] = [];
  server.on('request', (_req, res) => {
    const t0 = performance.now();
    res.on('finish', () => ms.push(performance.now() - t0));
  });
  process.on('message', async (m) => {
    if (m === 'cpu') {
      const { user, system } = process.cpuUsage();
      const sorted = Float64Array.from(ms).sort();
      ms = [];
      process.send?.({ cpuUs: user + system, serviceP99: percentile(sorted, 0.99) } satisfies CpuReport);
      return;
    }
    await stop();
    process.exit(0);
  });
}

/** Child mode: start the service, report its URL, stop on request. */
async function serveChild(): Promise<void> {
  // An empty BENCH_STATE_DIR: no snapshot (the route floor's model reads no user state).
  const { userState, source } = await liveRegistry(process.env.BENCH_MODELS_DIR ?? '', {
    stateDir: process.env.BENCH_STATE_DIR || undefined,
  });
  const modelName = process.env.BENCH_MODEL_NAME ?? 'bench';
  const devNull = openSync('/dev/null', 'w');
  const srv = await startServer({
    source,
    userState,
    modelName,
    port: 0,
    eventsDir: mkdtempSync(path.join(os.tmpdir(), 'bench-serve-events-')),
    pollIntervalMs: 2000,
    logExposures: process.env.BENCH_EXPOSURES !== '0',
    // As `workbench serve` logs: JSON lines, batched per event-loop turn, written synchronously.
    logger: process.env.BENCH_LOGS === '0' ? silentLogger : jsonLogger(batchedLines((chunk) => writeSync(devNull, `${chunk}\n`))),
  });
  answerParent(srv.server, () => srv.close());
  process.send?.({ service: srv.url } satisfies Urls);
}

/** Child mode: a plain node:http server spinning BENCH_SPIN_MS per request (answers 10 fixed items). */
async function constantWorkChild(): Promise<void> {
  const spinMs = Number(process.env.BENCH_SPIN_MS);
  const body = JSON.stringify({ items: Array.from({ length: 10 }, (_, i) => ({ itemId: `item-${i}`, score: 1 - i / 10 })) });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const until = performance.now() + spinMs;
      while (performance.now() < until) {
        // the fixed cost of a request: nothing allocated, nothing varies
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    });
  });
  answerParent(server, async () => void server.close());
  server.listen(0, '127.0.0.1', () => {
    const { port } = server.address() as AddressInfo;
    process.send?.({ service: `http://127.0.0.1:${port}` } satisfies Urls);
  });
}

interface AutocannonRequest {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
}
interface AutocannonResult {
  requests: { total: number };
  duration: number;
  errors: number;
  non2xx: number;
}
interface Run {
  result: AutocannonResult;
  /** Exact latencies (ms) of 2xx responses: autocannon's own histogram rounds to whole ms. */
  latencies: number[];
}
type Autocannon = (
  opts: { url: string; connections: number; duration: number; requests: AutocannonRequest[] },
  done: (err: Error | null, result: AutocannonResult) => void,
) => EventEmitter;

const autocannon = createRequire(path.join(process.cwd(), 'package.json'))('autocannon') as Autocannon;

function load(url: string, connections: number, duration: number, requests: AutocannonRequest[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const latencies: number[] = [];
    const tracker = autocannon({ url, connections, duration, requests }, (err, result) =>
      err ? reject(err) : resolve({ result, latencies }),
    );
    tracker.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status < 300) latencies.push(ms);
    });
  });
}

function percentile(sorted: Float64Array, p: number): number {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] : Number.NaN;
}

/** User and item ids of the served model (filled in main before any body is made). */
const ids = { users: [] as string[], items: [] as string[] };

function pickUser(rng: Rng): string {
  return rng.chance(0.1) ? `new-${rng.int(1e6)}` : rng.pick(ids.users);
}

function pickItems(n: number, rng: Rng): string[] {
  const chosen = new Set<string>();
  while (chosen.size < Math.min(n, ids.items.length)) chosen.add(rng.pick(ids.items));
  return [...chosen];
}

/** Recommendation bodies: `candidates` given ids, or none (the store generates up to 500). */
function bodies(candidates: number, rng: Rng): string[] {
  return Array.from({ length: 64 }, () =>
    JSON.stringify(
      candidates > 0 ? { userId: pickUser(rng), k: 10, candidates: pickItems(candidates, rng) } : { userId: pickUser(rng), k: 10 },
    ),
  );
}

const JSON_HEADERS = { 'content-type': 'application/json' };

/** POST /v1/recommendations requests over `bodies(candidates)`. */
function recRequests(candidates: number, rng: Rng): AutocannonRequest[] {
  return bodies(candidates, rng).map((body) => ({ method: 'POST', path: '/v1/recommendations', headers: JSON_HEADERS, body }));
}

/** POST /v1/rank bodies with `n` item ids. */
function rankBodies(n: number, rng: Rng): string[] {
  return Array.from({ length: 64 }, () => JSON.stringify({ userId: pickUser(rng), itemIds: pickItems(n, rng) }));
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Row {
  name: string;
  connections: number;
  rps: number;
  /** The service process's CPU time per answered request (µs): what other processes on the machine barely change. */
  cpuUs: number;
  p50: number;
  p99: number;
  /** p99 inside the service (request event to response finish): the rest of `p99` is outside it. */
  serviceP99: number;
  failures: number;
}

async function measure(name: string, url: string, connections: number, requests: AutocannonRequest[]): Promise<Row> {
  const runs: Omit<Row, 'name' | 'connections'>[] = [];
  for (let i = 0; i < RUNS; i++) {
    const before = await serverCpu();
    const { result, latencies } = await load(url, connections, SECONDS, requests);
    const after = await serverCpu();
    const cpuUs = (after.cpuUs - before.cpuUs) / Math.max(1, result.requests.total);
    const sorted = Float64Array.from(latencies).sort();
    runs.push({
      rps: result.requests.total / result.duration,
      cpuUs,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      serviceP99: after.serviceP99,
      failures: result.errors + result.non2xx,
    });
  }
  const row = {
    name,
    connections,
    rps: median(runs.map((r) => r.rps)),
    cpuUs: median(runs.map((r) => r.cpuUs)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    serviceP99: median(runs.map((r) => r.serviceP99)),
    failures: runs.reduce((n, r) => n + r.failures, 0),
  };
  console.log(
    `${name.padEnd(44)} ${String(connections).padStart(5)} ${row.rps.toFixed(0).padStart(8)} ${row.cpuUs.toFixed(0).padStart(8)} ${row.p50.toFixed(2).padStart(8)} ${row.p99.toFixed(2).padStart(8)} ${row.serviceP99.toFixed(2).padStart(8)} ${String(row.failures).padStart(8)}`,
  );
  return row;
}

const REC_STORE = 'recommendations k=10, store candidates';
const REC_500 = 'recommendations k=10, 500 given';
const RANK_500 = 'rank 500 ids';
const HEALTHZ = 'GET /healthz';
const HEALTHZ_REQUESTS = [{ method: 'GET', path: '/healthz' }];
const FLOOR = 'route floor: popularity, 10 given';
const FLOOR_HEALTHZ = 'GET /healthz (route floor service)';
const CONSTANT = 'constant work, plain node:http';

/**
 * The model and user state the bench serves: trained and published now, or (BENCH_MODELS_DIR and
 * BENCH_STATE_DIR both set, as printed by an earlier run) that earlier run's, to compare code changes
 * on the same model without training again.
 */
async function publishedModel(): Promise<{ modelsDir: string; stateDir: string }> {
  const given = { modelsDir: process.env.BENCH_MODELS_DIR, stateDir: process.env.BENCH_STATE_DIR };
  if (given.modelsDir && given.stateDir) {
    console.log(`serving the model published earlier in ${given.modelsDir} (user state ${given.stateDir})`);
    return { modelsDir: given.modelsDir, stateDir: given.stateDir };
  }
  const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'bench-serve-models-'));
  const source = existsSync(onlineRetailPath()) ? 'online-retail' : 'synthetic';
  console.log(`training and publishing the TF.js ranker on ${source} ...`);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bench-serve-state-'));
  await trainAndPublish({ data: { source }, modelsDir, stateDir, name: 'bench', training: { epochs: 3, bootstrapResamples: 100 } });
  console.log(`published: rerun on this model with BENCH_MODELS_DIR=${modelsDir} BENCH_STATE_DIR=${stateDir}`);
  return { modelsDir, stateDir };
}

/** A service (or plain server) child process being measured. */
interface Child {
  url: string;
  /** The child's CPU time so far and its p99 since the last call. */
  cpu: () => Promise<CpuReport>;
  stop: () => void;
}

/** Starts this file in child mode `mode` (--server, --constant-work) and waits for its URL. */
async function startChild(mode: string, env: Record<string, string>): Promise<Child> {
  const child = fork(process.argv[1], [mode], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, ...env } });
  // Never leave a child behind, whatever happens here.
  process.on('exit', () => child.kill());
  const urls = await new Promise<Urls>((resolve) => child.once('message', (m) => resolve(m as Urls)));
  return {
    url: urls.service,
    cpu: () =>
      new Promise((resolve) => {
        child.once('message', (m) => resolve(m as CpuReport));
        child.send('cpu');
      }),
    stop: () => child.send('stop'),
  };
}

const FLOOR_MODEL = 'bench-floor';

/**
 * The route floor: the same service serving a popularity baseline (published beside the ranker
 * when missing) over 10 given candidates, with its own /healthz, at 1 and 32 connections.
 */
async function floorRows(modelsDir: string, rng: Rng): Promise<Row[]> {
  if (!existsSync(path.join(modelsDir, FLOOR_MODEL))) {
    const source = existsSync(onlineRetailPath()) ? 'online-retail' : 'synthetic';
    const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bench-serve-floor-state-'));
    await trainAndPublish({ data: { source }, modelsDir, stateDir, name: FLOOR_MODEL, kinds: ['popularity'] });
    rmSync(stateDir, { recursive: true, force: true });
  }
  const floor = await startChild('--server', { BENCH_MODELS_DIR: modelsDir, BENCH_MODEL_NAME: FLOOR_MODEL, BENCH_STATE_DIR: '' });
  serverCpu = floor.cpu;
  const given = recRequests(10, rng);
  await load(floor.url, 8, WARMUP_SECONDS, given);
  const rows: Row[] = [];
  for (const connections of [1, 32]) {
    rows.push(await measure(FLOOR_HEALTHZ, floor.url, connections, HEALTHZ_REQUESTS));
    rows.push(await measure(FLOOR, floor.url, connections, given));
  }
  floor.stop();
  return rows;
}

/** A plain node:http server spinning the ranker's in-process median per request, at 1 connection. */
async function constantWorkRow(spinMs: number): Promise<Row> {
  const plain = await startChild('--constant-work', { BENCH_SPIN_MS: String(spinMs) });
  serverCpu = plain.cpu;
  const requests = [{ method: 'POST', path: '/', headers: JSON_HEADERS, body: '{"userId":"u","k":10}' }];
  await load(plain.url, 1, 2, requests);
  const row = await measure(`${CONSTANT} (${spinMs.toFixed(2)} ms spin)`, plain.url, 1, requests);
  plain.stop();
  return row;
}

async function main(): Promise<void> {
  const rng = new Rng(5);
  const { modelsDir, stateDir } = await publishedModel();
  // Model scoring alone, in this process: the floor under the HTTP figures.
  const users = restoreUserState({ stateDir, definitions: registeredUserStates() }).store;
  const loaded = await loadVersion(modelsDir, 'bench', 1);
  const model: ServableModel = await openServable(loaded, { users });
  const tables = (await loaded.readJson('features.json')) as FeatureTables;
  ids.items = tables.items.ids;
  ids.users = users.userIds();
  console.log(`model: ${model.kind} over ${ids.items.length} items and ${ids.users.length} known users`);
  let recommendMs = Number.NaN;
  for (const n of [0, 500]) {
    const qs = bodies(n, rng).map((b) => JSON.parse(b) as { userId: string; candidates?: string[] });
    const times: number[] = [];
    for (let rep = 0; rep < 5; rep++) {
      const t0 = performance.now();
      for (const q of qs) model.recommend({ userId: q.userId, k: 10, candidates: q.candidates });
      times.push((performance.now() - t0) / qs.length);
    }
    console.log(`model.recommend alone, ${n ? `${n} given` : 'store'} candidates: ${median(times).toFixed(3)} ms median per call`);
    if (n === 0) recommendMs = median(times);
  }
  const ranked = model.kind.startsWith('ltr-');
  model.dispose();

  // The request path stage by stage, in this process, with the service's own components (the
  // stages are a learnt ranker's: other kinds, e.g. a baseline served to see the floor, skip it).
  if (ranked) {
    const live = await liveRegistry(modelsDir, { stateDir });
    const profiled = createService({ ...live, modelName: 'bench', events: { append: async () => {} }, pollIntervalMs: 0 });
    await profiled.start();
    console.log('\nRequest path of POST /v1/recommendations (k=10, candidates from the store), per stage:');
    printStages(await profileStages(profiled, loaded, bodies(0, rng)));
    await profiled.close();
  } else console.log(`\n(no stage profile: ${model.kind} is not a learnt ranker)`);

  const main = await startChild('--server', { BENCH_MODELS_DIR: modelsDir, BENCH_STATE_DIR: stateDir });
  serverCpu = main.cpu;
  const rec = (n: number) => recRequests(n, rng);
  const rank = rankBodies(500, rng).map((body) => ({ method: 'POST', path: '/v1/rank', headers: JSON_HEADERS, body }));
  const knobs = `exposures ${process.env.BENCH_EXPOSURES === '0' ? 'off' : 'on'}, request logs ${process.env.BENCH_LOGS === '0' ? 'off' : 'on'}`;
  console.log(
    `\n${os.cpus().length} cores, one service process, ${SECONDS} s per run, median of ${RUNS} runs, ${knobs}; latency in ms (svc p99: inside the service, request to response)\n`,
  );
  console.log(
    `${'target'.padEnd(44)} ${'conns'.padStart(5)} ${'req/s'.padStart(8)} ${'cpu us'.padStart(8)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'svc p99'.padStart(8)} ${'failures'.padStart(8)}`,
  );
  // Warm up (JIT: the p99 at one connection keeps falling for several seconds after start).
  await load(main.url, 8, WARMUP_SECONDS, rec(0));
  await load(main.url, 8, 2, rank);
  await load(main.url, 8, 1, HEALTHZ_REQUESTS);
  const rows: Row[] = [];
  for (const connections of [1, 32]) {
    rows.push(await measure(HEALTHZ, main.url, connections, HEALTHZ_REQUESTS));
    rows.push(await measure(REC_STORE, main.url, connections, rec(0)));
    rows.push(await measure(REC_500, main.url, connections, rec(500)));
    rows.push(await measure(RANK_500, main.url, connections, rank));
  }
  main.stop();
  rows.push(...(await floorRows(modelsDir, rng)));
  rows.push(await constantWorkRow(recommendMs));
  printSummary(rows);
  const out = path.join(process.cwd(), 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'serve.json'),
    `${JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, runs: RUNS, rows }, null, 2)}\n`,
  );
}

/** The ratios against /healthz, the targets of issue 19, and what they are measured against. */
function printSummary(rows: readonly Row[]): void {
  const find = (name: string, c: number) => rows.find((r) => r.name === name && r.connections === c)!;
  console.log('\nThroughput against GET /healthz of the same service, this run:');
  for (const c of [1, 32]) {
    const h = find(HEALTHZ, c).rps;
    console.log(
      `  ${String(c).padStart(2)} conn: store candidates ${(find(REC_STORE, c).rps / h).toFixed(3)}x, 500 given ${(find(REC_500, c).rps / h).toFixed(3)}x, rank 500 ${(find(RANK_500, c).rps / h).toFixed(3)}x`,
    );
  }
  // Throughput if the service alone had the cores: /healthz's CPU per request over the route's.
  console.log("Service CPU per request against GET /healthz's, this run (the throughput ratio were the service CPU-bound alone):");
  for (const c of [1, 32]) {
    const h = find(HEALTHZ, c).cpuUs;
    console.log(
      `  ${String(c).padStart(2)} conn: store candidates ${(h / find(REC_STORE, c).cpuUs).toFixed(3)}x, 500 given ${(h / find(REC_500, c).cpuUs).toFixed(3)}x, rank 500 ${(h / find(RANK_500, c).cpuUs).toFixed(3)}x`,
    );
  }
  const ratio = find(REC_STORE, 32).rps / find(HEALTHZ, 32).rps;
  const rankRatio = find(RANK_500, 32).rps / find(HEALTHZ, 32).rps;
  const p99 = find(REC_STORE, 1).p99;
  const met = (ok: boolean) => (ok ? 'met' : 'NOT met');
  console.log('\nTargets (issue 19):');
  console.log(
    `  recommendations (store candidates) / healthz at 32 connections: ${ratio.toFixed(3)}x (target >= 0.30x): ${met(ratio >= 0.3)}`,
  );
  console.log(
    `  recommendations (store candidates) p99 at 1 connection: ${p99.toFixed(2)} ms (target <= 1 ms): ${met(p99 <= 1)}; inside the service ${find(REC_STORE, 1).serviceP99.toFixed(2)} ms`,
  );
  console.log(`  /v1/rank 500 ids / healthz at 32 connections: ${rankRatio.toFixed(3)}x (target >= 0.25x): ${met(rankRatio >= 0.25)}`);
  const failures = rows.reduce((n, r) => n + r.failures, 0);
  console.log(`  failed requests (errors + non-2xx): ${failures}`);
  const floor = find(FLOOR, 32).rps / find(FLOOR_HEALTHZ, 32).rps;
  const floorCpu = find(FLOOR_HEALTHZ, 32).cpuUs / find(FLOOR, 32).cpuUs;
  const constant = rows.find((r) => r.name.startsWith(CONSTANT))!;
  console.log('What the targets are measured against, this run:');
  console.log(
    `  route floor (the same service, popularity over 10 given) / its /healthz at 32 connections: ${floor.toFixed(3)}x (CPU ${floorCpu.toFixed(3)}x): no model's ratio can exceed it`,
  );
  console.log(`  route floor p99 at 1 connection: ${find(FLOOR, 1).p99.toFixed(2)} ms`);
  console.log(
    `  ${constant.name} p99 at 1 connection: ${constant.p99.toFixed(2)} ms (p50 ${constant.p50.toFixed(2)}): what the load generator and this machine add to a fixed cost`,
  );
}

if (process.argv.includes('--server')) await serveChild();
else if (process.argv.includes('--constant-work')) await constantWorkChild();
else await main();
