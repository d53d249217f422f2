/**
 * The HTTP server of one service process: `startServer({ port, host, ... })` on @hono/node-server,
 * with request timeouts and graceful shutdown. Shutdown (close(), or SIGTERM/SIGINT with
 * `handleSignals`): mark draining (/readyz 503, responses carry `Connection: close`), stop
 * accepting, let in-flight requests finish (up to `drainTimeoutMs`), close the remaining
 * connections, flush impressions and the event log, dispose the models.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { silentLogger } from './logger.js';
import { createService, type Service, type ServiceOptions } from './service.js';

/** Options of startServer: the service's, plus the listener's. */
export interface ServerOptions extends ServiceOptions {
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Interface (default 127.0.0.1). */
  host?: string;
  /** Time to receive a request's headers (ms, default 10 s): slow-loris protection. */
  headersTimeoutMs?: number;
  /** Idle keep-alive connections close after this long (ms, default 5 s). */
  keepAliveTimeoutMs?: number;
  /** How long shutdown waits for in-flight requests (ms, default 10 s). */
  drainTimeoutMs?: number;
  /** Shut down gracefully on SIGTERM and SIGINT (the CLI sets this). */
  handleSignals?: boolean;
  /** Called once the server has shut down (after a signal, or close()). */
  onClosed?: () => void;
}

/** A running server. */
export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080`. */
  url: string;
  port: number;
  host: string;
  service: Service;
  server: Server;
  /** Graceful shutdown (idempotent). */
  close(): Promise<void>;
  /** Resolves once the control variant has a loaded, warmed model (never, if it closes first). */
  whenReady: Promise<void>;
}

/** How often Node checks request and header timeouts: a tenth of the headers timeout, 10 ms .. 1 s. */
export function connectionsCheckingInterval(headersTimeoutMs: number): number {
  return Math.max(10, Math.min(1000, Math.floor(headersTimeoutMs / 10)));
}

function listen(server: Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve(server.address() as AddressInfo);
    });
  });
}

/** Starts the service on a port; resolves once listening and the first model load was attempted. */
export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const logger = options.logger ?? silentLogger;
  const service = createService(options);
  const requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  const headersTimeout = Math.min(options.headersTimeoutMs ?? 10_000, requestTimeoutMs);
  const server = createAdaptorServer({
    fetch: service.app.fetch,
    serverOptions: {
      // Whole request (headers + body) must arrive within the request time limit.
      requestTimeout: requestTimeoutMs,
      headersTimeout,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 5000,
      // Node checks both timeouts only this often (default 30 s: slow headers were cut at 34-39 s, not 10 s).
      connectionsCheckingInterval: connectionsCheckingInterval(headersTimeout),
    },
  }) as Server;
  const host = options.host ?? '127.0.0.1';
  let address: AddressInfo;
  try {
    address = await listen(server, options.port ?? 8080, host);
  } catch (err) {
    await service.close();
    throw err;
  }
  const url = `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
  logger.info('listening', { url, pid: process.pid });

  let closing: Promise<void> | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info('shutting down', { signal });
    void close();
  };
  const close = (): Promise<void> => {
    closing ??= (async () => {
      const t0 = Date.now();
      service.state.draining = true;
      const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
      const drainMs = options.drainTimeoutMs ?? 10_000;
      while (service.state.inFlight > 0 && Date.now() - t0 < drainMs) {
        server.closeIdleConnections();
        await new Promise((r) => setTimeout(r, 10));
      }
      if (service.state.inFlight > 0) logger.warn('drain timed out; closing connections', { inFlight: service.state.inFlight });
      server.closeAllConnections();
      await stopped;
      await service.close();
      if (options.handleSignals) {
        process.off('SIGTERM', onSignal);
        process.off('SIGINT', onSignal);
      }
      logger.info('stopped', { drainMs: Date.now() - t0 });
      options.onClosed?.();
    })();
    return closing;
  };
  if (options.handleSignals) {
    process.once('SIGTERM', onSignal);
    process.once('SIGINT', onSignal);
  }

  const reports = await service.start();
  for (const r of reports) {
    if (r.error) logger.error('model not available at start', { model: r.name, error: r.error });
  }
  const isReady = () => service.store.has(options.modelName, service.router.controlRef);
  const ready = isReady();
  logger[ready ? 'info' : 'warn'](ready ? 'ready' : 'not ready: no model for the control variant yet (see /readyz)', {
    model: options.modelName,
    aliases: reports.find((r) => r.name === options.modelName)?.aliases,
  });
  // Checked on a short unref'd timer: hot reload may load the model any time later.
  const whenReady = new Promise<void>((resolve) => {
    const check = () => {
      if (closing) return;
      if (isReady()) {
        if (!ready) logger.info('ready', { model: options.modelName });
        resolve();
      } else setTimeout(check, 100).unref();
    };
    check();
  });
  return { url, port: address.port, host: address.address, service, server, close, whenReady };
}
