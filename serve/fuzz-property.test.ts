/**
 * Property-based fuzzing (fast-check, seeded so a failure repeats and shrinks): 3,000 requests
 * generated from the route schemas' fields, valid and hostile, against the in-process service.
 * None may be a 5xx or a 4xx without our error body; afterwards the service still recommends,
 * is ready, no prototype is polluted, and every event it accepted reads back through DuckDB.
 */
import { rmSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scanEventLog } from '../src/data/eventlog.js';
import type { Service } from './service.js';
import { fuzzService, requestArbitrary, sendFuzz } from './testing/fuzz-arbitraries.js';

let svc: Service;
let eventsDir: string;
beforeAll(async () => {
  ({ svc, eventsDir } = await fuzzService());
});
afterAll(async () => {
  await svc.close();
  rmSync(eventsDir, { recursive: true, force: true });
});

describe('property-based fuzz', () => {
  it('3,000 schema-shaped and hostile requests: no 5xx, every 4xx a JSON error, the service correct afterwards', async () => {
    const statuses = new Map<number, number>();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(requestArbitrary(Date.now()), async (request) => {
        const { status, problem } = await sendFuzz(svc, request);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
        if (status === 202 && request.url === '/v1/events') accepted++;
        if (problem) throw new Error(problem);
      }),
      { numRuns: 3000, seed: 20_261_202 },
    );
    // The mix reached both sides: accepted requests and every kind of refusal.
    expect(statuses.get(200)).toBeGreaterThan(100);
    expect(statuses.get(400)).toBeGreaterThan(500);
    expect(accepted).toBeGreaterThan(10);
    expect([...statuses.keys()].some((s) => s === 404 || s === 415)).toBe(true);

    const rec = await svc.app.request('/v1/recommendations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"userId":"u1","k":4}',
    });
    expect(rec.status).toBe(200);
    expect(((await rec.json()) as { items: unknown[] }).items).toHaveLength(4);
    expect((await svc.app.request('/readyz')).status).toBe(200);
    expect(Object.prototype).not.toHaveProperty('polluted');
    await svc.exposures?.flush();
    const { report, events } = await scanEventLog(eventsDir);
    expect({ malformed: report.malformed, invalid: report.invalid }).toEqual({ malformed: 0, invalid: 0 });
    expect(events.length).toBeGreaterThan(accepted);
  }, 120_000);
});
