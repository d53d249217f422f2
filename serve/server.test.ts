/**
 * End to end over a real loopback port (port 0): HTTP requests, structured request logs, body
 * limits on the wire (declared and chunked), and graceful shutdown (in-flight requests finish,
 * impressions are flushed, models disposed, the port closes).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { InteractionEvent } from '../src/data/schema.js';
import { memoryLogger } from './logger.js';
import { startServer } from './server.js';
import { readEventLog } from './testing/helpers.js';
import { MemorySource } from './testing/memory-source.js';

const temps: string[] = [];
/** A temporary folder removed after the file's tests. */
const tempDir = (prefix: string) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temps.push(dir);
  return dir;
};
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

const json = (body: unknown) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

/** Sends a chunked body (no Content-Length) of `bytes` bytes; resolves with the status. */
function postChunked(url: string, bytes: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${url}/v1/recommendations`,
      { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on('error', reject);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    req.write('{"userId":"u1","pad":"');
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end('"}');
    };
    pump();
  });
}

/**
 * A slow-loris client: sends a request line, then one header byte every `everyMs` ms, up to `bytes`.
 * Resolves with how many header bytes it had sent when the server closed the connection, or
 * `'completed'` if the server let it send them all (and still had not closed).
 */
function slowHeaders(port: number, bytes: number, everyMs: number): Promise<number | 'completed'> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let sent = 0;
    let timer: NodeJS.Timeout | undefined;
    socket.on('error', () => {}); // a reset counts as closed too
    socket.on('close', () => {
      clearInterval(timer);
      resolve(sent);
    });
    socket.on('connect', () => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
      timer = setInterval(() => {
        if (sent >= bytes) {
          clearInterval(timer);
          socket.destroy();
          return resolve('completed');
        }
        sent++;
        socket.write('a');
      }, everyMs);
    });
    socket.setTimeout(120_000, () => reject(new Error('socket idle')));
  });
}

describe('startServer (real port)', () => {
  it('closes a connection whose headers trickle in, after the headers timeout (not 30 s later)', async () => {
    const source = new MemorySource();
    source.publish('demo');
    const srv = await startServer({ source, modelName: 'demo', port: 0, pollIntervalMs: 0, headersTimeoutMs: 200, requestTimeoutMs: 400 });
    try {
      // 400 bytes at one per 25 ms would take 10 s; before the fix Node checked timeouts every 30 s.
      const sent = await slowHeaders(srv.port, 400, 25);
      expect(sent).not.toBe('completed');
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it('tells when it becomes ready (whenReady), and logs "not ready yet" 503s at info without a stack', async () => {
    const source = new MemorySource();
    source.describeError = 'no versions yet';
    const logger = memoryLogger();
    const srv = await startServer({ source, modelName: 'demo', port: 0, pollIntervalMs: 0, logger });
    try {
      let ready = false;
      void srv.whenReady.then(() => {
        ready = true;
      });
      expect((await fetch(`${srv.url}/v1/recommendations`, json({ userId: 'u1' }))).status).toBe(503);
      expect(ready).toBe(false);
      expect(logger.lines.filter((l) => l.level === 'error' && l.msg === 'request failed')).toEqual([]);
      expect(logger.lines.find((l) => l.msg === 'model not ready yet')).toMatchObject({ level: 'info', status: 503 });
      expect(logger.lines.some((l) => 'stack' in l)).toBe(false);
      source.describeError = undefined;
      source.publish('demo');
      await srv.service.store.reload();
      await srv.whenReady;
      expect((await fetch(`${srv.url}/readyz`)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it('logs and counts a client that hangs up mid-body as 499, not as a 500 error', async () => {
    const source = new MemorySource();
    source.publish('demo');
    const logger = memoryLogger();
    const srv = await startServer({ source, modelName: 'demo', port: 0, pollIntervalMs: 0, logger, events: { append: async () => {} } });
    try {
      const socket = net.connect(srv.port, '127.0.0.1');
      await new Promise<void>((resolve) => socket.on('connect', () => resolve()));
      socket.write(
        'POST /v1/events HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"events":[',
      );
      // The handler is reading the body once the request is in flight; then hang up.
      for (let i = 0; i < 500 && srv.service.state.inFlight === 0; i++) await new Promise((r) => setTimeout(r, 10));
      socket.destroy();
      const logged = () => logger.lines.find((l) => l.msg === 'request' && l.route === '/v1/events');
      for (let i = 0; i < 500 && !logged(); i++) await new Promise((r) => setTimeout(r, 10));
      expect(logged()).toMatchObject({ level: 'info', status: 499, errorCode: 'client_closed_request' });
      expect(logger.lines.filter((l) => l.level === 'error')).toEqual([]);
      const metrics = await (await fetch(`${srv.url}/metrics`)).text();
      expect(metrics).toMatch(/workbench_client_disconnects_total\{route="\/v1\/events"\} 1/);
      expect(metrics).not.toMatch(/status="500"/);
    } finally {
      await srv.close();
    }
  });

  it('serves over HTTP with one JSON log line per request and enforces limits on the wire', async () => {
    const source = new MemorySource();
    source.publish('demo');
    const logger = memoryLogger();
    const eventsDir = tempDir('serve-e2e-');
    const srv = await startServer({ source, modelName: 'demo', port: 0, eventsDir, pollIntervalMs: 0, logger, maxBodyBytes: 128 * 1024 });
    try {
      expect(srv.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect((await fetch(`${srv.url}/readyz`)).status).toBe(200);
      const res = await fetch(`${srv.url}/v1/recommendations`, json({ userId: 'u7', k: 3 }));
      expect(res.status).toBe(200);
      const body = (await res.json()) as { requestId: string; items: unknown[]; model: { version: number } };
      expect(body.items).toHaveLength(3);
      const line = logger.lines.find((l) => l.msg === 'request' && l.requestId === body.requestId);
      expect(line).toMatchObject({
        level: 'info',
        method: 'POST',
        route: '/v1/recommendations',
        status: 200,
        variant: 'champion',
        model: 'demo',
        version: 1,
        items: 3,
      });
      expect(typeof line?.ms).toBe('number');

      const ev = await fetch(
        `${srv.url}/v1/events`,
        json({ events: [{ type: 'click', userId: 'u7', itemId: 'i1', requestId: body.requestId, position: 0 }] }),
      );
      expect(ev.status).toBe(202);
      expect(readEventLog(eventsDir).some((e) => e.type === 'click' && e.requestId === body.requestId)).toBe(true);

      const bad = await fetch(`${srv.url}/v1/recommendations`, { ...json({}), body: '{"userId": nope}' });
      expect(bad.status).toBe(400);
      expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
      const big = await fetch(`${srv.url}/v1/recommendations`, { ...json({}), body: `{"userId":"${'x'.repeat(200 * 1024)}"}` });
      expect(big.status).toBe(413);
      expect(await postChunked(srv.url, 1024 * 1024)).toBe(413);
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
    } finally {
      await srv.close();
    }
  });

  it('shuts down gracefully: in-flight requests finish, impressions are flushed, models disposed, the port closes', async () => {
    const source = new MemorySource();
    source.publish('demo');
    const eventsDir = tempDir('serve-drain-');
    const written: InteractionEvent[] = [];
    const { EventLogWriter } = await import('../src/data/eventlog-writer.js');
    const writer = new EventLogWriter(eventsDir);
    // A slow disk: each append takes 150 ms.
    const events = {
      append: async (batch: readonly InteractionEvent[]) => {
        await new Promise((r) => setTimeout(r, 150));
        await writer.append(batch);
        written.push(...batch);
      },
    };
    const srv = await startServer({ source, modelName: 'demo', port: 0, events, pollIntervalMs: 0, exposure: { flushMs: 60_000 } });
    const rec = (await (await fetch(`${srv.url}/v1/recommendations`, json({ userId: 'u1', k: 4 }))).json()) as { requestId: string };
    const inFlight = fetch(`${srv.url}/v1/events`, json({ events: [{ type: 'purchase', userId: 'u1', itemId: 'i2' }] }));
    await new Promise((r) => setTimeout(r, 30));
    expect(srv.service.state.inFlight).toBe(1);
    const closed = srv.close();
    expect((await inFlight).status).toBe(202);
    await closed;
    await writer.close();
    // Impressions waited in the buffer (flushMs 60 s): shutdown flushed them.
    expect(written.filter((e) => e.type === 'impression' && e.requestId === rec.requestId)).toHaveLength(4);
    expect(readEventLog(eventsDir).filter((e) => e.type === 'purchase')).toHaveLength(1);
    expect(source.instances('demo', 1)[0].disposed).toBe(true);
    await expect(fetch(`${srv.url}/healthz`)).rejects.toThrow();
  });

  it('fails clearly when the port is taken', async () => {
    const source = new MemorySource();
    source.publish('demo');
    const first = await startServer({ source, modelName: 'demo', port: 0, pollIntervalMs: 0 });
    try {
      await expect(startServer({ source, modelName: 'demo', port: first.port, pollIntervalMs: 0 })).rejects.toThrow(/EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
