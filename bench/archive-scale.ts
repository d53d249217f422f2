/**
 * The Parquet event archive at scale, in two parts.
 *
 * 1. Archive write throughput: --archive-events events appended to the Redis stream
 *    (RedisEventStream.append, 50 events per request, as POST /v1/events does), then drained by the
 *    product's StreamArchiver (consumer group, batches of 10,000, hive-partitioned zstd Parquet
 *    written durably, acknowledged, stream trimmed). Events/s is the median over --runs runs; the
 *    baseline, measured in the same run on the same events, is writeArchiveBatch alone (the same
 *    Parquet writer, no Redis), so the ratio is what the stream round trips cost.
 * 2. Feature build growth: for each of --sizes, an archive of that many events (written with the
 *    archiver's writer), then what a pipeline run does with it: read it through the pipeline's
 *    reader (readFreshEvents -> the DuckDB event-log view over the Parquet parts) and build the
 *    feature store (buildFeatureStore at the end of the data). Median seconds over --runs runs;
 *    the ratio is against the smallest size measured in the same run, and the factor per 10x is
 *    that ratio spread evenly over each tenfold step (1.0 would be flat, 10 linear).
 *
 * The Redis server is Debian's redis-server on a loopback port in a temporary folder (the tests'
 * helper); it and every archive are removed at the end, also on error or Ctrl-C. 10M events need a
 * larger heap: run with --max-old-space-size=16384.
 *
 *   node --max-old-space-size=16384 --import tsx bench/archive-scale.ts [--archive-events 200000]
 *     [--sizes 100000,1000000,10000000] [--runs 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Duck } from '../src/data/duckdb.js';
import { writeArchiveBatch } from '../src/data/event-archive.js';
import { createEventLogView } from '../src/data/eventlog.js';
import type { InteractionEvent, Item } from '../src/data/schema.js';
import { errorMessage } from '../src/errors.js';
import { buildFeatureStore } from '../src/features/store.js';
import { readFreshEvents } from '../src/pipeline/fresh-events.js';
import { loadPlugins } from '../src/plugins.js';
import { connectRedis, type RedisClient } from '../src/redis/connection.js';
import { RedisEventStream } from '../src/redis/event-stream.js';
import { StreamArchiver } from '../src/redis/stream-archiver.js';
import { startRedis } from '../src/redis/testing/redis-server.js';
import { median, positiveInt, SCALE_T0, trafficChunks } from './scale-common.js';

/** The synthetic catalogue: items i0..i{n-1}. */
const ITEMS = 20_000;
/** Events per user of the synthetic traffic (users grow with the archive). */
const EVENTS_PER_USER = 20;
const SPAN_DAYS = 28;

function traffic(n: number, chunk: number): Generator<InteractionEvent[]> {
  return trafficChunks(n, { users: Math.max(1, Math.ceil(n / EVENTS_PER_USER)), items: ITEMS, spanDays: SPAN_DAYS, chunk });
}

/** Rows the event-log view reads from the archive in `dir` (each streamId once). */
export async function archivedRows(dir: string): Promise<number> {
  const duck = await Duck.open(':memory:');
  try {
    await createEventLogView(duck, dir);
    const [row] = await duck.query<{ n: number }>('select count(*) as n from events');
    return Number(row.n);
  } finally {
    duck.close();
  }
}

/** What one archiver run measured. */
export interface ArchiverRun {
  appendPerSec: number;
  archivePerSec: number;
  rows: number;
}

/**
 * Appends `events` to a fresh stream under `prefix` (requests of 50, 8 in flight), then drains it
 * with a StreamArchiver into `dir`; checks every event landed in the archive once.
 */
export async function archiverRun(
  url: string,
  client: RedisClient,
  events: readonly InteractionEvent[],
  prefix: string,
  dir: string,
): Promise<ArchiverRun> {
  const stream = new RedisEventStream(client, { prefix });
  await stream.ensureGroups();
  const t0 = performance.now();
  let next = 0;
  const appender = async () => {
    while (next < events.length) {
      const from = next;
      next += 50;
      await stream.append(events.slice(from, from + 50));
    }
  };
  await Promise.all(Array.from({ length: 8 }, appender));
  const appendPerSec = events.length / ((performance.now() - t0) / 1000);
  const blockingClient = await connectRedis(url, { commandTimeoutMs: 3000, name: 'bench archiver' });
  const errors: Error[] = [];
  const archiver = new StreamArchiver({ stream, dir, consumer: 'bench', blockingClient, flushMs: 100, onError: (e) => errors.push(e) });
  try {
    const t1 = performance.now();
    archiver.start();
    while (archiver.archived < events.length && errors.length === 0) await new Promise((r) => setTimeout(r, 5));
    const archivePerSec = events.length / ((performance.now() - t1) / 1000);
    if (errors.length) throw errors[0];
    await archiver.stop();
    const rows = await archivedRows(dir);
    if (rows !== events.length) throw new Error(`the archive holds ${rows} events of ${events.length} appended`);
    return { appendPerSec, archivePerSec, rows };
  } finally {
    await archiver.stop();
    blockingClient.disconnect();
  }
}

/** Writes `events` with writeArchiveBatch alone (batches of 10,000, one DuckDB thread as the archiver): events/s. */
export async function directWrite(events: readonly InteractionEvent[], dir: string): Promise<number> {
  const duck = await Duck.open(':memory:', { threads: 1 });
  try {
    const t0 = performance.now();
    for (let i = 0; i < events.length; i += 10_000)
      await writeArchiveBatch(
        duck,
        dir,
        events.slice(i, i + 10_000).map((event, k) => ({ streamId: `${i + k + 1}-0`, event })),
      );
    return events.length / ((performance.now() - t0) / 1000);
  } finally {
    duck.close();
  }
}

/** Writes an archive of `n` synthetic events into `dir` (chunks of 500,000) for the build part. */
export async function writeArchive(n: number, dir: string): Promise<void> {
  const duck = await Duck.open(':memory:');
  try {
    let id = 0;
    for (const chunk of traffic(n, 500_000))
      await writeArchiveBatch(
        duck,
        dir,
        chunk.map((event) => ({ streamId: `${++id}-0`, event })),
      );
  } finally {
    duck.close();
  }
}

/** What one feature build from the archive measured. */
export interface BuildRun {
  readS: number;
  buildS: number;
  events: number;
  users: number;
  stages: Record<string, number>;
}

/** The pipeline's read of the archive and the feature store build over it. */
export async function buildFromArchive(dir: string, items: readonly Item[]): Promise<BuildRun> {
  const until = SCALE_T0 + (SPAN_DAYS + 30) * 86_400_000;
  const t0 = performance.now();
  const fresh = await readFreshEvents(dir, { since: null, until });
  const t1 = performance.now();
  const cutoff = fresh.training.reduce((m, e) => Math.max(m, e.ts), 0) + 1;
  const store = await buildFeatureStore(fresh.training, items, { cutoff });
  const t2 = performance.now();
  return {
    readS: (t1 - t0) / 1000,
    buildS: (t2 - t1) / 1000,
    events: fresh.total,
    users: store.userIds.length,
    stages: store.report?.timingsMs ?? {},
  };
}

const int = (x: number) => Math.round(x).toLocaleString('en-US');
const pad = (s: string, n: number) => s.padStart(n);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      'archive-events': { type: 'string', default: '200000' },
      sizes: { type: 'string', default: '100000,1000000,10000000' },
      runs: { type: 'string', default: '3' },
    },
  });
  const E = positiveInt('archive-events', values['archive-events']);
  const SIZES = values.sizes.split(',').map((s) => positiveInt('sizes', s.trim()));
  const RUNS = positiveInt('runs', values.runs);
  const print = (line: string) => process.stdout.write(`${line}\n`);
  await loadPlugins();

  const root = mkdtempSync(path.join(os.tmpdir(), 'wb-bench-archive-scale-'));
  const server = await startRedis();
  let client: RedisClient | undefined;
  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      client?.disconnect();
      await server.close();
      rmSync(root, { recursive: true, force: true });
    })());
  const onSignal = () => void close().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    client = await connectRedis(server.url);
    const events = [...traffic(E, E)].flat();
    print(`1. archive write: ${int(E)} events, median of ${RUNS} runs (redis-server on ${server.url}, AOF appendfsync always)`);
    const runs: ArchiverRun[] = [];
    const direct: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      runs.push(await archiverRun(server.url, client, events, `bench${r}`, path.join(root, `archiver-${r}`)));
      direct.push(await directWrite(events, path.join(root, `direct-${r}`)));
      rmSync(path.join(root, `archiver-${r}`), { recursive: true, force: true });
      rmSync(path.join(root, `direct-${r}`), { recursive: true, force: true });
      await client.del(`bench${r}:events`);
    }
    const arch = median(runs.map((r) => r.archivePerSec));
    print(`   stream append (requests of 50, 8 in flight): ${int(median(runs.map((r) => r.appendPerSec)))} events/s`);
    print(`   StreamArchiver drain -> Parquet: ${int(arch)} events/s (every event archived once: checked)`);
    print(
      `   baseline, same run: writeArchiveBatch alone ${int(median(direct))} events/s; archiver / direct = ${(arch / median(direct)).toFixed(2)}x`,
    );

    const items: Item[] = Array.from({ length: ITEMS }, (_, i) => ({ itemId: `i${i}`, title: `item ${i}` }));
    print(`\n2. feature build from a Parquet archive (read with readFreshEvents + buildFeatureStore), median of ${RUNS} runs`);
    const rows: { n: number; s: number; read: number; build: number; run: BuildRun; writeS: number }[] = [];
    for (const n of SIZES) {
      const dir = path.join(root, `size-${n}`);
      const tw = performance.now();
      await writeArchive(n, dir);
      const writeS = (performance.now() - tw) / 1000;
      const got: BuildRun[] = [];
      for (let r = 0; r < RUNS; r++) {
        got.push(await buildFromArchive(dir, items));
        (globalThis as { gc?: () => void }).gc?.();
      }
      if (got[0].events !== n) throw new Error(`read ${got[0].events} events from an archive of ${n}`);
      const read = median(got.map((g) => g.readS));
      const build = median(got.map((g) => g.buildS));
      rows.push({ n, s: median(got.map((g) => g.readS + g.buildS)), read, build, run: got[0], writeS });
      rmSync(dir, { recursive: true, force: true });
      print(
        `   ${int(n)} events: archive written in ${writeS.toFixed(1)} s; ${int(got[0].users)} users; build stages (ms, run 1): ` +
          Object.entries(got[0].stages)
            .map(([k, v]) => `${k} ${Math.round(v)}`)
            .join(', '),
      );
    }
    const base = rows.reduce((a, b) => (b.n < a.n ? b : a));
    print('');
    print(
      `${pad('events', 12)} ${pad('read s', 8)} ${pad('build s', 8)} ${pad('total s', 8)} ${pad('events/s', 10)} ${pad('ratio', 7)} ${pad('per 10x', 8)}`,
    );
    for (const r of rows) {
      const ratio = r.s / base.s;
      const steps = Math.log10(r.n / base.n);
      const per10 = steps > 0 ? ratio ** (1 / steps) : Number.NaN;
      print(
        `${pad(int(r.n), 12)} ${pad(r.read.toFixed(2), 8)} ${pad(r.build.toFixed(2), 8)} ${pad(r.s.toFixed(2), 8)} ${pad(int(r.n / r.s), 10)} ${pad(`${ratio.toFixed(2)}x`, 7)} ${pad(Number.isNaN(per10) ? '-' : `${per10.toFixed(2)}x`, 8)}`,
      );
    }
    print(`(ratio: total time / the ${int(base.n)}-event build of the same run; per 10x: ratio^(1/log10(size/${int(base.n)})))`);
  } finally {
    await close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err) => {
    process.stderr.write(`archive-scale: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  });
}
