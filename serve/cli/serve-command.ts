/**
 * `workbench serve`: the recommendation service (serve/) over the models directory. Flags win over
 * environment variables, which win over defaults:
 *   --models DIR      WORKBENCH_MODELS_DIR      ./models
 *   --name NAME       WORKBENCH_MODEL_NAME      the only model in the directory
 *   --port N          WORKBENCH_PORT            8080
 *   --host HOST       WORKBENCH_HOST            127.0.0.1
 *   --events DIR      WORKBENCH_EVENTS_DIR      ./data/events
 *   --state DIR       WORKBENCH_STATE           ./data/state (user state snapshot; restored + event log tail)
 *   --state redis://HOST:PORT                   shared user state + event stream on Redis (a server or any
 *                                               cluster node); --events DIR then receives the Parquet archive.
 *                     WORKBENCH_REDIS_PREFIX (wb), WORKBENCH_REDIS_DURABILITY=trust (skip the appendfsync check),
 *                     WORKBENCH_REDIS_SEED (./data/state: the snapshot a fresh Redis is seeded from)
 *   --experiment FILE WORKBENCH_EXPERIMENT      none: 100% champion
 *   --workers N       WORKBENCH_WORKERS         one per core
 *   --poll-ms MS      WORKBENCH_POLL_MS         2000 (0: no polling; POST /admin/reload still works)
 *   --no-exposures    WORKBENCH_LOG_EXPOSURES=0 (impressions are logged by default)
 *   --event-max-age D WORKBENCH_EVENT_MAX_AGE   7d (POST /v1/events refuses older `ts`)
 *   --event-max-future D WORKBENCH_EVENT_MAX_FUTURE 1h (and `ts` further ahead than this)
 *   --wait            start even when the model has no published version yet (else: exit 1)
 *   WORKBENCH_ADMIN_TOKEN (enables /admin/*), WORKBENCH_CORS_ORIGINS (comma list or *),
 *   WORKBENCH_REQUEST_TIMEOUT_MS (10000), WORKBENCH_MAX_BODY_BYTES (1 MiB), WORKBENCH_LOG_LEVEL (info).
 * Logs are JSON lines on stdout (one per request). The command lives in serve/ (src/ never depends
 * on the service); bin/workbench.js adds it to the CLI, and the service loads only when it runs.
 */

import path from 'node:path';
import { type CliIO, type Command, LOCATION_OPTIONS, locations, parseCommandArgs } from '../../src/cli/context.js';
import { UsageError, WorkbenchError } from '../../src/errors.js';
import { PROJECT_ROOT } from '../../src/paths.js';
import { isRedisUrl, parseRedisUrl } from '../../src/redis/connection.js';
import { listModels, listVersions } from '../../src/registry/load-version.js';
import { parseDuration } from '../../src/util/duration.js';
import { DEFAULT_EVENT_TIME_WINDOW, type EventTimeWindow } from '../event-time.js';

const OPTIONS = {
  ...LOCATION_OPTIONS,
  name: { type: 'string' },
  port: { type: 'string' },
  host: { type: 'string' },
  experiment: { type: 'string' },
  workers: { type: 'string' },
  'poll-ms': { type: 'string' },
  'no-exposures': { type: 'boolean', default: false },
  'event-max-age': { type: 'string' },
  'event-max-future': { type: 'string' },
  wait: { type: 'boolean', default: false },
} as const;

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** The resolved configuration of `workbench serve`. */
export interface ServeConfig {
  modelsDir: string;
  eventsDir: string;
  /** The user state folder (snapshot). */
  stateDir: string;
  /** Shared user state and event stream on Redis (`--state redis://...`), instead of the folder. */
  redis?: { url: string; prefix?: string; durability: 'check' | 'trust'; seedDir: string };
  modelName: string;
  port: number;
  host: string;
  /** Experiment config file, if any. */
  experimentFile?: string;
  /** Worker processes (undefined: one per core). */
  workers?: number;
  pollIntervalMs: number;
  logExposures: boolean;
  adminToken?: string;
  corsOrigins: string[];
  requestTimeoutMs: number;
  maxBodyBytes: number;
  /** Accepted event times around now on POST /v1/events. */
  eventTimeWindow: EventTimeWindow;
  /** Start even when the model has no published version (serve it once one appears). */
  wait: boolean;
  logLevel: (typeof LOG_LEVELS)[number];
}

/** A duration flag ("7d", "90m"; "0" is zero), or undefined when not given. */
function duration(value: string | undefined, what: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (value.trim() === '0') return 0;
  try {
    return parseDuration(value.trim());
  } catch {
    throw new UsageError(`${what} must be a duration such as 7d, 12h or 90m (got "${value}")`);
  }
}

function integer(value: string | undefined, what: string, min: number, max: number): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < min || n > max)
    throw new UsageError(`${what} must be an integer from ${min} to ${max} (got "${value}")`);
  return n;
}

/** Resolves flags and environment into a ServeConfig (bad values are a UsageError naming them). */
export async function serveConfig(argv: string[], io: CliIO): Promise<ServeConfig> {
  const { values } = parseCommandArgs(argv, OPTIONS);
  const env = io.env;
  const where = locations(values, io);
  const models = where.modelsDir;
  let modelName = values.name ?? env.WORKBENCH_MODEL_NAME;
  if (!modelName) {
    const names = await listModels(models);
    if (names.length !== 1) {
      throw new UsageError(
        names.length === 0
          ? `no models in ${models}; publish one first, or pass --models DIR`
          : `${models} holds several models (${names.join(', ')}); choose one with --name or WORKBENCH_MODEL_NAME`,
      );
    }
    modelName = names[0];
  }
  const logLevel = (env.WORKBENCH_LOG_LEVEL ?? 'info') as ServeConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel))
    throw new UsageError(`WORKBENCH_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  const exposuresEnv = env.WORKBENCH_LOG_EXPOSURES;
  if (exposuresEnv !== undefined && !['0', '1', 'true', 'false'].includes(exposuresEnv)) {
    throw new UsageError(`WORKBENCH_LOG_EXPOSURES must be 1/0 or true/false (got "${exposuresEnv}")`);
  }
  const experiment = values.experiment ?? env.WORKBENCH_EXPERIMENT;
  const state = values.state ?? env.WORKBENCH_STATE;
  let redis: ServeConfig['redis'];
  if (isRedisUrl(state)) {
    parseRedisUrl(state);
    const durability = env.WORKBENCH_REDIS_DURABILITY ?? 'check';
    if (durability !== 'check' && durability !== 'trust')
      throw new UsageError(`WORKBENCH_REDIS_DURABILITY must be check or trust (got "${durability}")`);
    redis = {
      url: state,
      prefix: env.WORKBENCH_REDIS_PREFIX || undefined,
      durability,
      seedDir: path.resolve(io.cwd, env.WORKBENCH_REDIS_SEED || path.join('data', 'state')),
    };
  }
  return {
    redis,
    ...where,
    modelName,
    port: integer(values.port ?? env.WORKBENCH_PORT, values.port !== undefined ? '--port' : 'WORKBENCH_PORT', 0, 65_535) ?? 8080,
    host: values.host ?? env.WORKBENCH_HOST ?? '127.0.0.1',
    experimentFile: experiment ? experiment : undefined,
    workers: integer(values.workers ?? env.WORKBENCH_WORKERS, values.workers !== undefined ? '--workers' : 'WORKBENCH_WORKERS', 1, 256),
    pollIntervalMs: integer(values['poll-ms'] ?? env.WORKBENCH_POLL_MS, '--poll-ms', 0, 3_600_000) ?? 2000,
    logExposures: !values['no-exposures'] && exposuresEnv !== '0' && exposuresEnv !== 'false',
    adminToken: env.WORKBENCH_ADMIN_TOKEN || undefined,
    corsOrigins: (env.WORKBENCH_CORS_ORIGINS ?? '')
      .split(',')
      .map((o) => o.trim())
      .filter(Boolean),
    requestTimeoutMs: integer(env.WORKBENCH_REQUEST_TIMEOUT_MS, 'WORKBENCH_REQUEST_TIMEOUT_MS', 100, 600_000) ?? 10_000,
    maxBodyBytes: integer(env.WORKBENCH_MAX_BODY_BYTES, 'WORKBENCH_MAX_BODY_BYTES', 1024, 64 * 1024 * 1024) ?? 1024 * 1024,
    eventTimeWindow: {
      maxAgeMs:
        duration(
          values['event-max-age'] ?? env.WORKBENCH_EVENT_MAX_AGE,
          values['event-max-age'] !== undefined ? '--event-max-age' : 'WORKBENCH_EVENT_MAX_AGE',
        ) ?? DEFAULT_EVENT_TIME_WINDOW.maxAgeMs,
      maxFutureMs:
        duration(
          values['event-max-future'] ?? env.WORKBENCH_EVENT_MAX_FUTURE,
          values['event-max-future'] !== undefined ? '--event-max-future' : 'WORKBENCH_EVENT_MAX_FUTURE',
        ) ?? DEFAULT_EVENT_TIME_WINDOW.maxFutureMs,
    },
    wait: values.wait,
    logLevel,
  };
}

/** Hooks of runServeCommand (workbench start prints its sample requests when the service is ready). */
export interface ServeHooks {
  /** Called once every worker is listening and ready, with the URL. */
  onReady?: (url: string) => void;
}

/**
 * Refuses (exit 1, one line) to serve a model with no published version unless `--wait`: a typo in
 * `--name` otherwise ran forever unready.
 */
async function requirePublished(cfg: ServeConfig): Promise<void> {
  if (cfg.wait || (await listVersions(cfg.modelsDir, cfg.modelName)).length > 0) return;
  const names = await listModels(cfg.modelsDir);
  throw new WorkbenchError(
    'model_not_found',
    `model "${cfg.modelName}" has no published versions in ${cfg.modelsDir} (models there: ${names.join(', ') || 'none'}); publish one, fix --name, or pass --wait to serve it once it is published`,
  );
}

/** `workbench serve` with hooks: what both `serve` and `start` run. */
export async function runServeCommand(argv: string[], io: CliIO, hooks: ServeHooks = {}): Promise<number> {
  const cfg = await serveConfig(argv, io);
  const cluster = (await import('node:cluster')).default;
  if (cluster.isPrimary) await requirePublished(cfg);
  const { loadExperiment, checkConfigDrift, defaultStateFile } = await import('../../src/experiments/config.js');
  const { runServe, defaultWorkers } = await import('../cluster.js');
  const { batchedLines, jsonLogger } = await import('../logger.js');
  const { registrySetAlias } = await import('../registry-source.js');
  const { liveRegistry } = await import('../live-state.js');
  const { registryAliasWriter } = await import('../ui/options.js');
  // One stdout write per event-loop turn, not one per request (batchedLines).
  const logger = jsonLogger(
    batchedLines((chunk) => io.out(chunk)),
    { level: cfg.logLevel, base: { pid: process.pid } },
  );
  const experiment = cfg.experimentFile ? await loadExperiment(cfg.experimentFile) : undefined;
  if (experiment && cluster.isPrimary) {
    // Changing weights or salt mid-experiment biases it: say so at start (once, not per worker).
    for (const warning of await checkConfigDrift(experiment, defaultStateFile(cfg.eventsDir, experiment.id))) {
      logger.warn('experiment config drift', { experiment: experiment.id, warning });
    }
  }
  return runServe({
    workers: cfg.workers ?? defaultWorkers(io.env),
    logger,
    onReady: hooks.onReady,
    serverOptions: async () => {
      // One user state per process, shared by every model version it loads: in process, or on Redis.
      const state = cfg.redis
        ? await (await import('../shared-state.js')).sharedRegistry(cfg.modelsDir, { ...cfg.redis, archiveDir: cfg.eventsDir, logger })
        : await liveRegistry(cfg.modelsDir, { stateDir: cfg.stateDir, eventsDir: cfg.eventsDir, logger });
      return {
        ...state,
        setAlias: registrySetAlias(cfg.modelsDir),
        modelName: cfg.modelName,
        eventsDir: cfg.eventsDir,
        experiment,
        logExposures: cfg.logExposures,
        pollIntervalMs: cfg.pollIntervalMs,
        port: cfg.port,
        host: cfg.host,
        adminToken: cfg.adminToken,
        corsOrigins: cfg.corsOrigins,
        requestTimeoutMs: cfg.requestTimeoutMs,
        maxBodyBytes: cfg.maxBodyBytes,
        eventTimeWindow: cfg.eventTimeWindow,
        defaultMetrics: true,
        logger,
        // WORKBENCH_UI=0 leaves the web pages out (they are read-only without the admin token).
        ui:
          io.env.WORKBENCH_UI === '0'
            ? undefined
            : {
                modelsDir: cfg.modelsDir,
                runsDir: path.resolve(io.cwd, io.env.WORKBENCH_RUNS_DIR ?? 'runs'),
                eventsDir: cfg.eventsDir,
                experimentsDir: path.join(PROJECT_ROOT, 'experiments'),
                experiments: experiment ? [experiment] : [],
                defaultModel: cfg.modelName,
                aliases: registryAliasWriter(cfg.modelsDir),
              },
      };
    },
  });
}

/** The `serve` subcommand. */
export const serveCommand: Command = {
  summary: 'Serve recommendations over HTTP: hot-reloaded models, A/B variants, event log, metrics',
  usage:
    'workbench serve [--models DIR] [--name NAME] [--port 8080] [--host 127.0.0.1] [--events DIR] [--state DIR|redis://HOST:PORT] [--experiment FILE] [--workers N] [--poll-ms MS] [--no-exposures] [--event-max-age 7d] [--event-max-future 1h] [--wait]',
  run: (argv, io) => runServeCommand(argv, io),
};
