/**
 * Benchmark of the recommendation service over real HTTP (autocannon against 127.0.0.1).
 *
 *   npx tsx bench/serve.ts            (BENCH_SECONDS=5 per run, BENCH_RUNS=3 runs per row)
 *
 * The servers run in a child process (so the load generator does not share their event loop):
 * our service (one process, exposure logging on, JSON request logs written to /dev/null) and, in
 * the same child, a trivial Hono app on @hono/node-server as the baseline: GET /ping returning a
 * small JSON, and POST /echo parsing the same 500-id body. Rows: POST /v1/recommendations with k=10
 * over 200 and 500 given candidates, at 1 and 32 connections. Figures are medians over the runs;
 * ratios compare with the baseline measured in the same run. BENCH_EXPOSURES=0 turns impression
 * logging off and BENCH_LOGS=0 request logs, to see their cost. The model is REAL: the TF.js ranker
 * trained and published on Online Retail (3,659 items; the synthetic store when the shared file is
 * absent), served through the registry exactly as `workbench serve` does.
 */
import { fork } from 'node:child_process';
import type { EventEmitter } from 'node:events';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { createAdaptorServer } from '@hono/node-server';
import { Hono } from 'hono';
import { liveRegistry } from '../serve/live-state.js';
import { jsonLogger, silentLogger } from '../serve/logger.js';
import { startServer } from '../serve/server.js';
import { type FeatureTables, registeredUserStates } from '../src/features/index.js';
import { restoreUserState } from '../src/features/user-state-snapshot.js';
import { onlineRetailPath } from '../src/paths.js';
import { trainAndPublish } from '../src/pipeline/train-publish.js';
import { loadVersion } from '../src/registry/load.js';
import type { ServableModel } from '../src/registry/servable.js';
import { openServable } from '../src/registry/servable-factory.js';
import { Rng } from '../src/util/random.js';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);

interface Urls {
  service: string;
  baseline: string;
}

/** Child mode: start both servers, report their URLs, stop on request. */
async function serveChild(): Promise<void> {
  const { userState, source } = await liveRegistry(process.env.BENCH_MODELS_DIR ?? '', { stateDir: process.env.BENCH_STATE_DIR });
  const sink = createWriteStream('/dev/null');
  const srv = await startServer({
    source,
    userState,
    modelName: 'bench',
    port: 0,
    eventsDir: mkdtempSync(path.join(os.tmpdir(), 'bench-serve-events-')),
    pollIntervalMs: 2000,
    logExposures: process.env.BENCH_EXPOSURES !== '0',
    logger: process.env.BENCH_LOGS === '0' ? silentLogger : jsonLogger((line) => sink.write(`${line}\n`)),
  });
  const base = new Hono();
  base.get('/ping', (c) => c.json({ ok: true }));
  base.post('/echo', async (c) => {
    const body = (await c.req.json()) as { candidates?: unknown[] };
    return c.json({ n: body.candidates?.length ?? 0 });
  });
  const baseline = createAdaptorServer({ fetch: base.fetch });
  await new Promise<void>((resolve) => baseline.listen(0, '127.0.0.1', () => resolve()));
  const port = (baseline.address() as { port: number }).port;
  process.send?.({ service: srv.url, baseline: `http://127.0.0.1:${port}` } satisfies Urls);
  process.on('message', async () => {
    baseline.close();
    await srv.close();
    process.exit(0);
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

function bodies(candidates: number, rng: Rng): string[] {
  return Array.from({ length: 64 }, () => {
    const userId = rng.chance(0.1) ? `new-${rng.int(1e6)}` : rng.pick(ids.users);
    const chosen = new Set<string>();
    while (chosen.size < Math.min(candidates, ids.items.length)) chosen.add(rng.pick(ids.items));
    const ids_ = chosen;
    return JSON.stringify({ userId, k: 10, candidates: [...ids_] });
  });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

interface Row {
  name: string;
  connections: number;
  rps: number;
  p50: number;
  p99: number;
  failures: number;
}

async function measure(name: string, url: string, connections: number, requests: AutocannonRequest[]): Promise<Row> {
  const runs: { rps: number; p50: number; p99: number; failures: number }[] = [];
  for (let i = 0; i < RUNS; i++) {
    const { result, latencies } = await load(url, connections, SECONDS, requests);
    const sorted = Float64Array.from(latencies).sort();
    runs.push({
      rps: result.requests.total / result.duration,
      p50: percentile(sorted, 0.5),
      p99: percentile(sorted, 0.99),
      failures: result.errors + result.non2xx,
    });
  }
  const row = {
    name,
    connections,
    rps: median(runs.map((r) => r.rps)),
    p50: median(runs.map((r) => r.p50)),
    p99: median(runs.map((r) => r.p99)),
    failures: runs.reduce((n, r) => n + r.failures, 0),
  };
  console.log(
    `${name.padEnd(40)} ${String(connections).padStart(5)} ${row.rps.toFixed(0).padStart(8)} ${row.p50.toFixed(2).padStart(8)} ${row.p99.toFixed(2).padStart(8)} ${String(row.failures).padStart(8)}`,
  );
  return row;
}

async function main(): Promise<void> {
  const rng = new Rng(5);
  const modelsDir = mkdtempSync(path.join(os.tmpdir(), 'bench-serve-models-'));
  const source = existsSync(onlineRetailPath()) ? 'online-retail' : 'synthetic';
  console.log(`training and publishing the TF.js ranker on ${source} ...`);
  const stateDir = mkdtempSync(path.join(os.tmpdir(), 'bench-serve-state-'));
  await trainAndPublish({ data: { source }, modelsDir, stateDir, name: 'bench', training: { epochs: 3, bootstrapResamples: 100 } });
  // Model scoring alone, in this process: the floor under the HTTP figures.
  const users = restoreUserState({ stateDir, definitions: registeredUserStates() }).store;
  const model: ServableModel = await openServable(await loadVersion(modelsDir, 'bench', 1), { users });
  const tables = (await (await loadVersion(modelsDir, 'bench', 1)).readJson('features.json')) as FeatureTables;
  ids.items = tables.items.ids;
  ids.users = users.userIds();
  console.log(`model: ${model.kind} over ${ids.items.length} items and ${ids.users.length} known users`);
  for (const n of [200, 500]) {
    const qs = bodies(n, rng).map((b) => JSON.parse(b) as { userId: string; candidates: string[] });
    const times: number[] = [];
    for (let rep = 0; rep < 5; rep++) {
      const t0 = performance.now();
      for (const q of qs) model.recommend({ userId: q.userId, k: 10, candidates: q.candidates });
      times.push((performance.now() - t0) / qs.length);
    }
    console.log(`model.recommend alone, ${n} candidates: ${median(times).toFixed(3)} ms median per call`);
  }

  const child = fork(process.argv[1], ['--server'], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    env: { ...process.env, BENCH_MODELS_DIR: modelsDir, BENCH_STATE_DIR: stateDir },
  });
  // Never leave the server child behind, whatever happens here.
  process.on('exit', () => child.kill());
  const urls = await new Promise<Urls>((resolve) => child.once('message', (m) => resolve(m as Urls)));
  const json = { 'content-type': 'application/json' };
  const rec = (n: number) => bodies(n, rng).map((body) => ({ method: 'POST', path: '/v1/recommendations', headers: json, body }));
  const echo = bodies(500, rng).map((body) => ({ method: 'POST', path: '/echo', headers: json, body }));
  const ping = [{ method: 'GET', path: '/ping' }];
  const knobs = `exposures ${process.env.BENCH_EXPOSURES === '0' ? 'off' : 'on'}, request logs ${process.env.BENCH_LOGS === '0' ? 'off' : 'on'}`;
  console.log(`\n${os.cpus().length} cores, ${SECONDS} s per run, median of ${RUNS} runs, ${knobs}; latency in ms\n`);
  console.log(
    `${'target'.padEnd(40)} ${'conns'.padStart(5)} ${'req/s'.padStart(8)} ${'p50'.padStart(8)} ${'p99'.padStart(8)} ${'failures'.padStart(8)}`,
  );
  // Warm up both servers (JIT) before measuring.
  await load(urls.service, 8, 2, rec(500));
  await load(urls.baseline, 8, 1, echo);
  const rows: Row[] = [];
  for (const connections of [1, 32]) {
    rows.push(await measure('baseline GET /ping (trivial Hono JSON)', urls.baseline, connections, ping));
    rows.push(await measure('baseline POST /echo (parse 500 ids)', urls.baseline, connections, echo));
    rows.push(await measure('recommendations k=10, 200 candidates', urls.service, connections, rec(200)));
    rows.push(await measure('recommendations k=10, 500 candidates', urls.service, connections, rec(500)));
  }
  child.send('stop');

  const find = (name: string, c: number) => rows.find((r) => r.name.startsWith(name) && r.connections === c)!;
  console.log('\nOverhead against the baselines measured in this run:');
  for (const c of [1, 32]) {
    const r500 = find('recommendations k=10, 500', c);
    const r200 = find('recommendations k=10, 200', c);
    const ping = find('baseline GET', c);
    const echoRow = find('baseline POST', c);
    console.log(
      `  ${String(c).padStart(2)} conn: req/s 500-cand / ping = ${(r500.rps / ping.rps).toFixed(2)}, 500-cand / echo = ${(r500.rps / echoRow.rps).toFixed(2)}, 200-cand / ping = ${(r200.rps / ping.rps).toFixed(2)}; p99 500-cand / echo = ${(r500.p99 / Math.max(echoRow.p99, 0.01)).toFixed(2)}`,
    );
  }
  const p99 = find('recommendations k=10, 500', 1).p99;
  const rps = find('recommendations k=10, 500', 32).rps;
  console.log('\nTargets (this machine, one service process):');
  console.log(`  p99 at 1 connection, 500 candidates: ${p99.toFixed(2)} ms (target <= 10 ms): ${p99 <= 10 ? 'met' : 'NOT met'}`);
  console.log(`  req/s at 32 connections, 500 candidates: ${rps.toFixed(0)} (target >= 1000): ${rps >= 1000 ? 'met' : 'NOT met'}`);
  const failures = rows.reduce((n, r) => n + r.failures, 0);
  console.log(`  failed requests (errors + non-2xx): ${failures}`);
  const out = path.join(process.cwd(), 'bench', 'results');
  mkdirSync(out, { recursive: true });
  writeFileSync(
    path.join(out, 'serve.json'),
    `${JSON.stringify({ at: new Date().toISOString(), seconds: SECONDS, runs: RUNS, rows }, null, 2)}\n`,
  );
}

if (process.argv.includes('--server')) await serveChild();
else await main();
