/**
 * Synthetic store generation time: the generator (src/data/synthetic-store.ts) for 2,000 / 20,000 /
 * 200,000 users (600 / 6,000 / 6,000 items, 10 weeks), median of `--runs` runs, with events/s
 * and CPU time. The baseline, measured in the same run: the generator as it was before it became
 * linear in the events (bench/synthetic-legacy.ts, O(users x items)), for 2,000 and 20,000 users.
 *
 *   npx tsx bench/synthetic-store.ts [--runs 3] [--baseline-runs 3] [--max-users 200000]
 *
 * `--baseline-runs 0` skips the baseline (20,000 users take it over a minute a run).
 */
import { parseArgs } from 'node:util';
import { generateSyntheticStore, type SyntheticOptions } from '../src/data/synthetic-store.js';
import { legacySyntheticGenerator } from './synthetic-legacy.js';

const legacyGenerateSyntheticStore = await legacySyntheticGenerator();

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '3' },
    'baseline-runs': { type: 'string', default: '3' },
    'max-users': { type: 'string', default: '200000' },
  },
});
const RUNS = Number(values.runs);
const BASELINE_RUNS = Number(values['baseline-runs']);
const MAX_USERS = Number(values['max-users']);

const SIZES = [
  { users: 2_000, items: 600, baseline: true },
  { users: 20_000, items: 6_000, baseline: true },
  { users: 200_000, items: 6_000, baseline: false },
].filter((s) => s.users <= MAX_USERS);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const fmt = (x: number) => Math.round(x).toLocaleString('en-GB');

interface Timing {
  wallMs: number;
  cpuMs: number;
  events: number;
}

/** Median wall and CPU time of `runs` generations (the dataset is dropped after each). */
function time(generate: (o: SyntheticOptions) => { events: unknown[] }, opts: SyntheticOptions, runs: number): Timing {
  const wall: number[] = [];
  const cpu: number[] = [];
  let events = 0;
  for (let r = 0; r < runs; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    events = generate(opts).events.length;
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { wallMs: median(wall), cpuMs: median(cpu), events };
}

// Warm up the JIT on a small store so the first size is not charged for compilation.
generateSyntheticStore({ users: 200, items: 100 });
legacyGenerateSyntheticStore({ users: 200, items: 100 });

console.log(`Synthetic store generation, median of ${RUNS} runs (baseline: ${BASELINE_RUNS}), 10 weeks, seed 42, Node ${process.version}`);
console.log('');
console.log('| users | items | events | time | events/s | CPU | old time | old events/s | speed-up |');
console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
for (const size of SIZES) {
  const opts = { users: size.users, items: size.items };
  const now = time(generateSyntheticStore, opts, RUNS);
  const old = size.baseline && BASELINE_RUNS > 0 ? time(legacyGenerateSyntheticStore, opts, BASELINE_RUNS) : undefined;
  const cells = [
    fmt(size.users),
    fmt(size.items),
    fmt(now.events),
    `${(now.wallMs / 1000).toFixed(2)} s`,
    fmt(now.events / (now.wallMs / 1000)),
    `${(now.cpuMs / 1000).toFixed(2)} s`,
    old ? `${(old.wallMs / 1000).toFixed(2)} s` : '-',
    old ? fmt(old.events / (old.wallMs / 1000)) : '-',
    old ? `${(old.wallMs / now.wallMs).toFixed(1)}x` : '-',
  ];
  console.log(`| ${cells.join(' | ')} |`);
}
console.log('');
console.log('time = wall clock; CPU = user + system time of the process (includes GC threads).');
