/**
 * Real Redis servers for tests and benches: Debian's `redis-server` started on a free loopback
 * port with a temporary folder (AOF on, `appendfsync always`, as the service requires), and a
 * 3-master Redis Cluster built with `redis-cli --cluster create`. Every handle stops its
 * processes and removes its folder; `stop()` + `start()` restarts a server on the same port and
 * data (what an outage test needs).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Where redis-server is (REDIS_SERVER overrides). */
export const REDIS_SERVER_BIN = process.env.REDIS_SERVER ?? '/usr/bin/redis-server';
const REDIS_CLI_BIN = process.env.REDIS_CLI ?? path.join(path.dirname(REDIS_SERVER_BIN), 'redis-cli');

/**
 * Why Redis tests cannot run here, or undefined when they can. Under CI (which installs
 * redis-server) never a reason: a missing server must fail the tests, not skip them.
 */
export function redisUnavailableReason(): string | undefined {
  if (process.env.CI) return undefined;
  return existsSync(REDIS_SERVER_BIN) ? undefined : `${REDIS_SERVER_BIN} not found (apt-get install redis-server)`;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPing(port: number, proc: ChildProcess, timeoutMs = 10_000): Promise<void> {
  const t0 = Date.now();
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`redis-server on port ${port} exited with ${proc.exitCode}`);
    try {
      const { stdout } = await run(REDIS_CLI_BIN, ['-p', String(port), 'ping']);
      if (stdout.trim() === 'PONG') return;
    } catch {
      // not listening yet
    }
    if (Date.now() - t0 > timeoutMs) throw new Error(`redis-server on port ${port} did not answer within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** One redis-server process. */
export interface RedisServerHandle {
  port: number;
  url: string;
  dir: string;
  /** Starts it again (same port, same data) after stop(). */
  start(): Promise<void>;
  /** Stops the process (SIGTERM, waits for exit); the data stays. */
  stop(): Promise<void>;
  /** Stops it and removes its folder. */
  close(): Promise<void>;
}

function stopProcess(proc: ChildProcess | undefined): Promise<void> {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
    proc.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    proc.kill('SIGTERM');
  });
}

/** Starts a redis-server (extra args appended, e.g. cluster mode) in a new temporary folder. */
export async function startRedis(opts: { args?: string[]; dir?: string } = {}): Promise<RedisServerHandle> {
  const port = await freePort();
  const dir = opts.dir ?? mkdtempSync(path.join(os.tmpdir(), 'wb-redis-'));
  mkdirSync(dir, { recursive: true });
  const args = [
    '--port',
    String(port),
    '--bind',
    '127.0.0.1',
    '--dir',
    dir,
    '--appendonly',
    'yes',
    '--appendfsync',
    'always',
    '--save',
    '',
    '--protected-mode',
    'no',
    '--logfile',
    path.join(dir, 'redis.log'),
    ...(opts.args ?? []),
  ];
  let proc: ChildProcess | undefined;
  const handle: RedisServerHandle = {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    start: async () => {
      proc = spawn(REDIS_SERVER_BIN, args, { stdio: 'ignore' });
      await waitForPing(port, proc);
    },
    stop: async () => {
      await stopProcess(proc);
      proc = undefined;
    },
    close: async () => {
      await stopProcess(proc);
      proc = undefined;
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await handle.start();
  return handle;
}

/** A Redis Cluster of masters (no replicas). `url` names one node: clients discover the rest. */
export interface RedisClusterHandle {
  nodes: RedisServerHandle[];
  url: string;
  close(): Promise<void>;
}

/** Starts `masters` (default 3) cluster-enabled servers and joins them into one cluster (all 16384 slots). */
export async function startRedisCluster(masters = 3): Promise<RedisClusterHandle> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'wb-redis-cluster-'));
  const nodes: RedisServerHandle[] = [];
  const close = async () => {
    await Promise.all(nodes.map((n) => n.stop()));
    rmSync(root, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(
        await startRedis({
          dir: path.join(root, `node${i}`),
          args: ['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf', '--cluster-node-timeout', '2000'],
        }),
      );
    }
    await run(REDIS_CLI_BIN, [
      '--cluster',
      'create',
      ...nodes.map((n) => `127.0.0.1:${n.port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    const t0 = Date.now();
    for (const n of nodes) {
      for (;;) {
        const { stdout } = await run(REDIS_CLI_BIN, ['-p', String(n.port), 'cluster', 'info']);
        if (stdout.includes('cluster_state:ok')) break;
        if (Date.now() - t0 > 20_000) throw new Error(`cluster node ${n.port} not ok: ${stdout.split('\n')[0]}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (err) {
    await close();
    throw err;
  }
  return { nodes, url: nodes[0].url, close };
}
