/**
 * `workbench start` (what `npm start` runs): the main job on the built-in data. When the models
 * directory has no version of the model yet, it trains the TF.js ranker and a popularity baseline
 * on the seeded synthetic store and publishes both (ranker = champion, popularity = challenger),
 * then serves them, printing the URL and a sample request. Takes every `workbench serve` flag.
 * With WORKBENCH_RETRAIN_EVERY (e.g. 3h) the primary process also runs the pipeline on that
 * schedule (synthetic store + the service's events; first run at start), never overlapping.
 */
import cluster from 'node:cluster';
import type { CliIO, Command } from '../../src/cli/context.js';
import { listVersions } from '../../src/registry/load-version.js';
import { runServeCommand, serveConfig } from './serve-command.js';

/** The model `npm start` trains and serves unless --name or WORKBENCH_MODEL_NAME says otherwise. */
export const DEFAULT_MODEL_NAME = 'store';

/**
 * The demo's training budget: at most 3 epochs, 250 validation users, 200 bootstrap resamples
 * (defaults: 30 epochs with early stopping, every validation user, 1000). On the synthetic store
 * (seed 42) it took 42 s of CPU instead of 68 s, for a test NDCG@10 of the ranker of 0.2550 instead
 * of 0.2589. `workbench train` and the pipeline keep the full budget.
 */
export const DEMO_TRAINING = { epochs: 3, maxValidUsers: 250, bootstrapResamples: 200 } as const;

/** The lines `workbench start` prints once the service is ready. */
export function announceReady(io: CliIO, url: string): void {
  io.err(`workbench start: ready on ${url}. Try:`);
  io.err(`  curl -s ${url}/readyz`);
  io.err(`  curl -s -X POST ${url}/v1/recommendations -H 'content-type: application/json' -d '{"userId":"u0001","k":5}'`);
  io.err(`  curl -s ${url}/openapi.json   # every route`);
}

export const startCommand: Command = {
  summary: 'Train and publish a model on the built-in synthetic store if none exists, then serve it (npm start)',
  usage: 'workbench start [every workbench serve option]',
  async run(argv, io) {
    const named = io.env.WORKBENCH_MODEL_NAME || argv.some((a) => a === '--name' || a.startsWith('--name='));
    const serveArgs = named ? argv : [...argv, '--name', DEFAULT_MODEL_NAME];
    // The same resolution as `workbench serve` (flags > environment > defaults), checked before training.
    const cfg = await serveConfig(serveArgs, io);
    const { modelsDir: models, modelName: name } = cfg;
    if (cluster.isPrimary) {
      if ((await listVersions(models, name)).length === 0) {
        io.err(
          `workbench start: no model "${name}" in ${models}; training one on the built-in synthetic store (seed 42), demo budget ${DEMO_TRAINING.epochs} epochs ...`,
        );
        const { trainAndPublish } = await import('../../src/pipeline/train-publish.js');
        const { setAlias } = await import('../../src/registry/aliases.js');
        const { published, report } = await trainAndPublish({
          data: { source: 'synthetic', seed: 42 },
          modelsDir: models,
          name,
          kinds: ['ltr-mlp', 'popularity'],
          producer: 'workbench start',
          training: { ...DEMO_TRAINING },
          stateDir: cfg.stateDir,
          log: (l) => io.err(`  ${l}`),
        });
        const baseline = published.find((p) => p.kind === 'popularity');
        if (baseline) await setAlias(models, name, 'challenger', baseline.version);
        for (const c of report.comparisons) {
          io.err(
            `  offline: ${c.model} vs ${c.baseline} on ${c.metric}: ${c.liftPercent === null ? 'n/a' : `${c.liftPercent.mean >= 0 ? '+' : ''}${c.liftPercent.mean.toFixed(1)}% [${c.liftPercent.lo.toFixed(1)}%, ${c.liftPercent.hi.toFixed(1)}%]`}`,
          );
        }
        io.err(
          `workbench start: published ${published.map((p) => `v${p.version} (${p.kind}${p.aliases.length ? `, ${p.aliases.join(', ')}` : ''})`).join(', ')}; popularity is the challenger`,
        );
      } else {
        io.err(`workbench start: serving the published model "${name}" from ${models}`);
      }
      io.err(`workbench start: starting the service on http://${cfg.host}:${cfg.port} (Ctrl-C stops it) ...`);
    }
    let retraining: { stop(): Promise<void> } | undefined;
    if (cluster.isPrimary && io.env.WORKBENCH_RETRAIN_EVERY) {
      const { startRetrainingFromEnv } = await import('../../src/pipeline/retrain.js');
      retraining = startRetrainingFromEnv(io.env, {
        name,
        modelsDir: models,
        eventsDir: cfg.eventsDir,
        stateDir: cfg.stateDir,
        data: { source: 'synthetic', seed: 42 },
        log: (l) => io.err(`retrain: ${l}`),
      });
      io.err(`workbench start: retraining every ${io.env.WORKBENCH_RETRAIN_EVERY} (run records in ${io.env.WORKBENCH_RUNS_DIR ?? 'runs'})`);
    }
    try {
      // Announced only once every worker is ready: before, "Try: curl" came while requests still got 503.
      return await runServeCommand(serveArgs, io, { onReady: (url) => announceReady(io, url) });
    } finally {
      await retraining?.stop();
    }
  },
};
