/**
 * Shared user state on Redis at scale: N users' state loaded through RedisUserStateStore.putUsers
 * (the path that seeds a fresh Redis from a snapshot, same keys as the service; on a connection of
 * its own with a 60 s command timeout, and every batch timed against the service's 1 s), then one
 * request's state lookup as the service does it (SharedUserState.prefetch([user]) then
 * store.get), at concurrency 1 and 16 on the service's one connection.
 *
 * Prints bytes per user (INFO used_memory delta / N, and the AOF per user), load throughput
 * (users/s: median over 10 slices of the load, and overall), and lookup p50/p99 (medians over
 * --runs runs). Baselines measured in the same run on the same connection: a PING round trip and a
 * raw HGET of the same key (no clock read, no decode); ratios are lookup / baseline. The server is
 * Debian's redis-server on a loopback port in a temporary folder, configured as the service
 * requires (AOF, appendfsync always); it is stopped and its folder removed at the end, also on
 * error or Ctrl-C.
 *
 *   node --import tsx bench/redis-state-scale.ts [--users 1000000] [--runs 5] [--lookups 5000] [--batch 1000]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { isDeepStrictEqual, parseArgs } from 'node:util';
import { SharedUserState } from '../serve/shared-state.js';
import { errorMessage } from '../src/errors.js';
import { registeredUserStates } from '../src/features/index.js';
import { DEFAULT_SESSION_GAP_MINUTES } from '../src/features/training-window.js';
import { applyEvent, emptyUserState, type UserState, type UserStateDefinition } from '../src/features/user-state.js';
import { encodeUserRow } from '../src/features/user-state-codec.js';
import { loadPlugins } from '../src/plugins.js';
import { connectRedis, type RedisClient } from '../src/redis/connection.js';
import { type RedisServerHandle, startRedis } from '../src/redis/testing/redis-server.js';
import { RedisUserStateStore } from '../src/redis/user-state-redis.js';
import { Rng } from '../src/util/random.js';
import { median, positiveInt, quantile, userEvents } from './scale-common.js';

/** Items of the synthetic catalogue the users' histories draw from. */
const ITEMS = 20_000;

/** How many events user `u` has (5 to 30, mean 17.5): the bench's history sizes. */
export function eventsOfUser(u: number): number {
  return 5 + (u % 26);
}

/** User `u`'s state: their synthetic events applied with the one applyEvent. */
export function userState(u: number, definitions: readonly UserStateDefinition[]): UserState {
  const s = emptyUserState(definitions);
  const gapMs = DEFAULT_SESSION_GAP_MINUTES * 60_000;
  for (const e of userEvents(u, eventsOfUser(u), { items: ITEMS, spanDays: 28 })) applyEvent(s, e, definitions, gapMs);
  return s;
}

function* usersInRange(from: number, to: number, definitions: readonly UserStateDefinition[]): Generator<[string, UserState]> {
  for (let u = from; u < to; u++) yield [`u${u}`, userState(u, definitions)];
}

async function infoField(client: RedisClient, section: string, field: string): Promise<number> {
  const info = (await client.info(section)) as string;
  const m = new RegExp(`^${field}:(\\d+)`, 'm').exec(info);
  if (!m) throw new Error(`Redis INFO ${section} has no ${field}`);
  return Number(m[1]);
}

/** What loading measured. */
export interface LoadFigures {
  users: number;
  seconds: number;
  usersPerSec: number;
  /** Users/s of each tenth of the load. */
  sliceUsersPerSec: number[];
  /** Milliseconds of each batch (one putUsers round of `batch` pipelined HSETs). */
  batchMs: number[];
  usedMemoryBytes: number;
  aofBytes: number;
}

/**
 * Loads users 0..n-1 through RedisUserStateStore.putUsers (the seeding path, the service's key
 * layout) one batch per call, timing each batch, and measures the memory it took.
 */
export async function loadUsers(store: RedisUserStateStore, n: number, batch: number): Promise<LoadFigures> {
  const client = store.client;
  const mem0 = await infoField(client, 'memory', 'used_memory');
  const aof0 = await infoField(client, 'persistence', 'aof_current_size');
  const batchMs: number[] = [];
  const sliceUsersPerSec: number[] = [];
  const slices = Math.min(10, n);
  const t0 = performance.now();
  for (let k = 0; k < slices; k++) {
    const ts = performance.now();
    const [sliceFrom, sliceTo] = [Math.floor((k * n) / slices), Math.floor(((k + 1) * n) / slices)];
    for (let from = sliceFrom; from < sliceTo; from += batch) {
      const to = Math.min(sliceTo, from + batch);
      const tb = performance.now();
      const written = await store.putUsers(usersInRange(from, to, store.definitions), { batch });
      batchMs.push(performance.now() - tb);
      if (written !== to - from) throw new Error(`putUsers wrote ${written} users of ${to - from}`);
    }
    sliceUsersPerSec.push((sliceTo - sliceFrom) / ((performance.now() - ts) / 1000));
  }
  const seconds = (performance.now() - t0) / 1000;
  const mem1 = await infoField(client, 'memory', 'used_memory');
  const aof1 = await infoField(client, 'persistence', 'aof_current_size');
  return { users: n, seconds, usersPerSec: n / seconds, sliceUsersPerSec, batchMs, usedMemoryBytes: mem1 - mem0, aofBytes: aof1 - aof0 };
}

/** Latencies (ms) of `count` calls of `fn`, `concurrency` at a time. */
export async function latencies(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<number[]> {
  const out: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const i = next++;
      const t = performance.now();
      await fn(i);
      out.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return out;
}

/**
 * One request's state lookup as the routes do it (prefetchUsers -> SharedUserState.prefetch,
 * then the synchronous store.get). Checks the state read is user `u`'s.
 */
export async function lookup(shared: SharedUserState, u: number): Promise<void> {
  const id = `u${u}`;
  if (!(await shared.prefetch([id]))) throw new Error(`prefetch of ${id} failed: ${shared.health().reason ?? 'unknown'}`);
  const s = shared.store.get(id);
  if (!s) throw new Error(`user ${id} has no state after prefetch`);
}

/**
 * Reads users back through the request path, `chunk` per prefetch, and compares each with the
 * state it was loaded from. @returns the ids of users that differ or are missing.
 */
export async function mismatchedUsers(shared: SharedUserState, users: readonly number[], chunk = 500): Promise<string[]> {
  const bad: string[] = [];
  for (let k = 0; k < users.length; k += chunk) {
    const ids = users.slice(k, k + chunk).map((u) => `u${u}`);
    if (!(await shared.prefetch(ids))) throw new Error(`prefetch failed: ${shared.health().reason ?? 'unknown'}`);
    users.slice(k, k + chunk).forEach((u, i) => {
      if (!isDeepStrictEqual(shared.store.get(ids[i]), userState(u, shared.store.definitions))) bad.push(ids[i]);
    });
  }
  return bad;
}

/** A Redis started for the bench and the service's shared state on it; `close` undoes both. */
export interface BenchRedis {
  server: RedisServerHandle;
  shared: SharedUserState;
  client: RedisClient;
  close(): Promise<void>;
}

/** Starts redis-server (the tests' helper) and connects the service's SharedUserState to it. */
export async function startBenchRedis(): Promise<BenchRedis> {
  await loadPlugins();
  const server = await startRedis();
  const archiveDir = mkdtempSync(path.join(os.tmpdir(), 'wb-bench-archive-'));
  let shared: SharedUserState | undefined;
  const close = async () => {
    await shared?.close().catch(() => {});
    await server.close();
    rmSync(archiveDir, { recursive: true, force: true });
  };
  try {
    shared = await SharedUserState.connect({ url: server.url, definitions: registeredUserStates(), archiveDir });
    return { server, shared, client: shared.store.client, close };
  } catch (err) {
    await close();
    throw err;
  }
}

const ms = (x: number) => `${x.toFixed(3)} ms`;
const int = (x: number) => Math.round(x).toLocaleString('en-US');

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '1000000' },
      runs: { type: 'string', default: '5' },
      lookups: { type: 'string', default: '5000' },
      batch: { type: 'string', default: '1000' },
    },
  });
  const N = positiveInt('users', values.users);
  const RUNS = positiveInt('runs', values.runs);
  const LOOKUPS = positiveInt('lookups', values.lookups);
  const BATCH = positiveInt('batch', values.batch);
  const print = (line: string) => process.stdout.write(`${line}\n`);

  const redis = await startBenchRedis();
  let closing: Promise<void> | undefined;
  const close = () => (closing ??= redis.close());
  const onSignal = () => void close().finally(() => process.exit(130));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    const { shared, client } = redis;
    print(`redis-server ${await infoString(client, 'server', 'redis_version')} on ${redis.server.url} (AOF, appendfsync always)`);
    print(`user states: ${shared.store.definitions.map((d) => d.key).join(', ') || '(history only)'}; ${ITEMS} items`);

    // In-process cost of the same states (build + encode, no Redis), to read the load figure against.
    const sample = Math.min(N, 20_000);
    const tb = performance.now();
    let rowBytes = 0;
    for (const [, s] of usersInRange(0, sample, shared.store.definitions))
      rowBytes += JSON.stringify(encodeUserRow(s, shared.store.definitions)).length;
    const buildPerSec = sample / ((performance.now() - tb) / 1000);

    // Loading gets its own connection with a long command timeout: under appendfsync always, an AOF
    // rewrite can stall a batch past the service's 1 s timeout (counted below).
    const loader = await connectRedis(redis.server.url, { commandTimeoutMs: 60_000, name: 'bench loader' });
    const load = await loadUsers(new RedisUserStateStore(loader, { definitions: shared.store.definitions }), N, BATCH).finally(() =>
      loader.disconnect(),
    );
    const check = Array.from({ length: Math.min(N, 2000) }, (_, i) => Math.floor((i * N) / Math.min(N, 2000)));
    const bad = await mismatchedUsers(shared, check);
    if (bad.length) throw new Error(`${bad.length} of ${check.length} users read back differently, e.g. ${bad.slice(0, 3).join(', ')}`);
    print(`\nload: ${int(N)} users in ${load.seconds.toFixed(1)} s (putUsers, batches of ${BATCH})`);
    print(
      `  throughput: ${int(median(load.sliceUsersPerSec))} users/s (median of ${load.sliceUsersPerSec.length} slices), ${int(load.usersPerSec)} users/s overall`,
    );
    const slow = load.batchMs.filter((x) => x > 1000).length;
    print(
      `  per batch: p50 ${ms(quantile(load.batchMs, 0.5))}, p99 ${ms(quantile(load.batchMs, 0.99))}, max ${ms(Math.max(...load.batchMs))}; ` +
        `${slow} of ${load.batchMs.length} batches over the service's 1 s command timeout`,
    );
    print(
      `  baseline, same run: building + encoding the states alone ${int(buildPerSec)} users/s; load users/s / build-only users/s = ${(median(load.sliceUsersPerSec) / buildPerSec).toFixed(2)}x`,
    );
    print(
      `  memory: ${int(load.usedMemoryBytes / N)} bytes/user (used_memory +${(load.usedMemoryBytes / 2 ** 20).toFixed(0)} MiB); ` +
        `encoded row ${int(rowBytes / sample)} bytes/user; AOF growth ${int(load.aofBytes / N)} bytes/user (after Redis's own AOF rewrites, RDB preamble)`,
    );

    await printLookups(shared, client, { users: N, runs: RUNS, lookups: LOOKUPS }, print);
  } finally {
    await close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** p50/p99 of one request's user state lookup at concurrency 1 and 16, against PING and a raw HGET in the same runs. */
async function printLookups(
  shared: Parameters<typeof lookup>[0],
  client: RedisClient,
  o: { users: number; runs: number; lookups: number },
  print: (line: string) => void,
): Promise<void> {
  // Lookups: random users (fixed seed), baselines and lookups interleaved per run.
  const rng = new Rng(17);
  const pick = Array.from({ length: o.lookups * 4 }, () => rng.int(o.users));
  await latencies(Math.min(2000, o.lookups), 16, (i) => lookup(shared, pick[i])); // warm-up
  print(`\nlookup of one request's user state (median over ${o.runs} runs of ${int(o.lookups)} requests each):`);
  for (const conc of [1, 16]) {
    const fig: Record<'ping' | 'hget' | 'lookup', { p50: number[]; p99: number[] }> = {
      ping: { p50: [], p99: [] },
      hget: { p50: [], p99: [] },
      lookup: { p50: [], p99: [] },
    };
    const keys = shared.store.keys;
    for (let r = 0; r < o.runs; r++) {
      const off = (r % 4) * o.lookups;
      const runs: [keyof typeof fig, (i: number) => Promise<void>][] = [
        ['ping', async () => void (await client.ping())],
        ['hget', async (i) => void (await client.hget(keys.user(`u${pick[off + i]}`), 's'))],
        ['lookup', (i) => lookup(shared, pick[off + i])],
      ];
      for (const [name, fn] of runs) {
        const lat = await latencies(o.lookups, conc, fn);
        fig[name].p50.push(quantile(lat, 0.5));
        fig[name].p99.push(quantile(lat, 0.99));
      }
    }
    const m = (name: keyof typeof fig) => ({ p50: median(fig[name].p50), p99: median(fig[name].p99) });
    const [ping, hget, look] = [m('ping'), m('hget'), m('lookup')];
    print(`  concurrency ${conc}: lookup p50 ${ms(look.p50)}, p99 ${ms(look.p99)}`);
    print(
      `    baseline PING      p50 ${ms(ping.p50)}, p99 ${ms(ping.p99)}; lookup / PING p50 ${(look.p50 / ping.p50).toFixed(2)}x, p99 ${(look.p99 / ping.p99).toFixed(2)}x`,
    );
    print(
      `    baseline raw HGET  p50 ${ms(hget.p50)}, p99 ${ms(hget.p99)}; lookup / HGET p50 ${(look.p50 / hget.p50).toFixed(2)}x, p99 ${(look.p99 / hget.p99).toFixed(2)}x`,
    );
  }
}

async function infoString(client: RedisClient, section: string, field: string): Promise<string> {
  const info = (await client.info(section)) as string;
  return new RegExp(`^${field}:(.*)$`, 'm').exec(info)?.[1]?.trim() ?? '?';
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err) => {
    process.stderr.write(`redis-state-scale: ${errorMessage(err)}\n`);
    process.exitCode = 1;
  });
}
