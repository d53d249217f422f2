/**
 * The whole loop, over a real loopback port: v1 is published by the pipeline, the service serves it
 * and logs impressions, the storefront posts clicks and purchases, the pipeline retrains on them
 * and publishes v2 as champion (min-improvement -1 forces promotion), and the service hot-swaps to
 * v2, with a load generator running throughout and zero failed requests.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateSyntheticStore, syntheticUserId } from '../src/data/synthetic-store.js';
import { runPipeline } from '../src/pipeline/pipeline-run.js';
import { readManifest } from '../src/registry/load-version.js';
import { memoryLogger } from './logger.js';
import { createRegistrySource } from './registry-source.js';
import { startServer } from './server.js';
import { readEventLog } from './testing/helpers.js';

const CLIENTS = 4;
const root = mkdtempSync(path.join(tmpdir(), 'pipeline-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

interface Served {
  requestId: string;
  userId: string;
  items: { itemId: string }[];
}

const waitFor = async (what: () => boolean, ms = 20_000) => {
  const t0 = Date.now();
  while (!what() && Date.now() - t0 < ms) await new Promise((r) => setTimeout(r, 20));
  return what();
};

describe('pipeline end to end with the service', () => {
  it('retrains on the events the service logged and the service hot-swaps to the new champion, with zero failed requests', async () => {
    const dirs = { modelsDir: path.join(root, 'models'), runsDir: path.join(root, 'runs'), eventsDir: path.join(root, 'events') };
    const base = { ...dirs, name: 'shop', dataset: generateSyntheticStore({ users: 400, items: 120, weeks: 6 }) };
    const training = { epochs: 3, patience: 1, bootstrapResamples: 100 };
    const v1 = await runPipeline({ ...base, training });
    expect(v1.record.published).toEqual({ version: 1, aliases: ['champion'] });

    const srv = await startServer({
      source: createRegistrySource(dirs.modelsDir),
      modelName: 'shop',
      eventsDir: dirs.eventsDir,
      port: 0,
      pollIntervalMs: 50,
      exposure: { flushMs: 20 },
      logger: memoryLogger(),
    });
    const seen: number[][] = Array.from({ length: CLIENTS }, () => []);
    const served: Served[] = [];
    const failures: string[] = [];
    let stop = false;
    const client = async (c: number) => {
      for (let n = 0; !stop; n++) {
        const userId = syntheticUserId(1 + ((c * 97 + n * 13) % 400));
        try {
          const res = await fetch(`${srv.url}/v1/recommendations`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ userId, k: 5 }),
          });
          const body = (await res.json()) as Served & { model?: { version: number } };
          if (res.status !== 200 || !body.model) failures.push(`${res.status} ${JSON.stringify(body)}`);
          else {
            seen[c].push(body.model.version);
            served.push(body);
          }
        } catch (err) {
          failures.push(String(err));
        }
      }
    };
    const load = Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    try {
      expect(await waitFor(() => served.length >= 60)).toBe(true);
      // The storefront's feedback: a click on a shown item (its request and position) and a purchase.
      const feedback = served.slice(0, 40).flatMap((s, i) => {
        const position = i % 3;
        const { itemId } = s.items[position];
        return [
          { type: 'click' as const, userId: s.userId, itemId, requestId: s.requestId, position },
          { type: 'purchase' as const, userId: s.userId, itemId },
        ];
      });
      const posted = await fetch(`${srv.url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ events: feedback }),
      });
      expect(posted.status).toBe(202);
      await new Promise((r) => setTimeout(r, 100)); // the impression buffer flushes every 20 ms

      const v2 = await runPipeline({ ...base, training, policy: 'champion', minImprovement: -1 });
      const { record } = v2;
      expect(record.published).toEqual({ version: 2, aliases: ['champion'] });
      expect(record.newEvents.since).toBe(v1.record.newEvents.until);
      expect(record.newEvents.byType.click).toBe(40);
      expect(record.newEvents.byType.purchase).toBe(40);
      const until = Date.parse(record.newEvents.until);
      const logged = readEventLog(dirs.eventsDir).filter((e) => e.type === 'impression' && e.ts < until);
      expect(logged.length).toBeGreaterThanOrEqual(60 * 5);
      expect(record.newEvents.byType.impression).toBe(logged.length);
      expect(record.counts.freshTrainingEvents).toBe(80);
      // The synthetic snapshot (2025) was moved forward to continue the live events.
      expect(record.counts.baseShiftDays).toBeGreaterThan(0);
      expect(record.warnings.join('\n')).toMatch(/moved forward by \d+ day/);
      // Every click joined its impression: CTR by position is measured at positions 0, 1 and 2.
      expect(record.positionBias?.clicks).toBe(40);
      expect(record.positionBias?.unmatchedClicks).toBe(0);
      const clicked = record.positionBias?.byPosition.filter((p) => p.clicks > 0).map((p) => [p.position, p.clicks]);
      expect(clicked).toEqual([
        [0, 14],
        [1, 13],
        [2, 13],
      ]);
      expect((await readManifest(dirs.modelsDir, 'shop', 2)).run).toEqual({ id: record.runId, path: v2.recordPath });

      // Hot swap: every client ends on v2 and never goes back to v1 once it saw v2.
      const at = seen.map((s) => s.length);
      expect(await waitFor(() => seen.every((s, c) => s.length > at[c] + 3 && s.at(-1) === 2))).toBe(true);
    } finally {
      stop = true;
      await load;
      await srv.close();
    }
    expect(failures).toEqual([]);
    for (const s of seen) {
      expect(s.slice(s.indexOf(2))).not.toContain(1);
      expect(s.at(-1)).toBe(2);
    }
  });
});
