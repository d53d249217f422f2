/**
 * Connecting to the shared Redis named by `--state redis://HOST:PORT` (or `rediss://` for TLS):
 * one URL for a single server and for a Redis Cluster (a node of a cluster answers
 * `cluster_enabled:1`, and the client then discovers every shard from it).
 *
 * Clients fail fast instead of queueing while Redis is away (no offline queue, one retry, a
 * command timeout) and keep reconnecting in the background: the service then degrades to
 * model-only features and refuses events with 503 rather than holding requests, and recovers on
 * its own when Redis returns.
 */
import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { errorMessage, UsageError, WorkbenchError } from '../errors.js';

/** A single server or a cluster: both run the same commands. */
export type RedisClient = Redis | Cluster;

/** Where Redis is, parsed from a URL. */
export interface RedisTarget {
  host: string;
  port: number;
  tls: boolean;
  username?: string;
  password?: string;
  db?: number;
}

/** True when `value` names Redis (`redis://` or `rediss://`) rather than a state folder. */
export function isRedisUrl(value: string | undefined): value is string {
  return value !== undefined && /^rediss?:\/\//i.test(value);
}

/**
 * Parses `redis[s]://[user:password@]host[:port][/db]`.
 * @throws UsageError naming the value when it is not such a URL.
 */
export function parseRedisUrl(url: string): RedisTarget {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UsageError(`--state: "${url}" is not a URL (expected redis://HOST:PORT)`);
  }
  if (u.protocol !== 'redis:' && u.protocol !== 'rediss:') throw new UsageError(`--state: "${url}" must start with redis:// or rediss://`);
  if (!u.hostname) throw new UsageError(`--state: "${url}" has no host (expected redis://HOST:PORT)`);
  const port = u.port ? Number(u.port) : 6379;
  const dbPath = u.pathname.replace(/^\//, '');
  if (dbPath !== '' && !/^\d+$/.test(dbPath)) throw new UsageError(`--state: database "${dbPath}" in "${url}" must be a number`);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    tls: u.protocol === 'rediss:',
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(dbPath ? { db: Number(dbPath) } : {}),
  };
}

/** Knobs of a connection. */
export interface ConnectOptions {
  /** Per-command timeout (ms, default 1000; 0: none, for blocking reads). */
  commandTimeoutMs?: number;
  /** How long the first connection may take (ms, default 5000). */
  connectTimeoutMs?: number;
  /** Client name shown by CLIENT LIST. */
  name?: string;
}

function baseOptions(t: RedisTarget, opts: ConnectOptions): RedisOptions {
  return {
    ...(t.username ? { username: t.username } : {}),
    ...(t.password ? { password: t.password } : {}),
    ...(t.tls ? { tls: {} } : {}),
    connectionName: opts.name,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: opts.commandTimeoutMs === 0 ? undefined : (opts.commandTimeoutMs ?? 1000),
    connectTimeout: opts.connectTimeoutMs ?? 5000,
    // Keep trying while Redis is away (it is expected back): 100 ms, 200 ms, ... at most 1 s apart.
    retryStrategy: (times: number) => Math.min(times * 100, 1000),
    lazyConnect: true,
  };
}

function whenReady(client: RedisClient, timeoutMs: number, what: string): Promise<void> {
  if (client.status === 'ready') return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new WorkbenchError('redis_unavailable', `cannot reach Redis at ${what} within ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      client.off('ready', onReady);
    };
    client.on('ready', onReady);
  });
}

/**
 * Connects to the server or cluster at `url` and resolves once commands can run.
 * @throws WorkbenchError (redis_unavailable) naming the URL when Redis does not answer in time.
 */
export async function connectRedis(url: string, opts: ConnectOptions = {}): Promise<RedisClient> {
  const t = parseRedisUrl(url);
  const what = `${t.host}:${t.port}`;
  const timeoutMs = opts.connectTimeoutMs ?? 5000;
  const probe = new Redis({ ...baseOptions(t, opts), host: t.host, port: t.port, db: t.db, retryStrategy: () => null });
  // Errors surface through connect() and the timeout; without a listener ioredis prints them.
  probe.on('error', () => {});
  let clusterEnabled: boolean;
  try {
    await Promise.race([probe.connect(), whenReady(probe, timeoutMs, what)]);
    clusterEnabled = /cluster_enabled:1/.test(await probe.info('cluster'));
  } catch (err) {
    probe.disconnect();
    if (err instanceof WorkbenchError) throw err;
    throw new WorkbenchError('redis_unavailable', `cannot reach Redis at ${what}: ${errorMessage(err)}`);
  }
  if (!clusterEnabled) {
    probe.disconnect();
    const client = new Redis({ ...baseOptions(t, opts), host: t.host, port: t.port, db: t.db });
    client.on('error', () => {});
    await client.connect();
    await whenReady(client, timeoutMs, what);
    return client;
  }
  probe.disconnect();
  if (t.db) throw new UsageError(`--state: Redis Cluster has only database 0 ("${url}" names ${t.db})`);
  const clusterOpts: ClusterOptions = {
    redisOptions: baseOptions(t, opts),
    enableOfflineQueue: false,
    clusterRetryStrategy: (times: number) => Math.min(times * 100, 1000),
    lazyConnect: true,
    // Cluster nodes announce the addresses they were created with; keep the TLS host name.
    ...(t.tls ? { dnsLookup: (address: string, cb: (err: null, a: string) => void) => cb(null, address) } : {}),
  };
  const cluster = new Cluster([{ host: t.host, port: t.port }], clusterOpts);
  cluster.on('error', () => {});
  await cluster.connect();
  await whenReady(cluster, timeoutMs, what);
  return cluster;
}

/** True while the client can run commands. */
export function isConnected(client: RedisClient): boolean {
  return client.status === 'ready';
}

/** The master nodes (a single server is its own). */
export function masters(client: RedisClient): Redis[] {
  return client instanceof Cluster ? client.nodes('master') : [client];
}
