/**
 * The offline-online check of issue 18, on the synthetic store with fixed seeds:
 *   1. train and publish two models (champion and challenger) and seed the user state;
 *   2. serve the champion alone with exploration on and play simulated shoppers (position-based
 *      clicks from the store's true affinities): the logging traffic;
 *   3. `experiments ope` estimates the challenger's CTR from those logs;
 *   4. a simulated 50/50 A/B test of champion against challenger (no exploration) measures the
 *      challenger's online CTR, which the OPE interval must cover;
 *   5. logs from the same traffic with exploration off make the command refuse.
 * Each service starts from the same seeded user state, as a fresh deployment would.
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { main } from '../src/cli/main.js';
import { recordingIO } from '../src/cli/testing/recording-io.js';
import type { ArmSummary } from '../src/experiments/arms.js';
import type { Experiment } from '../src/experiments/assignment.js';
import type { ExperimentReport } from '../src/experiments/experiment-report.js';
import { simulate } from '../src/experiments/simulator.js';
import { syntheticShoppers } from '../src/experiments/worlds.js';
import type { OffPolicyReport } from '../src/ope/ope-report.js';
import type { ServedFeatureCheck } from '../src/ope/served-features.js';
import { offPolicyGate } from '../src/pipeline/ope-gate.js';
import { trainAndPublish } from '../src/pipeline/train-publish.js';
import { setAlias } from '../src/registry/aliases.js';
import { liveRegistry } from './live-state.js';
import { startServer } from './server.js';

// Request ids seed the exploration draws: numbered ids (and one shopper at a time) make the run repeat exactly.
let requestNo = 0;
vi.mock('node:crypto', async (importOriginal) => ({
  ...(await importOriginal<typeof import('node:crypto')>()),
  randomUUID: () => `req-${++requestNo}`,
}));

const root = mkdtempSync(path.join(tmpdir(), 'ope-e2e-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const USERS = 2000; // every shopper of the synthetic store, one visit each
const K = 5;
const CHAMPION_KIND = 'item-knn';
const CHALLENGER_KIND = 'cooccurrence';
const EXPLORATION = { kind: 'epsilon' as const, epsilon: 0.5, topK: 15 };

const modelsDir = path.join(root, 'models');
const stateDir = path.join(root, 'state');

async function opeCli(args: string[]): Promise<OffPolicyReport> {
  const io = recordingIO(root);
  const code = await main(['experiments', 'ope', ...args, '--models', modelsDir, '--state', stateDir, '--resamples', '500', '--json'], io);
  expect(io.stderr.join('\n')).not.toMatch(/workbench:/);
  expect(code).toBe(0);
  return JSON.parse(io.stdout.join('\n')) as OffPolicyReport;
}

async function traffic(experiment: Experiment, eventsDir: string, requestsPerUser = 1) {
  const { userState, source } = await liveRegistry(modelsDir, { stateDir, eventsDir });
  const server = await startServer({
    source,
    userState,
    modelName: 'shop',
    eventsDir,
    experiment,
    pollIntervalMs: 0,
    port: 0,
    exposure: { flushMs: 20 },
    eventTimeWindow: { maxAgeMs: Number.MAX_SAFE_INTEGER, maxFutureMs: 60_000 },
  });
  try {
    await server.whenReady;
    const shoppers = syntheticShoppers({ users: USERS, seed: 42 });
    const result = await simulate({ url: server.url, shoppers, seed: 7, k: K, requestsPerUser, concurrency: 1 });
    expect(result.failed).toBe(0);
    return result;
  } finally {
    await server.close();
  }
}

describe('off-policy estimate before the A/B test (synthetic store, fixed seeds)', () => {
  it('the OPE interval of the challenger from exploring champion logs covers its online CTR; without exploration the command refuses', async () => {
    const { published } = await trainAndPublish({
      data: { source: 'synthetic' },
      modelsDir,
      name: 'shop',
      kinds: [CHAMPION_KIND, CHALLENGER_KIND],
      training: { bootstrapResamples: 50, maxValidUsers: 150 },
      stateDir,
    });
    const champion = published[0].version;
    const challenger = published[1].version;
    await setAlias(modelsDir, 'shop', 'challenger', challenger);
    const seedCopy = path.join(root, 'seed');
    cpSync(stateDir, seedCopy, { recursive: true });
    // Every service and the replay start from the seed (a service rewrites the snapshot on close).
    const reseed = () => {
      rmSync(stateDir, { recursive: true, force: true });
      cpSync(seedCopy, stateDir, { recursive: true });
    };

    const loggingEvents = path.join(root, 'events-logging');
    await traffic(
      {
        id: 'logging',
        salt: 'l',
        model: 'shop',
        variants: [{ name: 'champion', weight: 1, alias: 'champion', exploration: EXPLORATION, logFeatures: 0.1 }],
      },
      loggingEvents,
    );
    reseed();
    // The sampled feature vectors are the ones the feature code recomputes for the same requests.
    const featIo = recordingIO(root);
    const featArgs = ['experiments', 'served-features', '--model', `shop@${champion}`, '--events', loggingEvents, '--models', modelsDir];
    expect(await main([...featArgs, '--state', stateDir, '--json'], featIo)).toBe(0);
    const served = JSON.parse(featIo.stdout.join('\n')) as ServedFeatureCheck;
    console.log(
      `served features: ${served.vectors} vectors of ${served.requests} requests, ${served.mismatched} differ (max |diff| ${served.maxAbsDiff})`,
    );
    expect(served.requests).toBeGreaterThan(100);
    expect(served.mismatched).toBe(0);
    // A vector that is not what the code computes is found: one value changed in a copy of the log.
    const tampered = path.join(root, 'events-tampered');
    cpSync(loggingEvents, tampered, { recursive: true });
    const part = readdirSync(tampered, { recursive: true, encoding: 'utf8' }).find((f) => f.endsWith('.jsonl')) ?? '';
    const lines = readFileSync(path.join(tampered, part), 'utf8').split('\n');
    const at = lines.findIndex((l) => l.includes('"features"'));
    const changed = JSON.parse(lines[at]) as { features: number[] };
    changed.features[0] += 0.5;
    lines[at] = JSON.stringify(changed);
    writeFileSync(path.join(tampered, part), lines.join('\n'));
    const badIo = recordingIO(root);
    expect(
      await main(
        ['experiments', 'served-features', '--model', `shop@${champion}`, '--events', tampered, '--models', modelsDir, '--state', stateDir],
        badIo,
      ),
    ).toBe(1);
    expect(badIo.stdout[0]).toMatch(/, 1 differ/);
    const ope = await opeCli(['--model', `shop@${challenger}`, '--events', loggingEvents]);
    const opeChampion = await opeCli(['--model', 'shop@champion', '--events', loggingEvents]);

    const abEvents = path.join(root, 'events-ab');
    const ab: Experiment = {
      id: 'ab',
      salt: 'ab-1',
      model: 'shop',
      variants: [
        { name: 'champion', weight: 50, alias: 'champion' },
        { name: 'challenger', weight: 50, alias: 'challenger' },
      ],
    };
    await traffic(ab, abEvents);
    reseed();
    const abFile = path.join(root, 'ab.json');
    writeFileSync(abFile, JSON.stringify(ab));
    const reportIo = recordingIO(root);
    const argv = ['experiments', 'report', '--config', abFile, '--events', abEvents, '--models', modelsDir, '--no-state'];
    expect(await main([...argv, '--json'], reportIo)).toBe(0);
    const report = JSON.parse(reportIo.stdout.join('\n')) as ExperimentReport & { arms: ArmSummary[] };
    const online = (v: string) => report.variants.find((x) => x.name === v);
    const textIo = recordingIO(root);
    expect(await main(argv, textIo)).toBe(0);
    console.log(textIo.stdout.join('\n').split('Offline, off-policy')[1]);

    const f = (x: number) => (x * 100).toFixed(2);
    const line = (name: string, r: typeof ope) =>
      `${name}: logged ${f(r.ctr.logged.mean)}%, IPS ${f(r.ctr.ips.mean)} [${f(r.ctr.ips.lo)}, ${f(r.ctr.ips.hi)}], SNIPS ${f(r.ctr.snips.mean)} [${f(r.ctr.snips.lo)}, ${f(r.ctr.snips.hi)}], DR ${f(r.ctr.dr?.mean ?? 0)} [${f(r.ctr.dr?.lo ?? 0)}, ${f(r.ctr.dr?.hi ?? 0)}], ESS ${r.ctr.effectiveSampleSize.toFixed(0)}/${r.slots}, matched ${r.matchedSlots}`;
    console.log(line(`OPE challenger ${CHALLENGER_KIND}`, ope));
    console.log(line(`OPE champion ${CHAMPION_KIND}`, opeChampion));
    console.log(
      JSON.stringify(report.variants.map((v) => ({ v: v.name, ctr: v.ctr, purchase: v.purchasePerImpression, imp: v.impressions }))),
    );
    console.log(
      `OPE challenger purchase rate: IPS ${f(ope.purchaseRate.ips.mean)} [${f(ope.purchaseRate.ips.lo)}, ${f(ope.purchaseRate.ips.hi)}], DR ${f(ope.purchaseRate.dr?.mean ?? 0)} [${f(ope.purchaseRate.dr?.lo ?? 0)}, ${f(ope.purchaseRate.dr?.hi ?? 0)}]`,
    );

    const onlineChallenger = online('challenger')?.ctr.value ?? Number.NaN;
    const onlineChampion = online('champion')?.ctr.value ?? Number.NaN;
    for (const i of [ope.ctr.ips, ope.ctr.snips, ope.ctr.dr]) {
      expect(i?.lo).toBeLessThan(onlineChallenger);
      expect(i?.hi).toBeGreaterThan(onlineChallenger);
    }
    for (const i of [opeChampion.ctr.ips, opeChampion.ctr.dr]) {
      expect(i?.lo).toBeLessThan(onlineChampion);
      expect(i?.hi).toBeGreaterThan(onlineChampion);
    }
    // The report holds, per arm, the offline NDCG@10, the estimate made before the test and the online CTR.
    expect(report.arms.map((a) => [a.variant, a.version, a.kind, a.covered])).toEqual([
      ['champion', champion, CHAMPION_KIND, true],
      ['challenger', challenger, CHALLENGER_KIND, true],
    ]);
    expect(report.arms.every((a) => a.offlineNdcg10 !== null && a.ope?.estimator === 'dr')).toBe(true);
    // The pipeline's off-policy gate on the same logs, with a 20% margin.
    const gate = await offPolicyGate(
      { modelsDir, name: 'shop', eventsDir: loggingEvents, stateDir },
      { candidate: challenger, champion },
      { margin: 0.2 },
    );
    console.log(`off-policy gate: ${gate.reason}`);
    expect(gate.promoted).toBe((gate.candidate?.mean ?? 0) >= (gate.champion?.mean ?? 1) * 0.8);

    // The challenger is ranked differently: only part of the logged slots inform its estimate.
    expect(opeChampion.model.version).toBe(champion);
    expect(ope.matchedSlots).toBeLessThan(opeChampion.matchedSlots);
    expect(ope.ctr.effectiveSampleSize).toBeGreaterThan(100);

    // The A/B test's logs carry no propensities (exploration off): the command refuses, exit 1.
    const io = recordingIO(root);
    expect(
      await main(
        ['experiments', 'ope', '--model', `shop@${challenger}`, '--events', abEvents, '--models', modelsDir, '--state', stateDir],
        io,
      ),
    ).toBe(1);
    expect(io.stderr.join('\n')).toMatch(/none of its 10000 impressions \(2000 requests\) carries a propensity.*exploration/);
  }, 900_000);
});
