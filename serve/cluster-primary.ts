/**
 * The cluster's primary: forks the workers on one shared port, restarts crashed ones (giving up
 * when they keep crashing at start), relays reloads and events between them, answers metric
 * scrapes with every worker's registry merged, and stops them all on SIGTERM/SIGINT.
 */
import cluster, { type Worker } from 'node:cluster';
import { AggregatorRegistry } from 'prom-client';
import type { RunServeOptions } from './cluster.js';
import { isMessage, type Message, sendSafely } from './cluster-messages.js';
import { type Logger, silentLogger } from './logger.js';
import { checkPortFree, freePort } from './ports.js';

type IndexedWorker = Worker & { index?: number };

/** Events one worker appended, waiting for the other workers to apply them before the ack. */
interface EventRelay {
  origin: Worker;
  waiting: Set<number>;
  id: number;
}

/** One run of the primary: `run()` resolves with the exit code once every worker has stopped. */
export class ClusterPrimary {
  private readonly logger: Logger;
  private readonly aggregator = new AggregatorRegistry();
  private readonly startedAt = new Map<Worker, number>();
  private readonly listening = new Set<Worker>();
  private readonly ready = new Set<Worker>();
  private readonly relays = new Map<string, EventRelay>();
  private workerPort = 0;
  private stopping = false;
  private fastCrashes = 0;
  private announced = false;
  private finish: (code: number) => void = () => {};

  constructor(private readonly options: RunServeOptions) {
    this.logger = options.logger ?? silentLogger;
  }

  async run(): Promise<number> {
    // The primary only needs host and port; workers build the full options (and load models) themselves.
    const { port = 8080, host = '127.0.0.1' } = await this.options.serverOptions();
    // Before forking: N workers failing to listen printed the error N times and the primary hung.
    await checkPortFree(host, port);
    this.workerPort = port === 0 ? await freePort(host) : port;
    cluster.on('message', (worker, msg: unknown) => {
      if (isMessage(msg)) this.onMessage(worker, msg);
    });
    const onSignal = (signal: NodeJS.Signals) => {
      if (this.stopping) return;
      this.logger.info('cluster shutting down', { signal });
      this.stopAll(0);
    };
    return new Promise<number>((resolve) => {
      this.finish = (code) => {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
        resolve(code);
      };
      process.on('SIGTERM', onSignal);
      process.on('SIGINT', onSignal);
      cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
      for (let i = 0; i < this.options.workers; i++) this.fork(i);
    });
  }

  private fork(index: number): void {
    const worker: IndexedWorker = cluster.fork({
      WORKBENCH_WORKER_ID: String(index),
      WORKBENCH_WORKER_PORT: String(this.workerPort),
    });
    this.startedAt.set(worker, Date.now());
    worker.on('error', (err) => this.logger.debug('worker channel error', { pid: worker.process.pid, error: String(err) }));
    worker.index = index;
  }

  private onMessage(worker: Worker, msg: Message): void {
    const { workers } = this.options;
    if (msg.type === 'workbench:listening') {
      this.listening.add(worker);
      if (this.listening.size === workers) this.logger.info('cluster listening', { url: msg.url, workers, pid: process.pid });
    } else if (msg.type === 'workbench:ready') {
      this.ready.add(worker);
      if (!this.announced && this.ready.size === workers) {
        this.announced = true;
        this.logger.info('cluster ready', { url: msg.url, workers });
        this.options.onReady?.(msg.url);
      }
    } else if (msg.type === 'workbench:fatal') {
      if (!this.stopping) {
        this.logger.error('worker cannot serve; stopping', { pid: worker.process.pid, error: msg.error });
        this.stopAll(1);
      }
    } else if (msg.type === 'workbench:metrics') {
      this.aggregator.clusterMetrics().then(
        (text) => sendSafely(worker, { type: 'workbench:metrics-result', id: msg.id, text }),
        (err: unknown) => sendSafely(worker, { type: 'workbench:metrics-result', id: msg.id, error: String(err) }),
      );
    } else if (msg.type === 'workbench:reload') {
      for (const other of Object.values(cluster.workers ?? {}))
        if (other && other !== worker) sendSafely(other, { type: 'workbench:reload' });
    } else if (msg.type === 'workbench:events') {
      this.relayEvents(worker, msg);
    } else if (msg.type === 'workbench:events-applied') {
      const key = `${msg.origin}:${msg.id}`;
      const relay = this.relays.get(key);
      if (relay) this.applied(key, relay, worker.id);
    }
  }

  /** Relays appended events to every other listening worker; acks the origin once all applied (or left). */
  private relayEvents(origin: Worker, msg: Extract<Message, { type: 'workbench:events' }>): void {
    const others = [...this.listening].filter((w) => w !== origin && w.isConnected());
    if (others.length === 0) {
      sendSafely(origin, { type: 'workbench:events-ack', id: msg.id });
      return;
    }
    this.relays.set(`${origin.id}:${msg.id}`, { origin, waiting: new Set(others.map((w) => w.id)), id: msg.id });
    for (const w of others) sendSafely(w, { type: 'workbench:events-apply', id: msg.id, origin: origin.id, batch: msg.batch });
  }

  /** Worker `workerId` applied the relay's events (or exited): ack the origin when none is left. */
  private applied(key: string, relay: EventRelay, workerId: number): void {
    relay.waiting.delete(workerId);
    if (relay.waiting.size === 0) {
      this.relays.delete(key);
      sendSafely(relay.origin, { type: 'workbench:events-ack', id: relay.id });
    }
  }

  private onExit(worker: IndexedWorker, code: number, signal: string): void {
    this.listening.delete(worker);
    for (const [key, relay] of this.relays) this.applied(key, relay, worker.id);
    if (this.stopping) return;
    const lived = Date.now() - (this.startedAt.get(worker) ?? 0);
    this.logger.error('worker exited; restarting', { pid: worker.process.pid, code, signal, livedMs: lived });
    this.fastCrashes = lived < 10_000 ? this.fastCrashes + 1 : 0;
    if (this.fastCrashes >= 3 * this.options.workers) {
      this.logger.error('workers keep crashing at start; giving up', { crashes: this.fastCrashes });
      this.stopAll(1);
      return;
    }
    const index = worker.index ?? 0;
    setTimeout(() => this.fork(index), Math.min(5000, 100 * 2 ** Math.min(this.fastCrashes, 6)));
  }

  /** Asks every worker to drain and stop; kills the ones still running after the shutdown timeout. */
  private stopAll(code: number): void {
    this.stopping = true;
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) {
      this.finish(code);
      return;
    }
    for (const w of workers) sendSafely(w, { type: 'workbench:shutdown' });
    const killer = setTimeout(() => {
      this.logger.warn('workers did not stop in time; killing them');
      for (const w of workers) w.process.kill('SIGKILL');
    }, this.options.shutdownTimeoutMs ?? 15_000);
    killer.unref();
    let left = workers.length;
    cluster.on('exit', () => {
      if (--left === 0) {
        clearTimeout(killer);
        this.finish(code);
      }
    });
  }
}
