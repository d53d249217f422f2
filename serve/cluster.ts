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
import cluster from 'node:cluster';
import os from 'node:os';
import { AggregatorRegistry } from 'prom-client';
import { isMessage, type Message } from './cluster-messages.js';
import { ClusterPrimary } from './cluster-primary.js';
import type { Logger } from './logger.js';
import { checkPortFree } from './ports.js';
import { type RunningServer, type ServerOptions, startServer } from './server.js';

export { sendSafely } from './cluster-messages.js';

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
  if (cluster.isPrimary) return new ClusterPrimary(options).run();
  await runWorker(options);
  return 0;
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
