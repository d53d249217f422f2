/**
 * What logging propensities and features costs the recommendation route (issue 18: <= 10% of
 * throughput). One process, the REAL TF.js ranker trained and published on the synthetic store,
 * served through the registry as `workbench serve` does, impressions appended to an event log.
 * Four services over the same version, differing only in the experiment file's variant:
 *   baseline     exploration off, no features (impressions still logged, with their policy)
 *   explore      exploration epsilon 0.2 in top 20: propensities on every impression
 *   explore+f10  and the feature vectors of 10% of requests
 *   explore+f100 and the feature vectors of every request
 * Rounds interleave the services (so load on the machine hits all alike); each round sends
 * BENCH_REQUESTS requests (k = 10, 8 in flight). Throughput is requests per CPU second of this
 * process (robust on a shared machine) and per wall-clock second; ratios against the baseline are
 * taken per round and their median over BENCH_ROUNDS rounds is printed. Requests go through `app.request`
 * (no sockets: the route, scoring and logging are what is measured, exposure flushing included).
 *
 *   npx tsx bench/ope-logging.ts            (BENCH_ROUNDS=9, BENCH_REQUESTS=300)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { liveRegistry } from '../serve/live-state.js';
import { createService, type Service } from '../serve/service.js';
import type { Experiment, Variant } from '../src/experiments/assignment.js';
import { trainAndPublish } from '../src/pipeline/train-publish.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 300);
const IN_FLIGHT = 8;

const root = mkdtempSync(path.join(os.tmpdir(), 'bench-ope-logging-'));
const modelsDir = path.join(root, 'models');
const stateDir = path.join(root, 'state');

console.error('training and publishing the ranker on the synthetic store ...');
await trainAndPublish({
  data: { source: 'synthetic' },
  modelsDir,
  name: 'bench',
  kinds: ['ltr-mlp'],
  training: { bootstrapResamples: 20, maxValidUsers: 150 },
  stateDir,
});

const exploration = { kind: 'epsilon' as const, epsilon: 0.2, topK: 20 };
const configs: { name: string; variant: Partial<Variant> }[] = [
  { name: 'baseline', variant: {} },
  { name: 'explore', variant: { exploration } },
  { name: 'explore+f10', variant: { exploration, logFeatures: 0.1 } },
  { name: 'explore+f100', variant: { exploration, logFeatures: 1 } },
];

const services: Service[] = [];
for (const c of configs) {
  const experiment: Experiment = { id: c.name, salt: 's', variants: [{ name: 'champion', weight: 1, alias: 'champion', ...c.variant }] };
  const eventsDir = path.join(root, `events-${c.name}`);
  const { userState, source } = await liveRegistry(modelsDir, { stateDir, eventsDir });
  const svc = createService({ source, userState, modelName: 'bench', eventsDir, experiment, pollIntervalMs: 0 });
  await svc.start();
  services.push(svc);
}

const users = Array.from({ length: 2000 }, (_, u) => `u${String(u + 1).padStart(4, '0')}`);

/** One round: requests per wall-clock second and per CPU second of this process (user + system). */
async function round(svc: Service, offset: number): Promise<{ wall: number; cpu: number }> {
  let next = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const worker = async () => {
    while (next < REQUESTS) {
      const userId = users[(offset + next++) % users.length];
      const res = await svc.app.request('/v1/recommendations', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ userId, k: 10 }),
      });
      if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      await res.arrayBuffer();
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  await svc.exposures?.flush(); // the appends this round caused count against it
  const cpu = process.cpuUsage(c0);
  return { wall: REQUESTS / ((performance.now() - t0) / 1000), cpu: REQUESTS / ((cpu.user + cpu.system) / 1e6) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

try {
  // Warm-up round (JIT, caches), not counted.
  for (const svc of services) await round(svc, 0);
  const wall: number[][] = configs.map(() => []);
  const cpu: number[][] = configs.map(() => []);
  for (let r = 0; r < ROUNDS; r++) {
    // Rotate the order each round so no service always runs first.
    for (let j = 0; j < services.length; j++) {
      const i = (j + r) % services.length;
      const x = await round(services[i], (r + 1) * REQUESTS);
      wall[i].push(x.wall);
      cpu[i].push(x.cpu);
    }
    console.error(`round ${r + 1}/${ROUNDS}`);
  }
  // Ratios per round (the four ran back to back), then the median: robust to load drifting between rounds.
  const ratio = (rates: number[][], i: number) => median(rates[i].map((x, r) => x / rates[0][r]));
  console.log(`POST /v1/recommendations, k = 10, ${IN_FLIGHT} in flight, medians of ${ROUNDS} rounds of ${REQUESTS} requests`);
  console.log(`  ${''.padEnd(14)} ${'req/CPU-s'.padStart(10)} ${'ratio'.padStart(7)} ${'req/s'.padStart(8)} ${'ratio'.padStart(7)}`);
  for (const [i, c] of configs.entries()) {
    console.log(
      `  ${c.name.padEnd(14)} ${median(cpu[i]).toFixed(0).padStart(10)} ${ratio(cpu, i).toFixed(3).padStart(7)} ${median(wall[i]).toFixed(0).padStart(8)} ${ratio(wall, i).toFixed(3).padStart(7)}`,
    );
  }
  console.log('  (ratio: against the baseline of the same round; CPU seconds of this process, so other load on the machine counts less)');
} finally {
  for (const svc of services) await svc.close();
  rmSync(root, { recursive: true, force: true });
}
