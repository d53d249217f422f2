/**
 * The cluster for real: a primary with two workers (separate processes) on one loopback port.
 * Requests are spread over both workers, one /metrics scrape aggregates all of them, an admin
 * reload reaches every worker, and SIGTERM stops everything with exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { sendSafely } from './cluster.js';

const here = path.dirname(fileURLToPath(import.meta.url));
let child: ChildProcess | undefined;
afterAll(() => {
  if (child && child.exitCode === null) child.kill('SIGKILL');
});

function sumMetric(text: string, name: string, labels: string): number {
  let sum = 0;
  for (const line of text.split('\n')) if (line.startsWith(`${name}{`) && line.includes(labels)) sum += Number(line.split(' ').at(-1));
  return sum;
}

describe('sendSafely', () => {
  it('never throws or leaves an error to be emitted when a worker is exiting', () => {
    const calls: unknown[][] = [];
    const closing = {
      isConnected: () => true,
      send: (...args: unknown[]) => {
        calls.push(args);
        // As Node does once the channel is closing: an error to the callback (else an 'error' event: the crash).
        const cb = args.find((a): a is (err: Error) => void => typeof a === 'function');
        if (!cb) throw new Error('write EPIPE (no callback: would be emitted as an error event)');
        cb(new Error('write EPIPE'));
        return false;
      },
    };
    expect(() => sendSafely(closing as never, { type: 'workbench:shutdown' })).not.toThrow();
    expect(calls).toHaveLength(1);
    const closed = {
      isConnected: () => false,
      send: () => {
        throw new Error('ERR_IPC_CHANNEL_CLOSED');
      },
    };
    expect(() => sendSafely(closed as never, { type: 'workbench:shutdown' })).not.toThrow();
  });
});

describe('cluster', () => {
  it('serves from two workers on one port, aggregates metrics, relays reloads, and stops on SIGTERM', async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(here, 'testing', 'cluster-main.ts')], {
      env: { ...process.env, WORKBENCH_WORKERS: '2', PORT: '0' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const url = await new Promise<string>((resolve, reject) => {
      let buf = '';
      const timer = setTimeout(() => reject(new Error(`cluster did not start: ${stderr.slice(-2000)}`)), 30_000);
      child?.stdout?.on('data', (d: Buffer) => {
        buf += d.toString();
        let nl = buf.indexOf('\n');
        while (nl >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          nl = buf.indexOf('\n');
          try {
            const parsed = JSON.parse(line) as Record<string, unknown>;
            lines.push(parsed);
            if (parsed.msg === 'cluster listening') {
              clearTimeout(timer);
              resolve(parsed.url as string);
            }
          } catch {
            /* not a log line */
          }
        }
      });
      child?.on('exit', (code) => reject(new Error(`cluster exited with ${code}: ${stderr.slice(-2000)}`)));
    });

    // Announced once every worker is ready (workbench start prints its sample requests then).
    for (let i = 0; i < 500 && !lines.some((l) => l.msg === 'cluster ready'); i++) await new Promise((r) => setTimeout(r, 10));
    expect(lines.find((l) => l.msg === 'cluster ready')).toMatchObject({ url, workers: 2 });
    expect((await fetch(`${url}/readyz`)).status).toBe(200);

    const N = 40;
    for (let i = 0; i < N; i++) {
      const res = await fetch(`${url}/v1/recommendations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', connection: 'close' },
        body: JSON.stringify({ userId: `u${i}` }),
      });
      expect(res.status).toBe(200);
    }
    const servedBy = new Set(lines.filter((l) => l.msg === 'request' && l.route === '/v1/recommendations').map((l) => l.pid));
    expect(servedBy.size).toBe(2);
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(sumMetric(metrics, 'workbench_http_requests_total', 'route="/v1/recommendations",status="200"')).toBe(N);
    expect(metrics).toMatch(/workbench_model_version\{model="demo",alias="champion"\} 1/);

    const reload = await fetch(`${url}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer cluster-token' } });
    expect(reload.status).toBe(200);

    const exited = new Promise<number | null>((resolve) => child?.on('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(lines.filter((l) => l.msg === 'stopped')).toHaveLength(2);
  });
});
