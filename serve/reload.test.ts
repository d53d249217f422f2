/**
 * Hot reload under load, over a real port: while clients send requests back to back, a new
 * version is published (slow to load), then two broken ones. No request may fail, every client
 * switches to the new version and never goes back, the broken versions are refused, the old
 * version is disposed once nothing holds it.
 */
import { describe, expect, it } from 'vitest';
import { memoryLogger } from './logger.js';
import { startServer } from './server.js';
import { MemorySource } from './testing/memory-source.js';

const CLIENTS = 12;

describe('hot reload under load', () => {
  it('swaps versions with zero failed requests, refuses broken versions, and keeps serving', async () => {
    const source = new MemorySource();
    source.publish('demo');
    source.loadDelayMs = 80;
    const logger = memoryLogger();
    const srv = await startServer({ source, modelName: 'demo', port: 0, pollIntervalMs: 25, logger, adminToken: 't' });
    const candidates = Array.from({ length: 200 }, (_, i) => `i${(i * 7) % 500}`);
    const seen: number[][] = Array.from({ length: CLIENTS }, () => []);
    const failures: string[] = [];
    let stop = false;
    const client = async (c: number) => {
      for (let n = 0; !stop; n++) {
        try {
          const res = await fetch(`${srv.url}/v1/recommendations`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ userId: `u${c}-${n % 20}`, k: 10, candidates }),
          });
          const body = (await res.json()) as { model?: { version: number } };
          if (res.status !== 200 || !body.model) failures.push(`${res.status} ${JSON.stringify(body)}`);
          else seen[c].push(body.model.version);
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    const waitFor = async (what: () => boolean, ms = 8000) => {
      const t0 = Date.now();
      while (!what() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 10));
      return what();
    };
    try {
      await waitFor(() => seen.every((s) => s.length >= 5));
      source.publish('demo'); // v2: good, takes 80 ms to load
      expect(await waitFor(() => seen.every((s) => s.at(-1) === 2))).toBe(true);
      const at = seen.map((s) => s.length);
      source.publish('demo', { broken: 'load' }); // v3
      source.publish('demo', { broken: 'warmup' }); // v4
      expect(await waitFor(() => srv.service.store.status('demo')?.versions.filter((v) => v.state === 'FAILED').length === 2)).toBe(true);
      await waitFor(() => seen.every((s, c) => s.length >= at[c] + 5));
    } finally {
      stop = true;
      await load;
    }
    const total = seen.reduce((n, s) => n + s.length, 0);
    expect(failures).toEqual([]);
    expect(total).toBeGreaterThan(CLIENTS * 10);
    for (const s of seen) {
      // Once a client saw the new version it never got the old one again: the swap is atomic.
      expect(s.slice(s.indexOf(2))).not.toContain(1);
      expect(s.at(-1)).toBe(2);
    }
    expect(source.instances('demo', 1).every((m) => m.disposed)).toBe(true);
    const status = (await (await fetch(`${srv.url}/v1/models/demo`)).json()) as {
      model_version_status: { version: number; state: string }[];
    };
    expect(status.model_version_status.map((v) => [v.version, v.state])).toEqual([
      [4, 'FAILED'],
      [3, 'FAILED'],
      [2, 'AVAILABLE'],
      [1, 'NOT_LOADED'],
    ]);
    const metrics = await (await fetch(`${srv.url}/metrics`)).text();
    expect(metrics).toMatch(/workbench_model_reload_failures_total\{model="demo",stage="load"\} 1/);
    expect(metrics).toMatch(/workbench_model_reload_failures_total\{model="demo",stage="warmup"\} 1/);
    expect(metrics).toMatch(/workbench_model_version\{model="demo",alias="champion"\} 2/);
    expect(logger.lines.filter((l) => l.level === 'error').every((l) => l.msg === 'model version refused')).toBe(true);

    // An admin reload retries refused versions; they are refused again and v2 keeps serving.
    const admin = await fetch(`${srv.url}/admin/reload`, { method: 'POST', headers: { authorization: 'Bearer t' } });
    const report = (await admin.json()) as { models: { refused: { version: number }[] }[] };
    expect(report.models[0].refused.map((r) => r.version).sort()).toEqual([3, 4]);
    const after = (await (
      await fetch(`${srv.url}/v1/recommendations`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{"userId":"x"}',
      })
    ).json()) as {
      model: { version: number };
    };
    expect(after.model.version).toBe(2);
    await srv.close();
  });
});
