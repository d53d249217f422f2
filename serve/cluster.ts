/**
 * Using every core: node:cluster with one worker per core (WORKBENCH_WORKERS, default = cores).
 * Each worker is a full service process (it loads and hot-reloads the models itself and owns its
 * event-log part files); the primary only forks, restarts crashed workers, relays messages and
 * aggregates metrics.
 *
 * /metrics with several workers: the worker that receives the scrape asks the primary, which
 * collects every worker's registry through prom-client's AggregatorRegistry and answers with the
 * merged text (counters and histograms summed, the model-version gauge maxed). So one scrape of
 * the shared port sees the whole process group. An admin reload received by one worker is relayed
 * to the others.
 *
 * `runServe` is the entry for both roles: cluster.fork() re-runs the same script (e.g.
 * `bin/workbench.js serve ...`), and in a worker the same call starts one server.
 */
import cluster, { type Worker } from 'node:cluster';
import net from 'node:net';
import os from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import { WorkbenchError } from '../src/errors.js';
import type { AppliedBatch } from './live-state.js';
import { type Logger, silentLogger } from './logger.js';
import { type RunningServer, type ServerOptions, startServer } from './server.js';

/** Messages between the primary and the workers. */
type Message =
  | { type: 'workbench:listening'; url: string }
  /** The worker's control variant is loaded and warmed. */
  | { type: 'workbench:ready'; url: string }
  /** The worker cannot serve at all (e.g. the port is taken): stop everything, exit 1. */
  | { type: 'workbench:fatal'; error: string }
  | { type: 'workbench:metrics'; id: number }
  | { type: 'workbench:metrics-result'; id: number; text?: string; error?: string }
  | { type: 'workbench:reload' }
  | { type: 'workbench:shutdown' }
  /** A worker appended events: apply them everywhere, then ack. */
  | { type: 'workbench:events'; id: number; batch: AppliedBatch }
  | { type: 'workbench:events-apply'; id: number; origin: number; batch: AppliedBatch }
  | { type: 'workbench:events-applied'; id: number; origin: number }
  | { type: 'workbench:events-ack'; id: number };

function isMessage(value: unknown): value is Message {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as { type?: unknown }).type === 'string' &&
    (value as { type: string }).type.startsWith('workbench:')
  );
}

/** Number of workers: WORKBENCH_WORKERS, else one per core. */
export function defaultWorkers(env: NodeJS.ProcessEnv = process.env): number {
  const n = Number(env.WORKBENCH_WORKERS);
  return Number.isInteger(n) && n > 0 ? n : os.availableParallelism();
}

/** Options of runServe. */
export interface RunServeOptions {
  /** Worker processes (1 = serve in this process). */
  workers: number;
  /** Builds the server options inside the process that serves (a worker, or this one). */
  serverOptions: () => ServerOptions | Promise<ServerOptions>;
  logger?: Logger;
  /** How long the primary waits for workers to drain on shutdown (ms, default 15 s). */
  shutdownTimeoutMs?: number;
  /** Called once, when every worker (or the single server) is listening AND ready, with the URL. */
  onReady?: (url: string) => void;
}

/**
 * Sends to a worker without ever throwing: a worker that is exiting (Ctrl-C reaches the whole
 * process group, so workers stop on their own) has a closing channel, and a plain `send` then
 * raised `write EPIPE` in the primary and crashed its shutdown.
 */
export function sendSafely(target: Pick<Worker, 'isConnected' | 'send'>, msg: Message): void {
  if (!target.isConnected()) return;
  try {
    target.send(msg, undefined, () => {});
  } catch {
    // The channel closed between the check and the send: the worker is going anyway.
  }
}

/** Fails with one clear line when `port` on `host` is taken (port 0 is always free). */
export async function checkPortFree(host: string, port: number): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => {
      reject(
        err.code === 'EADDRINUSE'
          ? new WorkbenchError(
              'port_in_use',
              `port ${port} on ${host} is already in use (another workbench serve?); stop it or choose --port`,
            )
          : err,
      );
    });
    probe.listen(port, host, () => probe.close(() => resolve()));
  });
}

/**
 * Serves until SIGTERM/SIGINT. One worker: a server in this process. Several: the primary forks
 * workers and this resolves when they have all stopped.
 * @returns the process exit code.
 */
export async function runServe(options: RunServeOptions): Promise<number> {
  if (options.workers <= 1) {
    let stopped = () => {};
    const done = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    const serverOptions = await options.serverOptions();
    await checkPortFree(serverOptions.host ?? '127.0.0.1', serverOptions.port ?? 8080);
    const srv = await startServer({ ...serverOptions, handleSignals: true, onClosed: () => stopped() });
    void srv.whenReady.then(() => options.onReady?.(srv.url));
    await done;
    return 0;
  }
  if (cluster.isPrimary) return runPrimary(options);
  await runWorker(options);
  return 0;
}

/** Binds port 0 once to pick a free port all workers then share (each worker's own port 0 would differ). */
function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, host, () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
}

async function runPrimary(options: RunServeOptions): Promise<number> {
  const logger = options.logger ?? silentLogger;
  // The primary only needs host and port; workers build the full options (and load models) themselves.
  const { port = 8080, host = '127.0.0.1' } = await options.serverOptions();
  // Before forking: N workers failing to listen printed the error N times and the primary hung.
  await checkPortFree(host, port);
  const workerPort = port === 0 ? await freePort(host) : port;
  const aggregator = new AggregatorRegistry();
  let stopping = false;
  let fastCrashes = 0;
  const startedAt = new Map<Worker, number>();
  const listening = new Set<Worker>();
  const ready = new Set<Worker>();
  let announced = false;
  const relays = new Map<string, { origin: Worker; waiting: Set<number>; id: number }>();

  const fork = (index: number) => {
    const worker = cluster.fork({ WORKBENCH_WORKER_ID: String(index), WORKBENCH_WORKER_PORT: String(workerPort) });
    startedAt.set(worker, Date.now());
    worker.on('error', (err) => logger.debug('worker channel error', { pid: worker.process.pid, error: String(err) }));
    (worker as Worker & { index?: number }).index = index;
  };

  cluster.on('message', (worker, msg: unknown) => {
    if (!isMessage(msg)) return;
    if (msg.type === 'workbench:listening') {
      listening.add(worker);
      if (listening.size === options.workers)
        logger.info('cluster listening', { url: msg.url, workers: options.workers, pid: process.pid });
    } else if (msg.type === 'workbench:ready') {
      ready.add(worker);
      if (!announced && ready.size === options.workers) {
        announced = true;
        logger.info('cluster ready', { url: msg.url, workers: options.workers });
        options.onReady?.(msg.url);
      }
    } else if (msg.type === 'workbench:fatal') {
      if (!stopping) {
        logger.error('worker cannot serve; stopping', { pid: worker.process.pid, error: msg.error });
        fatal(msg.error);
      }
    } else if (msg.type === 'workbench:metrics') {
      aggregator.clusterMetrics().then(
        (text) => sendSafely(worker, { type: 'workbench:metrics-result', id: msg.id, text }),
        (err: unknown) => sendSafely(worker, { type: 'workbench:metrics-result', id: msg.id, error: String(err) }),
      );
    } else if (msg.type === 'workbench:reload') {
      for (const other of Object.values(cluster.workers ?? {}))
        if (other && other !== worker) sendSafely(other, { type: 'workbench:reload' });
    } else if (msg.type === 'workbench:events') {
      // Relay to every other listening worker; ack the origin once all applied (or left).
      const others = [...listening].filter((w) => w !== worker && w.isConnected());
      const key = `${worker.id}:${msg.id}`;
      if (others.length === 0) {
        sendSafely(worker, { type: 'workbench:events-ack', id: msg.id });
        return;
      }
      relays.set(key, { origin: worker, waiting: new Set(others.map((w) => w.id)), id: msg.id });
      for (const w of others) sendSafely(w, { type: 'workbench:events-apply', id: msg.id, origin: worker.id, batch: msg.batch });
    } else if (msg.type === 'workbench:events-applied') {
      const key = `${msg.origin}:${msg.id}`;
      const relay = relays.get(key);
      if (!relay) return;
      relay.waiting.delete(worker.id);
      if (relay.waiting.size === 0) {
        relays.delete(key);
        sendSafely(relay.origin, { type: 'workbench:events-ack', id: relay.id });
      }
    }
  });

  let fatal: (error: string) => void = () => {};
  return new Promise<number>((resolve) => {
    const finish = (code: number) => {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
      resolve(code);
    };
    const stopAll = (code: number) => {
      stopping = true;
      const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
      if (workers.length === 0) return finish(code);
      for (const w of workers) sendSafely(w, { type: 'workbench:shutdown' });
      const killer = setTimeout(() => {
        logger.warn('workers did not stop in time; killing them');
        for (const w of workers) w.process.kill('SIGKILL');
      }, options.shutdownTimeoutMs ?? 15_000);
      killer.unref();
      let left = workers.length;
      cluster.on('exit', () => {
        if (--left === 0) {
          clearTimeout(killer);
          finish(code);
        }
      });
    };
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) return;
      logger.info('cluster shutting down', { signal });
      stopAll(0);
    };
    fatal = () => stopAll(1);
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);

    cluster.on('exit', (worker, code, signal) => {
      listening.delete(worker);
      for (const [key, relay] of relays) {
        relay.waiting.delete(worker.id);
        if (relay.waiting.size === 0) {
          relays.delete(key);
          sendSafely(relay.origin, { type: 'workbench:events-ack', id: relay.id });
        }
      }
      if (stopping) return;
      const index = (worker as Worker & { index?: number }).index ?? 0;
      const lived = Date.now() - (startedAt.get(worker) ?? 0);
      logger.error('worker exited; restarting', { pid: worker.process.pid, code, signal, livedMs: lived });
      fastCrashes = lived < 10_000 ? fastCrashes + 1 : 0;
      if (fastCrashes >= 3 * options.workers) {
        logger.error('workers keep crashing at start; giving up', { crashes: fastCrashes });
        stopAll(1);
        return;
      }
      setTimeout(() => fork(index), Math.min(5000, 100 * 2 ** Math.min(fastCrashes, 6)));
    });
    for (let i = 0; i < options.workers; i++) fork(i);
  });
}

async function runWorker(options: RunServeOptions): Promise<void> {
  const base = await options.serverOptions();
  const port = Number(process.env.WORKBENCH_WORKER_PORT ?? base.port);
  // The primary may be gone (or going): a failed send must not crash the worker's shutdown.
  const send = (msg: Message) => {
    if (!process.connected) return;
    try {
      process.send?.(msg, undefined, undefined, () => {});
    } catch {
      /* channel closed */
    }
  };
  let nextId = 0;
  const pending = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  let srv: RunningServer | undefined;
  // Answers the primary's metric collection with this worker's registry (set below).
  new AggregatorRegistry();
  process.on('message', (msg: unknown) => {
    if (!isMessage(msg)) return;
    if (msg.type === 'workbench:metrics-result') {
      const p = pending.get(msg.id);
      pending.delete(msg.id);
      if (msg.text !== undefined) p?.resolve(msg.text);
      else p?.reject(new Error(msg.error ?? 'metrics aggregation failed'));
    } else if (msg.type === 'workbench:reload') {
      void srv?.service.store.reload({ retryFailed: true });
    } else if (msg.type === 'workbench:shutdown') {
      void srv?.close();
    } else if (msg.type === 'workbench:events-apply') {
      srv?.service.userState?.applyBatch(msg.batch);
      send({ type: 'workbench:events-applied', id: msg.id, origin: msg.origin });
    } else if (msg.type === 'workbench:events-ack') {
      const p = relayed.get(msg.id);
      relayed.delete(msg.id);
      p?.();
    }
  });
  // Events this worker appended: resolved when every other worker applied them (or after 2 s).
  const relayed = new Map<number, () => void>();
  base.userState?.joinCluster({
    writeSnapshots: (process.env.WORKBENCH_WORKER_ID ?? '0') === '0',
    relay: (batch) =>
      new Promise<void>((resolve) => {
        const id = nextId++;
        relayed.set(id, resolve);
        send({ type: 'workbench:events', id, batch });
        setTimeout(() => {
          if (relayed.delete(id)) resolve();
        }, 2000).unref();
      }),
  });
  const metricsText = (): Promise<string> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve, reject });
      send({ type: 'workbench:metrics', id });
      setTimeout(() => {
        if (pending.delete(id)) reject(new Error('metrics aggregation timed out'));
      }, 6000).unref();
    });
  let stopped = () => {};
  const done = new Promise<void>((resolve) => {
    stopped = resolve;
  });
  try {
    srv = await startServer({
      ...base,
      port,
      handleSignals: true,
      metricsText,
      onReloadRequested: () => send({ type: 'workbench:reload' }),
      onClosed: () => stopped(),
    });
  } catch (err) {
    // One line, from the primary; this worker just leaves.
    send({ type: 'workbench:fatal', error: err instanceof Error ? err.message : String(err) });
    process.disconnect?.();
    return;
  }
  AggregatorRegistry.setRegistries([srv.service.metrics.registry]);
  send({ type: 'workbench:listening', url: srv.url });
  const url = srv.url;
  void srv.whenReady.then(() => send({ type: 'workbench:ready', url }));
  await done;
  // The IPC channel would keep the worker alive.
  process.disconnect?.();
}
