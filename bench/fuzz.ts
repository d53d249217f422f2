/**
 * Property-based fuzz at volume: N requests (default 100,000) generated from the route schemas
 * (serve/testing/fuzz-arbitraries.ts: valid, near-miss and hostile bodies, odd content types and
 * encodings) against the in-process service. Prints the status mix, 5xx and malformed-error counts,
 * latency, memory, whether the service still answers correctly afterwards, and whether every
 * event it accepted reads back through DuckDB.
 *
 *   node --import tsx bench/fuzz.ts [--runs 100000] [--seed 1]
 */
import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { fuzzService, requestArbitrary, sendFuzz } from '../serve/testing/fuzz-arbitraries.js';
import { scanEventLog } from '../src/data/eventlog.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '100000' }, seed: { type: 'string', default: '1' } } });
const RUNS = Number(values.runs);
const SEED = Number(values.seed);

function quantile(xs: Float64Array, q: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const { svc, eventsDir } = await fuzzService();
const statuses = new Map<number, number>();
const problems: string[] = [];
const latency = new Float64Array(RUNS);
let n = 0;
const rss0 = process.memoryUsage().rss;
const t0 = performance.now();
await fc.assert(
  fc.asyncProperty(requestArbitrary(Date.now()), async (request) => {
    const t = performance.now();
    const { status, problem } = await sendFuzz(svc, request);
    latency[n++] = performance.now() - t;
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
    if (problem && problems.length < 20) problems.push(problem);
  }),
  { numRuns: RUNS, seed: SEED },
);
const seconds = (performance.now() - t0) / 1000;
const after = await svc.app.request('/v1/recommendations', {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: '{"userId":"u1","k":5}',
});
const afterItems = ((await after.json()) as { items?: unknown[] }).items?.length ?? 0;
const ready = (await svc.app.request('/readyz')).status;
await svc.exposures?.flush();
await svc.close();
const { report, events } = await scanEventLog(eventsDir);
rmSync(eventsDir, { recursive: true, force: true });

const fivexx = [...statuses].filter(([s]) => s >= 500).reduce((a, [, c]) => a + c, 0);
console.log(`fuzz: ${n} requests (seed ${SEED}) in ${seconds.toFixed(1)} s = ${Math.round(n / seconds)} req/s`);
console.log(
  `status mix: ${[...statuses]
    .sort(([a], [b]) => a - b)
    .map(([s, c]) => `${s}: ${c}`)
    .join(', ')}`,
);
console.log(
  `5xx: ${fivexx}; responses breaking the error contract: ${problems.length}${problems.length ? `\n  ${problems.join('\n  ')}` : ''}`,
);
console.log(
  `latency per request: p50 ${quantile(latency.subarray(0, n), 0.5).toFixed(3)} ms, p99 ${quantile(latency.subarray(0, n), 0.99).toFixed(3)} ms, max ${quantile(latency.subarray(0, n), 1).toFixed(1)} ms`,
);
console.log(`rss: ${(rss0 / 2 ** 20).toFixed(0)} MiB -> ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MiB`);
console.log(
  `afterwards: recommendations ${after.status} with ${afterItems} items, readyz ${ready}, Object.prototype polluted: ${'polluted' in Object.prototype}`,
);
console.log(`event log: ${events.length} events read back by DuckDB, ${report.malformed} malformed and ${report.invalid} invalid lines`);
process.exitCode = fivexx + problems.length > 0 || after.status !== 200 || report.malformed + report.invalid > 0 ? 1 : 0;
