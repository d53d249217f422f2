/**
 * Faults, for real, in a separate service process (serve/testing/server-main.ts):
 * - under `ulimit -n 200`, events spread over 1,000 distinct days (two requests of 500) must not
 *   exhaust file descriptors: health, later events, model polling and admin reload keep working
 *   (before, each day kept a file open: EMFILE, every later event a 503, no new connection);
 * - events posted in a loop while the process is SIGKILLed: after a restart, every acknowledged
 *   (202) event is in the log exactly once, and the log still reads (DuckDB) and takes appends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startListeningProcess } from '../src/cli/testing/serve-process.js';
import { scanEventLog } from '../src/data/eventlog.js';
import { publishVersion } from '../src/registry/publish.js';
import { sampleInput } from '../src/registry/testing/models-dir.js';

const root = mkdtempSync(path.join(os.tmpdir(), 'serve-faults-'));
const running: ServeProcess[] = [];
afterAll(async () => {
  for (const srv of running) if (srv.child.exitCode === null && srv.child.signalCode === null) srv.child.kill('SIGKILL');
  await Promise.all(running.map((srv) => srv.exited));
  rmSync(root, { recursive: true, force: true });
});

/** Starts the fixture service (optionally under an open-files limit); resolves once it listens. */
async function start(dirs: { models: string; events: string }, opts: { nofile?: number; maxAgeMs?: number } = {}): Promise<ServeProcess> {
  const env = { MODELS_DIR: dirs.models, EVENTS_DIR: dirs.events, ...(opts.maxAgeMs ? { EVENT_MAX_AGE_MS: String(opts.maxAgeMs) } : {}) };
  const srv = await startListeningProcess([process.execPath, '--import', 'tsx', path.join('serve', 'testing', 'server-main.ts')], env, {
    nofile: opts.nofile,
    startTimeoutMs: 60_000,
  });
  running.push(srv);
  return srv;
}

const post = (url: string, events: unknown[]) =>
  fetch(`${url}/v1/events`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ events }) });

async function dirsWithModel(name: string): Promise<{ models: string; events: string }> {
  const dirs = { models: path.join(root, name, 'models'), events: path.join(root, name, 'events') };
  await publishVersion(dirs.models, 'demo', sampleInput(1));
  return dirs;
}

async function waitReady(url: string): Promise<number> {
  let status = 0;
  for (let i = 0; i < 600 && status !== 200; i++) {
    status = (await fetch(`${url}/readyz`)).status;
    if (status !== 200) await new Promise((r) => setTimeout(r, 50));
  }
  return status;
}

describe('service faults', () => {
  it('events over 1,000 distinct days under ulimit -n 200 leave health, events and model loading working', async () => {
    const dirs = await dirsWithModel('fds');
    const day = 86_400_000;
    const srv = await start(dirs, { nofile: 200, maxAgeMs: 2000 * day });
    try {
      expect(await waitReady(srv.url)).toBe(200);
      const now = Date.now();
      for (const offset of [0, 500]) {
        const events = Array.from({ length: 500 }, (_, i) => ({ type: 'click', userId: 'u', itemId: 'i', ts: now - (offset + i) * day }));
        expect((await post(srv.url, events)).status).toBe(202);
      }
      expect((await fetch(`${srv.url}/healthz`)).status).toBe(200);
      expect((await post(srv.url, [{ type: 'click', userId: 'u', itemId: 'i' }])).status).toBe(202);
      // Model loading still works: publish v2 and reload.
      await publishVersion(dirs.models, 'demo', sampleInput(2));
      const reload = await fetch(`${srv.url}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer faults-token' } });
      expect(reload.status).toBe(200);
      const status = (await (await fetch(`${srv.url}/v1/models/demo`)).json()) as {
        lastError?: string;
        model_version_status: { version: number; state: string }[];
      };
      expect(status.lastError).toBeUndefined();
      expect(status.model_version_status.find((v) => v.version === 2)?.state).toBe('AVAILABLE');
    } finally {
      await srv.stop();
    }
  }, 120_000);

  it('after a SIGKILL mid-stream, every acknowledged event is in the log exactly once', async () => {
    const dirs = await dirsWithModel('crash');
    const first = await start(dirs);
    const acked: string[] = [];
    let batch = 0;
    const send = async (): Promise<void> => {
      const ids = Array.from({ length: 25 }, (_, i) => `b${batch}-e${i}`);
      batch++;
      const res = await post(
        first.url,
        ids.map((id) => ({ type: 'click', userId: id, itemId: 'i1' })),
      );
      if (res.status === 202) acked.push(...ids);
    };
    // Sequential acknowledged batches, then several in flight when the process is killed.
    for (let i = 0; i < 40; i++) await send();
    const inFlight = Array.from({ length: 8 }, () => send().catch(() => undefined));
    first.child.kill('SIGKILL');
    await Promise.all(inFlight);
    await first.exited;
    expect(acked.length).toBeGreaterThanOrEqual(40 * 25);

    const second = await start(dirs);
    try {
      expect((await post(second.url, [{ type: 'click', userId: 'after-restart', itemId: 'i1' }])).status).toBe(202);
    } finally {
      await second.stop();
    }
    const { events } = await scanEventLog(dirs.events);
    const count = new Map<string, number>();
    for (const e of events) count.set(e.userId, (count.get(e.userId) ?? 0) + 1);
    const missing = acked.filter((id) => !count.has(id));
    const duplicated = acked.filter((id) => (count.get(id) ?? 0) > 1);
    expect({ missing: missing.length, duplicated: duplicated.length }).toEqual({ missing: 0, duplicated: 0 });
    expect(count.get('after-restart')).toBe(1);
  }, 120_000);
});
