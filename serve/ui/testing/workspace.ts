/**
 * A real workspace for the UI tests: two pipeline runs publish v1 (champion) and v2 (challenger)
 * of model `shop` on a small synthetic store, the service serves them in a 50/50 A/B test with its
 * UI mounted, and simulated shoppers (the store's own ground truth) click and buy through it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { generateSyntheticStore } from '../../../src/data/synthetic-store.js';
import type { Experiment } from '../../../src/experiments/assignment.js';
import { simulate } from '../../../src/experiments/simulator.js';
import { syntheticShoppers } from '../../../src/experiments/worlds.js';
import { runPipeline } from '../../../src/pipeline/pipeline-run.js';
import { memoryLogger } from '../../logger.js';
import { createRegistrySource } from '../../registry-source.js';
import { type RunningServer, startServer } from '../../server.js';
import { registryAliasWriter } from '../options.js';

/** The admin token of the workspace's service. */
export const ADMIN_TOKEN = 'ui-test-token';

/** The folders and the running service. */
export interface Workspace {
  root: string;
  modelsDir: string;
  runsDir: string;
  eventsDir: string;
  experimentsDir: string;
  experiment: Experiment;
  server: RunningServer;
}

const STORE = { users: 400, items: 120, weeks: 6 };

/** Builds the workspace under `root` (which the caller removes) and leaves the service running. */
export async function buildWorkspace(root: string, opts: { shoppers?: number } = {}): Promise<Workspace> {
  const dirs = {
    modelsDir: path.join(root, 'models'),
    runsDir: path.join(root, 'runs'),
    eventsDir: path.join(root, 'events'),
  };
  const experimentsDir = path.join(root, 'experiments');
  const dataset = generateSyntheticStore(STORE);
  const training = { epochs: 3, patience: 1, bootstrapResamples: 100 };
  await runPipeline({ ...dirs, name: 'shop', dataset, training });
  await runPipeline({
    ...dirs,
    name: 'shop',
    dataset,
    training: { ...training, seed: 7 },
    force: true,
    minImprovement: -1,
    warmStart: false,
  });
  const experiment: Experiment = {
    id: 'ranker-ab',
    salt: 'ui-workspace',
    model: 'shop',
    variants: [
      { name: 'control', weight: 50, alias: 'champion' },
      { name: 'treatment', weight: 50, alias: 'challenger' },
    ],
  };
  mkdirSync(experimentsDir, { recursive: true });
  writeFileSync(path.join(experimentsDir, 'ranker-ab.json'), JSON.stringify(experiment, null, 2));
  const server = await startServer({
    source: createRegistrySource(dirs.modelsDir),
    modelName: 'shop',
    eventsDir: dirs.eventsDir,
    experiment,
    port: 0,
    pollIntervalMs: 0,
    exposure: { flushMs: 20 },
    logger: memoryLogger(),
    adminToken: ADMIN_TOKEN,
    ui: { ...dirs, experimentsDir, experiments: [experiment], defaultModel: 'shop', aliases: registryAliasWriter(dirs.modelsDir) },
  });
  await server.whenReady;
  const result = await simulate({
    url: server.url,
    shoppers: syntheticShoppers({ users: opts.shoppers ?? 300, store: STORE }),
    requestsPerUser: 2,
  });
  if (result.failed > 0) throw new Error(`the simulation failed ${result.failed} requests: ${JSON.stringify(result.errors)}`);
  await server.service.exposures?.flush();
  return { root, ...dirs, experimentsDir, experiment, server };
}
