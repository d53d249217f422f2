/**
 * User state follows live events, for real: a TF.js ranker published by the pipeline (which seeds
 * the user state folder), `workbench serve` with two worker processes, one purchase posted to
 * /v1/events, and the same user's next recommendations change on BOTH workers with no retrain
 * (the purchased item's co-purchased items move up). A restart (one process, snapshot + event log)
 * serves the same updated list: nothing acknowledged is lost.
 */

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServeProcess, startServeProcess } from '../src/cli/testing/serve-process.js';
import { generateSyntheticStore } from '../src/data/synthetic-store.js';
import { type FeatureTables, featureStoreFromTables, registeredUserStates } from '../src/features/index.js';
import { restoreUserState } from '../src/features/user-state-snapshot.js';
import { runPipeline } from '../src/pipeline/pipeline-run.js';

const root = mkdtempSync(path.join(tmpdir(), 'live-state-'));
const dirs = {
  modelsDir: path.join(root, 'models'),
  runsDir: path.join(root, 'runs'),
  eventsDir: path.join(root, 'events'),
  stateDir: path.join(root, 'state'),
};
const running: ServeProcess[] = [];
afterAll(async () => {
  for (const srv of running) if (srv.child.exitCode === null) srv.child.kill('SIGKILL');
  await Promise.all(running.map((srv) => srv.exited));
  rmSync(root, { recursive: true, force: true });
});

/** `workbench serve` as a child process; resolves once it listens. */
async function serve(workers: number): Promise<ServeProcess> {
  const args = [
    '--name',
    'shop',
    '--poll-ms',
    '0',
    '--no-exposures',
    '--models',
    dirs.modelsDir,
    '--events',
    dirs.eventsDir,
    '--state',
    dirs.stateDir,
  ];
  const srv = await startServeProcess(
    args,
    { WORKBENCH_WORKERS: String(workers), WORKBENCH_EVENT_MAX_AGE: '36500d' },
    { startTimeoutMs: 60_000, readyMsg: workers > 1 ? 'cluster listening' : 'listening' },
  );
  running.push(srv);
  return srv;
}

async function recommend(url: string, userId: string): Promise<string[]> {
  const res = await fetch(`${url}/v1/recommendations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ userId, k: 20 }),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { items: { itemId: string }[] }).items.map((i) => i.itemId);
}

/** The whole catalogue ranked for the user (POST /v1/rank). */
async function rankAll(url: string, userId: string, itemIds: string[]): Promise<string[]> {
  const res = await fetch(`${url}/v1/rank`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', connection: 'close' },
    body: JSON.stringify({ userId, itemIds }),
  });
  if (res.status !== 200) throw new Error(`rank: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { items: { itemId: string }[] }).items.map((i) => i.itemId);
}

/** Mean rank of `items` in `list` (absent = list length). */
const meanRank = (list: string[], items: string[]) =>
  items.reduce((s, id) => s + (list.includes(id) ? list.indexOf(id) : list.length), 0) / items.length;

let user = '';
let bought = '';
let partners: string[] = [];
let clock = 0;
let catalogue: string[] = [];

beforeAll(async () => {
  const dataset = generateSyntheticStore({ users: 400, items: 120, weeks: 6 });
  await runPipeline({ ...dirs, name: 'shop', dataset, training: { epochs: 3, patience: 1, bootstrapResamples: 100 } });
  // The user and the item: a known user, an item they never touched whose co-purchased items they never touched either.
  const seed = restoreUserState({ stateDir: dirs.stateDir, definitions: registeredUserStates() }).store;
  clock = seed.clock();
  const tables = JSON.parse(readFileSync(path.join(dirs.modelsDir, 'shop', '1', 'features.json'), 'utf8')) as FeatureTables;
  const store = featureStoreFromTables(tables, { users: seed });
  catalogue = [...store.itemIds];
  let best = -1;
  for (const u of store.userIds.slice(0, 80)) {
    const own = new Set(store.user(u)?.history.map((h) => h.itemId));
    for (const x of store.itemIds) {
      if (own.has(x)) continue;
      const nbrs = store
        .neighbours(x)
        .map((n) => n.itemId)
        .filter((n) => !own.has(n))
        .slice(0, 5);
      const strength = store
        .neighbours(x)
        .slice(0, 5)
        .reduce((s, n) => s + n.score, 0);
      if (nbrs.length === 5 && strength > best) {
        best = strength;
        user = u;
        bought = x;
        partners = nbrs;
      }
    }
  }
  expect(user).not.toBe('');
}, 300_000);

describe('live user state', () => {
  it('a purchase posted to /v1/events changes the next recommendations on every worker, and survives a restart', async () => {
    const cluster = await serve(2);
    for (let t = 0; t < 200 && (await fetch(`${cluster.url}/readyz`)).status !== 200; t++) await new Promise((r) => setTimeout(r, 50));
    const before: string[][] = [];
    for (let i = 0; i < 6; i++) before.push(await recommend(cluster.url, user));
    expect(new Set(before.map((b) => b.join())).size).toBe(1);
    const rankedBefore = await rankAll(cluster.url, user, catalogue);

    const res = await fetch(`${cluster.url}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: [{ userId: user, itemId: bought, type: 'purchase', ts: clock + 60_000 }] }),
    });
    expect(res.status).toBe(202);
    const firstAfter = cluster.lines.length;
    const after: string[][] = [];
    for (let i = 0; i < 16; i++) after.push(await recommend(cluster.url, user));
    // Every worker already had the purchase when the 202 came back: the same new list everywhere.
    expect(new Set(after.map((a) => a.join())).size).toBe(1);
    const servedBy = new Set(
      cluster.lines
        .slice(firstAfter)
        .filter((l) => l.msg === 'request' && l.route === '/v1/recommendations')
        .map((l) => l.pid),
    );
    expect(servedBy.size).toBe(2);
    expect(after[0]).not.toEqual(before[0]);
    // X's co-purchased items move up in the user's ranking of the whole catalogue.
    const rankedAfter = await rankAll(cluster.url, user, catalogue);
    expect(meanRank(rankedAfter, partners)).toBeLessThan(meanRank(rankedBefore, partners) - 5);
    expect(await cluster.stop()).toBe(0);

    const single = await serve(1);
    for (let t = 0; t < 200 && (await fetch(`${single.url}/readyz`)).status !== 200; t++) await new Promise((r) => setTimeout(r, 50));
    expect(await recommend(single.url, user)).toEqual(after[0]);
    const restored = single.lines.find((l) => l.msg === 'user state restored');
    expect(restored).toMatchObject({ users: expect.any(Number) });
    expect(await single.stop()).toBe(0);
  }, 180_000);
});
