/**
 * Model directory size against the number of users: for synthetic stores of 2k, 20k and 200k users
 * (items 600 / 6,000 / 6,000), what a published version holds (item tables + a TF.js scorer +
 * warm-up + manifest, through the real publish path) and, beside it, the user state snapshot that
 * now lives outside the model directory. Median of --runs builds for the timings.
 *
 *   npx tsx bench/model-size.ts [--runs 1] [--max-users 200000]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { generateSyntheticStore } from '../src/data/synthetic-store.js';
import { buildFeatureStore, featureStoreToTables, fitNormalisation, replayUntil, withNormalisation } from '../src/features/index.js';
import { writeUserStateSnapshot } from '../src/features/user-state-snapshot.js';
import { createScorer } from '../src/models/ltr/index.js';
import { warmupRequests } from '../src/pipeline/publish-model.js';
import { layersModelFiles } from '../src/registry/io-handlers.js';
import { publishVersion } from '../src/registry/publish.js';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '1' }, 'max-users': { type: 'string', default: '200000' } } });
const RUNS = Number(values.runs);
const MAX = Number(values['max-users']);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function dirBytes(dir: string): number {
  let n = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirBytes(p) : statSync(p).size;
  }
  return n;
}

/** Restores the snapshot in `stateDir` in a child process; its user count and milliseconds. */
function restoreInChild(stateDir: string): { restored: number; readMs: number } {
  const script = `
    const { restoreUserState } = await import(${JSON.stringify(pathToFileURL(path.resolve('src/features/user-state-snapshot.ts')).href)});
    const t = performance.now();
    const { store } = restoreUserState({ stateDir: ${JSON.stringify(stateDir)}, definitions: [] });
    console.log(JSON.stringify({ restored: store.size, readMs: performance.now() - t }));`;
  const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1) as string);
}

const mb = (b: number) => `${(b / 1e6).toFixed(2)} MB`;
console.log('users    items  events     generate  build     version dir   features.json  user state snapshot (outside)');
const rows: { users: number; version: number }[] = [];
for (const [users, items] of [
  [2_000, 600],
  [20_000, 6_000],
  [200_000, 6_000],
] as const) {
  if (users > MAX) continue;
  const root = mkdtempSync(path.join(tmpdir(), 'bench-model-size-'));
  try {
    const gen: number[] = [];
    const build: number[] = [];
    let last: Awaited<ReturnType<typeof buildFeatureStore>> | undefined;
    let data = generateSyntheticStore({ users, items });
    for (let r = 0; r < RUNS; r++) {
      let t = performance.now();
      data = generateSyntheticStore({ users, items });
      gen.push(performance.now() - t);
      const end = data.events.reduce((m, e) => Math.max(m, e.ts), 0) + 1;
      t = performance.now();
      last = await buildFeatureStore(data.events, data.items, { cutoff: end });
      build.push(performance.now() - t);
    }
    const store = last!;
    const sample = store.features(store.userIds[0], store.itemIds);
    const serving = withNormalisation(store, fitNormalisation(sample, store.contract.names.length));
    const model = createScorer({ inputDim: store.contract.names.length, hidden: [64, 32], seed: 1 });
    const files = {
      ...(await layersModelFiles(model)),
      'features.json': JSON.stringify(featureStoreToTables(serving)),
      'warmup.json': JSON.stringify(warmupRequests(serving)),
    };
    model.dispose();
    const published = await publishVersion(path.join(root, 'models'), 'size', {
      files,
      manifest: {
        kind: 'ltr-mlp',
        featureContract: serving.contract as never,
        lineage: { data: { source: 'synthetic' }, gitCommit: null, producer: 'bench/model-size.ts' },
      },
    });
    const version = dirBytes(published.dir);
    const userState = replayUntil(data.events, Number.POSITIVE_INFINITY);
    const t = performance.now();
    const snapshot = statSync(writeUserStateSnapshot(path.join(root, 'state'), userState)).size;
    const writeMs = performance.now() - t;
    // Restored in a fresh process, as a service start does: in this one the heap already holds the
    // generated events and the store written, and GC pressure near the limit would be timed too.
    const { restored, readMs } = restoreInChild(path.join(root, 'state'));
    if (restored !== userState.size) throw new Error(`restored ${restored} users of ${userState.size}`);
    rows.push({ users, version });
    console.log(
      `${String(users).padEnd(8)} ${String(items).padEnd(6)} ${String(data.events.length).padEnd(10)} ${(median(gen) / 1000).toFixed(1).padStart(6)} s ${(median(build) / 1000).toFixed(1).padStart(6)} s  ${mb(version).padStart(11)}   ${mb(Buffer.byteLength(files['features.json'])).padStart(11)}    ${mb(snapshot)} (${(snapshot / users / 1024).toFixed(2)} KB per user; write ${(writeMs / 1000).toFixed(1)} s, restore ${(readMs / 1000).toFixed(1)} s)`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
const small = rows.find((r) => r.users === 20_000);
const big = rows.find((r) => r.users === 200_000);
if (small && big)
  console.log(
    `version size 200k users / 20k users (same 6,000 items) = ${(big.version / small.version).toFixed(3)}x (independent of users: ~1.0)`,
  );
