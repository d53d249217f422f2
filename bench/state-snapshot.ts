/**
 * The service's periodic user-state snapshot (serve/live-state.ts) at N users: how long it holds
 * the event loop. Baseline, measured in the same run: encoding every user (what each snapshot
 * did before rows were kept between snapshots). Then the capture a snapshot makes now after
 * `--changed` users changed (cached rows for the others), and the asynchronous write + fsync
 * (off the event loop: its wall time, with the longest event-loop stall seen meanwhile).
 * Users come from the synthetic store (its user count set by --users), replayed into the store
 * the service holds. Figures are medians over --runs runs.
 *
 *   node --import tsx bench/state-snapshot.ts [--users 20000] [--changed 200] [--runs 5]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { generateSyntheticStore } from '../src/data/synthetic-store.js';
import { SnapshotRows } from '../src/features/snapshot-rows.js';
import { snapshotLines, writeSnapshotLines } from '../src/features/user-state-snapshot.js';
import { replayUntil } from '../src/features/user-state-store.js';

const { values } = parseArgs({ options: { users: { type: 'string' }, changed: { type: 'string' }, runs: { type: 'string' } } });
const USERS = Number(values.users ?? 20_000);
const CHANGED = Number(values.changed ?? 200);
const RUNS = Number(values.runs ?? 5);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (t0: number) => performance.now() - t0;

const data = generateSyntheticStore({ users: USERS, items: 600, weeks: 10 });
const store = replayUntil(data.events, Number.POSITIVE_INFINITY);
const ids = store.userIds();
const dir = mkdtempSync(path.join(os.tmpdir(), 'bench-snapshot-'));
try {
  const full: number[] = [];
  const incremental: number[] = [];
  const write: number[] = [];
  const stall: number[] = [];
  const rows = new SnapshotRows();
  snapshotLines(store, {}, rows); // the first snapshot after start encodes everyone
  let ts = data.events.reduce((m, e) => Math.max(m, e.ts), 0);
  for (let r = 0; r < RUNS; r++) {
    let t0 = performance.now();
    snapshotLines(store, {}, new SnapshotRows());
    full.push(ms(t0));
    for (let i = 0; i < CHANGED; i++) {
      const userId = ids[(r * CHANGED + i * 7919) % ids.length];
      store.apply([{ type: 'view', userId, itemId: data.items[i % data.items.length].itemId, ts: ++ts }]);
      rows.changed(userId);
    }
    t0 = performance.now();
    const lines = snapshotLines(store, {}, rows);
    incremental.push(ms(t0));
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    t0 = performance.now();
    await writeSnapshotLines(dir, lines);
    write.push(ms(t0));
    loop.disable();
    stall.push(loop.max / 1e6);
  }
  console.log(`user-state snapshot, ${ids.length} users, ${CHANGED} changed between snapshots, median of ${RUNS} runs`);
  console.log(`  encode every user (before)        ${median(full).toFixed(1)} ms on the event loop`);
  console.log(
    `  capture with kept rows (now)      ${median(incremental).toFixed(1)} ms on the event loop (${(median(incremental) / median(full)).toFixed(3)}x)`,
  );
  console.log(
    `  write + fsync, asynchronous       ${median(write).toFixed(1)} ms wall, longest event-loop stall meanwhile ${median(stall).toFixed(1)} ms`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
